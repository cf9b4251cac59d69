/**
 * Components under registry faults (issue 14): the jobs reach the TLS Distribution registry only
 * through the fault proxy (harness/integration/fault-proxy.ts), which answers 30% of their requests
 * with 500, 503, 429 (Retry-After) or a TCP reset. podman-arch-build (linux/amd64, no emulation),
 * manifest-merge (of an image pushed without faults, so that each component is judged on its own)
 * and buildx-ecr (docker driver, linux/amd64) must complete through
 * their retries, and what the registry then holds is read from the registry itself, past the
 * proxy: the digests each job reported, the index and its one platform, every tag. With the
 * registry down (the proxy refusing connections), each job must fail, name the registry host, and
 * leave no tag or index behind. Deterministic faults besides: a login ping dropped without an
 * answer (ecr-login retries it), and buildx's second push through the engine failing after
 * BuildKit's exporter had pushed the image (buildx-ecr reads the tag back, no rebuild).
 *
 * CI time: the file is part of `npm test`, so it costs little: one environment (registry, proxy,
 * engine) for every scenario, linux/amd64 only, and one image for every build, the smallest there
 * is (CONTEXT: one layer). A client's push fails as a whole when any of its requests fails and
 * podman retries in-process none of a HEAD's 5xx, so the fewer requests a push makes the more
 * often an attempt gets through whole: with the three layers of the podman scenarios' image,
 * podman-arch-build needed 20 attempts and 405 s under these faults.
 *
 * The rendered components run in the shell-executor emulation (environment.ts, runner.ts), with the
 * real podman, buildah, docker CLI, buildx and the environment's engine. Retries under faults:
 * `retries: 24`, `retry-delay: 1` on every include, ecr-login's too (its login goes through the
 * proxy as well); that is more than the components' default (3; buildx-ecr 2), and it has to be: a
 * podman push is one command for 4 requests once its blobs are in (the ping, a HEAD for the layer
 * and for the config, the manifest), podman retries in-process only some errors (not a 500 or 503
 * on a HEAD or the ping), so at 30% faults an attempt gets through about one time in four, while
 * the blobs it did upload stay. BuildKit retries a failed push request 3 times (1, 2, 4 s) and a
 * 429 at once up to 5 times, then fails the build, which buildx-ecr builds again. The waits stop
 * growing at 20 s (catalog_retry), so 24 retries fit in the job's time. With the registry down:
 * `retries: 2`.
 * The seed is fixed (FAULT_SEED) so that runs can be compared; CATALOG_FAULT_SEED replaces it.
 * Each pipeline's report gives the requests, the faults by kind, its jobs' durations and retries.
 *
 * Needs root (dockerd, mount namespaces, apt). Not root: skipped with the reason, unless
 * CATALOG_REQUIRE_TOOLS=1, which turns the skip into a failure.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeUnavailable, HOST_ENGINE_BUILDX_INPUTS, integrationUnavailable, REPO_ROOT } from '../helpers/integration.js';
import { stringifyPlainYaml } from '../../scripts/gitlab/yaml/psych.js';
import { startEnvironment, type Environment } from '../../harness/integration/environment.js';
import { FAULT_KINDS, type FaultCounts, type ProxiedRequest } from '../../harness/integration/fault-proxy.js';
import { ensurePackages } from '../../harness/integration/apt.js';
import { busyboxContext } from '../../harness/integration/images.js';
import { indexEntries } from '../../harness/integration/oci.js';
import { pipelineFailure, type ExtraVariable, type JobResult, type PipelineRun } from '../../harness/integration/runner.js';
import { projectVariables, PODMAN_IGNORED_SCHEMA_PATHS, PODMAN_PACKAGES, ROLE_ARN } from '../../harness/integration/scenario-podman.js';

const log = (line: string): void => console.log(`[registry faults] ${line}`);
const FAULT_RATE = 0.3;
/** The seed of the run that first showed podman-arch-build's and manifest-merge's pushes running out of attempts. */
const FAULT_SEED = 1_998_764_165;
const SEED = process.env['CATALOG_FAULT_SEED'] === undefined ? FAULT_SEED : Number(process.env['CATALOG_FAULT_SEED']);
const RETRIES = { faulted: 24, down: 2 } as const;
/**
 * The smallest image, for every build: `FROM scratch`, busybox copied in, linux/amd64 only. One
 * layer, so a push is the fewest requests (a HEAD each for the layer and the config, the manifest),
 * each of which a fault can fail.
 */
