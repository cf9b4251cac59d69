/**
 * Scenario 4, "Example podman-native", for real (harness/integration/scenario-podman.ts): moto (ECR +
 * STS, OIDC), a TLS registry under the ECR hostname, Debian's podman 4.3 with a private vfs storage,
 * QEMU for the non-native arch jobs, the example pipeline rendered from a clone of this work tree and
 * run with the shell-executor emulation; then the merge job alone after the registry was damaged.
 *
 * Registry facts are read from the registry. Where the requirement is what the failing job says
 * (it names the missing platform, the mismatch, the refused architecture), its ERROR lines are read.
 *
 * Needs root (dockerd, mount namespaces, binfmt, apt). Not root: skipped with the reason, unless
 * CATALOG_REQUIRE_TOOLS=1, which turns the skip into a failure.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeUnavailable, integrationUnavailable, REPO_ROOT } from '../helpers/integration.js';
import { parse } from 'yaml';
import { unameMachine } from '../../harness/integration/images.js';
import {
  buildJob,
  componentErrors,
  MERGE_JOB,
  mergeOnlyPipelineText,
  nativeArch,
  podmanPipelineText,
  refusedPipelineText,
  PODMAN_ARCHES,
  runPodmanNativeScenario,
  type FailedRun,
  type PodmanNativeScenarioResult,
} from '../../harness/integration/scenario-podman.js';

const reason = integrationUnavailable;

const PLATFORMS = PODMAN_ARCHES.map((arch) => `linux/${arch}`);
const literal = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The include entries of a pipeline text: component name (`…/<name>@…`) and inputs. */
function includesOf(text: string): { name: string; inputs: Record<string, unknown> }[] {
  const doc = parse(text) as { include: { component: string; inputs?: Record<string, unknown> }[] };
  return doc.include.map((i) => ({ name: /\/([^/@]+)@/.exec(i.component)?.[1] ?? '', inputs: i.inputs ?? {} }));
}

// Runs everywhere: the scenario copies of the example change only what the module comment lists.
describe('scenario 4 pipeline texts', () => {
  const example = readFileSync(path.join(REPO_ROOT, 'examples/podman-native/.gitlab-ci.yml'), 'utf8');
  const original = includesOf(example);

  it('maps the host to its architecture', () => {
    expect([nativeArch('x64'), nativeArch('arm64'), nativeArch('ppc64'), nativeArch('s390x')]).toEqual(['amd64', 'arm64', 'ppc64le', undefined]);
  });

  it('full copy: emulation only on the non-native arch jobs, no runner tags, the busybox context, ecr-login unchanged', () => {
    const copy = includesOf(podmanPipelineText(example, 'amd64'));
    expect(copy.map((i) => i.name)).toEqual(original.map((i) => i.name));
    const builds = copy.filter((i) => i.name === 'podman-arch-build');
    expect(builds.map((b) => [b.inputs['arch'], b.inputs['emulation']])).toEqual([['amd64', undefined], ['arm64', true], ['ppc64le', true]]);
    for (const build of builds) expect(build.inputs).toMatchObject({ 'runner-tags': [], context: 'scenario-podman-native-app', 'cache-repo': '$IMAGE/cache' });
    expect(copy[0]?.inputs).toEqual(original[0]?.inputs);
    expect(copy.at(-1)).toEqual(original.at(-1));
  });

  it('refused copy: the one non-native job without emulation; merge-only copy: the merge with needs [] and short retries alone', () => {
    const refused = includesOf(refusedPipelineText(example, 'arm64', 'amd64'));
    expect(refused.map((i) => [i.name, i.inputs['arch'], i.inputs['emulation']])).toEqual([['ecr-login', undefined, undefined], ['podman-arch-build', 'arm64', undefined]]);
    expect(() => refusedPipelineText(example, 'amd64', 'amd64')).toThrow(/native/);
    const merge = includesOf(mergeOnlyPipelineText(example, { source: 'template' }));
    expect(merge.map((i) => i.name)).toEqual(['ecr-login', 'manifest-merge']);
    expect(merge[0]?.inputs['rules']).toEqual([{ when: 'never' }]);
    expect(merge[1]?.inputs).toEqual({ ...original.at(-1)?.inputs, needs: [], 'retry-delay': 1, source: 'template' });
  });

  it('reads the component ERROR lines of a job log, not the runner\'s', () => {
    const log = [
      'manifest-merge: note',
      'manifest-merge: ERROR: missing linux/arm64: cannot read x',
      'manifest-merge: WARNING: retrying',
      'podman-arch-build: ERROR: runner is x86_64',
      'ERROR: Job failed: exit code 1',
    ].join('\n');
    expect(componentErrors(log)).toEqual(['missing linux/arm64: cannot read x', 'runner is x86_64']);
  });
});

describeUnavailable('scenario podman-native');

describe.runIf(reason === undefined)('scenario 4: example podman-native (host-based: deletes and replaces images between jobs through the harness\'s registry API; test/pipelines runs the example in job containers)', () => {
  // One run of the scenario serves every test below; a failed run fails each of them once, not four runs.
  let running: Promise<PodmanNativeScenarioResult> | undefined;
  const scenario = (): Promise<PodmanNativeScenarioResult> => {
    running ??= (async () => {
      const workDir = mkdtempSync(path.join(os.tmpdir(), 'catalog-scenario-podman-'));
      const result = await runPodmanNativeScenario({ workDir, repo: REPO_ROOT, log: (line) => console.log(`[scenario podman] ${line}`) });
      for (const [name, ms] of Object.entries(result.timings)) console.log(`[time] ${name}: ${(ms / 1000).toFixed(1)} s`);
      return result;
    })();
    return running;
  };

  /** The merge job failed the pipeline, and the index tags are what the good run published. */
  const expectMergeFailedAndIndexKept = (failed: FailedRun, good: PodmanNativeScenarioResult['good']): void => {
    expect(failed.run.pipeline.status).toBe('failed');
    expect(failed.jobs).toEqual([[MERGE_JOB, 'failed']]);
    for (const tag of [good.shortSha, 'main', 'latest']) expect(failed.tagDigests[tag], tag).toBe(good.indexDigest);
  };

  it('refuses a non-native arch job without the emulation input, before anything is pushed', { timeout: 1_800_000 }, async () => {
    const { refused, native } = await scenario();
    expect(refused.arch).not.toBe(native);
    expect(refused.run.pipeline.status).toBe('failed');
    expect(refused.jobs).toEqual([[buildJob(refused.arch), 'failed']]);
    expect(refused.errors).toEqual([
      expect.stringMatching(new RegExp(`^runner is ${literal(os.machine())} but arch ${refused.arch} needs ${unameMachine(`linux/${refused.arch}`)}: .*emulation: true`)),
    ]);
    expect(refused.tagDigests).toEqual({});
  });

  it('builds each arch (emulation only where not native), merges exactly the three reported digests and tags the index', { timeout: 1_800_000 }, async () => {
    const { good, native } = await scenario();
    expect(good.jobs).toEqual([
      ['ecr-login-check', 'success'],
      ...PODMAN_ARCHES.map((arch) => [buildJob(arch), 'success']),
      [MERGE_JOB, 'success'],
    ]);
    expect(good.emulation).toEqual(Object.fromEntries(PODMAN_ARCHES.map((arch) => [arch, arch !== native])));

    // The index: exactly the three platforms, each the digest its arch job reported.
    expect(good.indexMediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(good.platforms.map((p) => p.platform).sort()).toEqual([...PLATFORMS].sort());
    for (const arch of PODMAN_ARCHES) {
      const reported = good.archDotenv[arch]['IMAGE_DIGEST_' + arch.toUpperCase()];
      expect(reported, arch).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(good.platforms.find((p) => p.platform === `linux/${arch}`)?.digest, arch).toBe(reported);
      // Each per-arch tag is that same image, and its config says the job's platform.
      expect(good.tagDigests[`${good.shortSha}-${arch}`], arch).toBe(reported);
      expect(good.archConfigs[arch], arch).toMatchObject({ os: 'linux', architecture: arch });
      expect(good.archConfigs[arch].labels['org.opencontainers.image.revision'], arch).toBe(good.sha);
    }
    expect(new Set(good.platforms.map((p) => p.digest)).size).toBe(PODMAN_ARCHES.length);

    // The merge job's report is the registry's index, under every tag the example asks for.
    expect(good.mergeDotenv['IMAGE_INDEX_DIGEST']).toBe(good.indexDigest);
    expect(good.mergeDotenv['IMAGE_INDEX_IMAGE']).toBe(`${good.image}@${good.indexDigest}`);
    for (const tag of [good.shortSha, 'main', 'latest']) expect(good.tagDigests[tag], tag).toBe(good.indexDigest);
    expect(Object.keys(good.tagDigests).sort()).toEqual(
      [good.shortSha, 'main', 'latest', ...PODMAN_ARCHES.map((arch) => `${good.shortSha}-${arch}`)].sort(),
    );

    // Each platform of the index runs (natively or under QEMU) and was built as that platform.
    expect(good.unames).toEqual(Object.fromEntries(PLATFORMS.map((p) => [p, unameMachine(p)])));
    for (const platform of PLATFORMS) expect(good.buildPlatforms[platform], platform).toBe(`${platform} built on ${unameMachine(platform)}`);
  });

  it('after the arm64 image is deleted, the merge alone fails naming linux/arm64 and leaves the index alone', { timeout: 1_800_000 }, async () => {
    const { good, missing } = await scenario();
    expectMergeFailedAndIndexKept(missing, good);
    expect(missing.tagDigests[`${good.shortSha}-arm64`]).toBeUndefined();
    const armDigest = good.archDotenv.arm64['IMAGE_DIGEST_ARM64'] ?? '';
    expect(missing.errors).toEqual([expect.stringMatching(new RegExp(`^missing linux/arm64: cannot read ${literal(`${good.image}@${armDigest}`)} `))]);
  });

  it('with an amd64 image under the arm64 tag, the merge by tags fails naming the mismatch; the merge by digests still reports arm64 missing', { timeout: 1_800_000 }, async () => {
    const { good, overwrittenArm64, mismatchDotenv, mismatchTemplate } = await scenario();
    // The set-up is real: the registry's arm64 tag now serves the amd64 image.
    expect(overwrittenArm64).toMatchObject({ os: 'linux', architecture: 'amd64' });
    const armTagDigest = mismatchTemplate.tagDigests[`${good.shortSha}-arm64`] ?? '';
    expect(armTagDigest).toMatch(/^sha256:/);

    expectMergeFailedAndIndexKept(mismatchTemplate, good);
    expect(mismatchTemplate.errors).toEqual([
      `linux/arm64 expected but ${good.image}:${good.shortSha}-arm64@${armTagDigest} is linux/amd64`,
    ]);

    // The example's merge (source: dotenv) reads the digests the arch jobs reported, never the tag.
    expectMergeFailedAndIndexKept(mismatchDotenv, good);
    expect(mismatchDotenv.errors).toEqual([expect.stringMatching(new RegExp(`^missing linux/arm64: cannot read ${literal(`${good.image}@${good.archDotenv.arm64['IMAGE_DIGEST_ARM64'] ?? ''}`)} `))]);
  });
});