const CONTEXT = 'registry-faults-app';
const PODMAN_BUILD = 'podman-build-amd64';
const MERGE = 'manifest-merge';
const BUILDX_BUILD = 'build-image';

describeUnavailable('registry faults');

describe.runIf(integrationUnavailable === undefined)('components under registry faults (issue 14), through the fault proxy', () => {
  let env: Environment | undefined;
  const ready = (): Environment => {
    if (env === undefined) throw new Error('the environment did not start (see beforeAll)');
    return env;
  };
  const proxy = (): NonNullable<Environment['faultProxy']> => {
    const p = ready().faultProxy;
    if (p === undefined) throw new Error('the environment has no fault proxy');
    return p;
  };

  beforeAll(async () => {
    log(`fault seed ${SEED} (CATALOG_FAULT_SEED=${SEED} repeats the fault sequence), rate ${FAULT_RATE}`);
    const workDir = mkdtempSync(path.join(os.tmpdir(), 'catalog-registry-faults-'));
    // No faults while the environment starts: set-up is not what is tested.
    env = await startEnvironment({ workDir, repo: REPO_ROOT, log, faultProxy: { faultRate: 0, seed: SEED } });
    const e = env;
    await e.step('podman and buildah (apt)', () => ensurePackages(PODMAN_PACKAGES, { log }));
    await e.step('busybox context (linux/amd64)', () => busyboxContext(path.join(e.project, CONTEXT), ['linux/amd64'], log));
  }, 900_000);

  afterAll(async () => {
    await env?.stop();
  }, 300_000);

  const retryInputs = (retries: number): Record<string, number> => ({ retries, 'retry-delay': 1 });
  const ecrLogin = (retries: number, extra: Record<string, unknown>): Record<string, unknown> => ({
    component: '$CI_SERVER_FQDN/$CI_PROJECT_PATH/ecr-login@$CI_COMMIT_SHA',
    inputs: { 'aws-role-arn': ROLE_ARN, 'aws-region': 'eu-west-1', 'aws-endpoint-url': '$AWS_API_ENDPOINT', rules: [{ when: 'never' }], ...retryInputs(retries), ...extra },
  });

  /**
   * `build`: podman-arch-build amd64 (`<image>:<short sha>-amd64`); `merge`: manifest-merge of
   * linux/amd64 (`<short sha>`, `main`, `latest`) alone, `needs: []`, the build's digest given as a
   * project variable (as a retried merge job gets it from the build's dotenv); `both`: the two.
   */
  const podmanPipeline = (image: string, retries: number, parts: 'build' | 'merge' | 'both'): string =>
    stringifyPlainYaml({
      stages: ['build', 'deploy'],
      variables: { IMAGE: image },
      include: [
        ecrLogin(retries, { registries: ready().ecrHost, 'auth-targets': 'podman' }),
        ...(parts === 'merge'
          ? []
          : [
              {
                component: '$CI_SERVER_FQDN/$CI_PROJECT_PATH/podman-arch-build@$CI_COMMIT_SHA',
                inputs: { arch: 'amd64', 'login-job': '.ecr-login', 'runner-tags': [], 'image-name': '$IMAGE', context: CONTEXT, ...retryInputs(retries) },
              },
            ]),
        ...(parts === 'build'
          ? []
          : [
              {
                component: '$CI_SERVER_FQDN/$CI_PROJECT_PATH/manifest-merge@$CI_COMMIT_SHA',
                inputs: {
                  needs: parts === 'merge' ? [] : [PODMAN_BUILD],
                  'login-job': '.ecr-login',
                  'image-name': '$IMAGE',
                  platforms: 'linux/amd64',
                  tags: '$CI_COMMIT_SHORT_SHA $CI_COMMIT_REF_SLUG',
                  latest: 'default-branch',
                  ...retryInputs(retries),
                },
              },
            ]),
      ],
    });

  /** buildx-ecr, docker driver, linux/amd64, no cache: `<image>:<short sha>` and `latest`. */
  const buildxPipeline = (repository: string, retries: number): string =>
    stringifyPlainYaml({
      stages: ['build'],
      include: [
        ecrLogin(retries, { registries: '123456789012' }),
        {
          component: '$CI_SERVER_FQDN/$CI_PROJECT_PATH/buildx-ecr@$CI_COMMIT_SHA',
          inputs: {
            as: BUILDX_BUILD,
            context: CONTEXT,
            'image-name': repository,
            ...HOST_ENGINE_BUILDX_INPUTS,
            cache: 'none',
            'tag-strategy': 'sha',
            latest: 'always',
            ...retryInputs(retries),
          },
        },
      ],
    });

  /** Runs a pipeline and prints what the proxy did during it. */
  const runCounted = async (
    name: string,
    text: string,
    variables: readonly ExtraVariable[] = [],
  ): Promise<{ run: PipelineRun; counts: FaultCounts; requests: readonly ProxiedRequest[] }> => {
    const e = ready();
    const before = proxy().counts();
    const run = await e.runner.run(`# registry faults: ${name}\n${text}`, {
      name,
      variables: projectVariables(e, name, variables),
      copy: [CONTEXT],
      ignoreSchemaPaths: PODMAN_IGNORED_SCHEMA_PATHS,
    });
    const after = proxy().counts();
    const requests = proxy().requestsSince(before.requests);
    const counts: FaultCounts = {
      requests: after.requests - before.requests,
      forwarded: after.forwarded - before.forwarded,
      refusedWhileDown: after.refusedWhileDown - before.refusedWhileDown,
      dropped: after.dropped - before.dropped,
      faults: Object.fromEntries(FAULT_KINDS.map((k) => [k, after.faults[k] - before.faults[k]])) as FaultCounts['faults'],
    };
    const jobs = run.pipeline.jobs
      .map((j) => `${j.name}=${j.status}${j.durationMs === undefined ? '' : ` in ${(j.durationMs / 1000).toFixed(1)} s`}, ${retriesIn(jobLog(j))} retries`)
      .join('; ');
    log(`[counts] ${name} (seed ${SEED}): ${counts.requests} requests, ${counts.forwarded} forwarded, faults ${FAULT_KINDS.map((k) => `${k}: ${counts.faults[k]}`).join(', ')}, refused while down: ${counts.refusedWhileDown}, dropped: ${counts.dropped}; jobs ${jobs}`);
    return { run, counts, requests };
  };
  const job = (run: PipelineRun, name: string): JobResult => {
    const found = run.pipeline.jobs.find((j) => j.name === name);
    if (found === undefined) throw new Error(`no ${name} job ran:\n${pipelineFailure(run.pipeline)}`);
    return found;
  };
  const jobLog = (j: JobResult): string => (j.logFile === undefined ? '' : readFileSync(j.logFile, 'utf8'));
  /**
   * Retries a job's log shows: the components' own (`catalog_retry`'s "retrying in", buildx-ecr's
   * build loop) and podman's in-process ones (`Failed, retrying in 1s ... (1/3)`).
   */
  const retriesIn = (text: string): number => text.match(/retrying in \d/g)?.length ?? 0;
  const faultsIn = (counts: FaultCounts): number => FAULT_KINDS.reduce((sum, k) => sum + counts.faults[k], 0);
  /** The digest each tag of `repository` points at, read from the registry itself. */
  const tagDigests = async (repository: string): Promise<Record<string, string>> => {
    const e = ready();
    const digests: Record<string, string> = {};
    for (const tag of await e.tags(repository)) digests[tag] = (await e.directManifest(repository, tag))?.digest ?? 'absent';
    return digests;
  };
  const shortSha = (): string => ready().sha.slice(0, 8);

  /** Runs `fn` with the proxy faulting FAULT_RATE of the requests, then none again. */
  const faulted = async <T>(fn: () => Promise<T>): Promise<T> => {
    proxy().setFaultRate(FAULT_RATE);
    try {
      return await fn();
    } finally {
      proxy().setFaultRate(0);
    }
  };

  it(`podman-arch-build (linux/amd64) completes with ${FAULT_RATE * 100}% of registry requests faulted, and its tag is the digest it reported`, { timeout: 1_500_000 }, async () => {
    const e = ready();
    const repository = 'faults/podman-build';
    const { run, counts } = await faulted(() => runCounted('podman-build-faulted', podmanPipeline(`${e.ecrHost}/${repository}`, RETRIES.faulted, 'build')));
    expect(faultsIn(counts), 'the proxy injected faults during the run').toBeGreaterThan(0);
    const build = job(run, PODMAN_BUILD);
    expect(build.status, pipelineFailure(run.pipeline)).toBe('success');
    log(`[survived] podman-arch-build: ${faultsIn(counts)} faults`);
    const digest = build.dotenv['IMAGE_DIGEST_AMD64'] ?? '';
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await tagDigests(repository)).toEqual({ [`${shortSha()}-amd64`]: digest });
  });

  /** The image the merge scenarios merge (pushed without faults), for the merge-alone run with the registry down. */
  let cleanArchDigest: string | undefined;

  it(`manifest-merge completes with ${FAULT_RATE * 100}% of registry requests faulted (the image pushed without faults), and the index and its tags are right`, { timeout: 1_500_000 }, async () => {
    const e = ready();
    const repository = 'faults/podman';
    const image = `${e.ecrHost}/${repository}`;
    const clean = await runCounted('podman-build-clean', podmanPipeline(image, RETRIES.faulted, 'build'));
    expect(job(clean.run, PODMAN_BUILD).status, pipelineFailure(clean.run.pipeline)).toBe('success');
    const archDigest = job(clean.run, PODMAN_BUILD).dotenv['IMAGE_DIGEST_AMD64'] ?? '';
    expect(archDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    cleanArchDigest = archDigest;

    const { run, counts, requests } = await faulted(() =>
      runCounted('merge-faulted', podmanPipeline(image, RETRIES.faulted, 'merge'), [{ key: 'IMAGE_DIGEST_AMD64', value: archDigest }]),
    );
    expect(faultsIn(counts), 'the proxy injected faults during the run').toBeGreaterThan(0);
    const merge = job(run, MERGE);
    // The image is in the repository already: the merge reads it, never pushes it again (no blob
    // checked or uploaded, no manifest written by digest), so each attempt of an index push is the
    // index alone, not the image's requests as well. Its only writes are the index under its tags.
    const blobWrites = requests.filter((r) => r.url.includes('/blobs/') && r.method !== 'GET').map((r) => `${r.method} ${r.url}`);
    expect(blobWrites, 'blob checks or uploads by the merge').toEqual([]);
    const manifestWrites = new Set(requests.filter((r) => r.method === 'PUT').map((r) => r.url.replace(/\?.*$/, '')));
    expect([...manifestWrites].sort()).toEqual([shortSha(), 'latest', 'main'].map((tag) => `/v2/${repository}/manifests/${tag}`).sort());
    expect(merge.status, pipelineFailure(run.pipeline)).toBe('success');
    log(`[survived] manifest-merge: ${faultsIn(counts)} faults`);

    const indexDigest = merge.dotenv['IMAGE_INDEX_DIGEST'] ?? '';
    expect(indexDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const index = await e.directManifest(repository, indexDigest);
    expect(index?.digest).toBe(indexDigest);
    const entries = indexEntries(index?.text ?? '{}');
    expect(entries.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(entries.platforms).toEqual([{ platform: 'linux/amd64', digest: archDigest }]);
    expect(await tagDigests(repository)).toEqual({
      [`${shortSha()}-amd64`]: archDigest,
      [shortSha()]: indexDigest,
      main: indexDigest,
      latest: indexDigest,
    });
  });

  it(`buildx-ecr (docker driver, linux/amd64) completes with ${FAULT_RATE * 100}% of registry requests faulted, and every tag is the reported digest`, { timeout: 1_500_000 }, async () => {
    const e = ready();
    const repository = 'faults/buildx';
    const { run, counts } = await faulted(() => runCounted('buildx-faulted', buildxPipeline(`${e.ecrHost}/${repository}`, RETRIES.faulted)));
    expect(faultsIn(counts), 'the proxy injected faults during the run').toBeGreaterThan(0);
    const build = job(run, BUILDX_BUILD);
    expect(build.status, pipelineFailure(run.pipeline)).toBe('success');
    log(`[survived] buildx-ecr: ${faultsIn(counts)} faults`);

    const digest = build.dotenv['BUILD_DIGEST'] ?? '';
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    // tag-strategy sha: the short commit SHA, and latest (latest: always).
    expect(build.dotenv['BUILD_TAGS']?.split(',')).toEqual([shortSha(), 'latest']);
    expect(await tagDigests(repository)).toEqual({ [shortSha()]: digest, latest: digest });
    const served = await e.directManifest(repository, digest);
    expect(served?.digest).toBe(digest);
  });

  it("buildx-ecr (docker driver): when buildx's second push of the image, through the engine, fails after BuildKit's exporter pushed it, the job reads the tag back and succeeds without a rebuild", { timeout: 600_000 }, async () => {
    const e = ready();
    const repository = 'faults/buildx-engine-push';
    // buildx before 0.21 pushes an image built by the docker driver twice on an engine with the
    // containerd image store: BuildKit's exporter (its requests retried, retryhandler) and then
    // the engine's own push API (`pushing <name> with docker`, no retry at all). The first request
    // after the exporter's PUT of the tag is the engine push's: dropped without an answer.
    let exported = false;
    let running = true;
    proxy().dropNext(1, (method, url) => {
      if (!running) return false;
      if (exported) return true;
      exported = method === 'PUT' && new RegExp(`^/v2/${repository}/manifests/${shortSha()}$`).test(url);
      return false;
    });
    // retries: 0, one attempt: the push the exporter made must be enough.
    const { run, counts } = await runCounted('buildx-engine-push', buildxPipeline(`${e.ecrHost}/${repository}`, 0)).finally(() => {
      running = false;
    });
    expect(counts.dropped).toBe(1);
    const build = job(run, BUILDX_BUILD);
    expect(build.status, pipelineFailure(run.pipeline)).toBe('success');
    expect(jobLog(build)).toMatch(/pushing \S+ with docker[\s\S]*ERROR/);
    const digest = build.dotenv['BUILD_DIGEST'] ?? '';
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await tagDigests(repository)).toEqual({ [shortSha()]: digest, latest: digest });
  });

  it('a connection the registry drops without an answer on the login ping (Go reports `EOF`) is retried by ecr-login', { timeout: 1_500_000 }, async () => {
    const e = ready();
    proxy().dropNext(1, (method, url) => method === 'GET' && url === '/v2/');
    const { run, counts } = await runCounted('login-eof', podmanPipeline(`${e.ecrHost}/faults/login-eof`, RETRIES.down, 'build'));
    expect(counts.dropped).toBe(1);
    const build = job(run, PODMAN_BUILD);
    expect(build.status, pipelineFailure(run.pipeline)).toBe('success');
    // catalog_retry's notice (components/lib/retry.sh): the first wait is retry-delay plus up to half of it.
    expect(jobLog(build)).toMatch(/ecr-login: WARNING: podman login \S+ failed \(exit \d+\), attempt 1 of 3; retrying in 1\.\d{3}s/);
  });

  it('with the registry down, each job fails naming the registry host, and no tag or index is left', { timeout: 1_500_000 }, async () => {
    const e = ready();
    await proxy().setDown(true);
    try {
      const podman = await runCounted('podman-down', podmanPipeline(`${e.ecrHost}/faults/podman-down`, RETRIES.down, 'build'));
      const buildx = await runCounted('buildx-down', buildxPipeline(`${e.ecrHost}/faults/buildx-down`, RETRIES.down));
      const podmanBuild = job(podman.run, PODMAN_BUILD);
      expect(podmanBuild.status).toBe('failed');
      expect(jobLog(podmanBuild)).toContain(e.ecrHost);
      const buildxBuild = job(buildx.run, BUILDX_BUILD);
      expect(buildxBuild.status).toBe('failed');
      expect(jobLog(buildxBuild)).toContain(e.ecrHost);
    } finally {
      await proxy().setDown(false);
    }
    for (const repository of ['faults/podman-down', 'faults/buildx-down']) expect(await e.tags(repository), repository).toEqual([]);
  });

  it('with the registry down, manifest-merge alone fails naming the registry host, and the repository\'s tags stay as they were', { timeout: 1_500_000 }, async () => {
    const e = ready();
    const archDigest = cleanArchDigest;
    if (archDigest === undefined) throw new Error('the image to merge was not pushed (see the manifest-merge test)');
    const before = await tagDigests('faults/podman');
    expect(before[`${shortSha()}-amd64`]).toBe(archDigest);
    await proxy().setDown(true);
    try {
      const merge = await runCounted('merge-down', podmanPipeline(`${e.ecrHost}/faults/podman`, RETRIES.down, 'merge'), [{ key: 'IMAGE_DIGEST_AMD64', value: archDigest }]);
      const mergeJob = job(merge.run, MERGE);
      expect(mergeJob.status).toBe('failed');
      expect(jobLog(mergeJob)).toContain(e.ecrHost);
    } finally {
      await proxy().setDown(false);
    }
    expect(await tagDigests('faults/podman')).toEqual(before);
  });
});
