/**
 * Scenarios 2 and 3 of issue 4 for real, in ONE integration environment (environment.ts: moto,
 * the TLS registry under the ECR hostname, the Docker engine and the job shells in a private mount
 * namespace) shared by both, so the engine, registry and QEMU start once:
 *
 * 2. the buildx-ecr example on a feature branch (no `latest`), then a `1.2.3` tag pipeline on the
 *    same commit (`1.2.3`, `1.2`, `1`, `latest`);
 * 3. the example rebuilt on the default branch with no change: the second build is answered from
 *    the registry cache (harness/integration/scenario-rebuild.ts).
 *
 * Scenario 2 runs the example as it is (scenario.ts's overrides only: platforms, context, builder,
 * network, no dind). The example used to set `tag-strategy: sha` and `latest: default-branch`, so a
 * `1.2.3` tag pipeline pushed only the short SHA: the "same example … on a semver tag
 * pipeline: 1.2.3, 1.2, 1, latest" was false of the example, and a user copying it would get no
 * release tags. The example now spells out `tag-strategy: auto` and `latest: auto` (the defaults)
 * instead of this test overriding them: an override would prove the component, not the example.
 *
 * Order matters and is kept by vitest (tests of a file run in sequence): scenario 2 asserts that no
 * `latest` exists after the feature branch, so it runs before scenario 3's default-branch pipelines.
 *
 * Registry facts come from the registry (tags/list, manifests, image configs). The one log reading
 * is scenario 3's "the second build's log shows cached steps", which the issue asks for by name.
 * Build times are printed for the record, never asserted.
 *
 * Needs root (dockerd, mount namespaces, binfmt, apt). Not root: skipped with the reason, unless
 * CATALOG_REQUIRE_TOOLS=1, which turns the skip into a failure.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeUnavailable, integrationUnavailable, REPO_ROOT } from '../helpers/integration.js';
import { startEnvironment, type Environment } from '../../harness/integration/environment.js';
import { signatureTag } from '../../harness/integration/cosign.js';
import { DEFAULT_PLATFORMS } from '../../harness/integration/images.js';
import { prepareBuildxEcrContext, runBuildxEcrPipeline, type BuildxEcrRunResult } from '../../harness/integration/scenario.js';
import { BUILDKIT_CACHE_CONFIG, buildStepsFromLog, dockerfileSteps, runRebuildScenario, sectionMs } from '../../harness/integration/scenario-rebuild.js';

const reason = integrationUnavailable;
const log = (line: string): void => console.log(`[scenario refs] ${line}`);

const FEATURE_BRANCH = 'feature/login-retry';
/** GitLab's CI_COMMIT_REF_SLUG of FEATURE_BRANCH, and so its branch tag (tag-strategy auto). */
const FEATURE_SLUG = 'feature-login-retry';
const RELEASE_TAG = '1.2.3';
const OCI_VERSION = 'org.opencontainers.image.version';

describeUnavailable('scenarios refs and rebuild');

type Annotated = { annotations?: Record<string, string> };

/**
 * The `org.opencontainers.image.version` the registry serves (the component's oci-annotations and
 * oci-labels): on the index, on each platform manifest, and in each image config's labels.
 */
async function versions(env: Environment, run: BuildxEcrRunResult): Promise<{ index: unknown; manifests: unknown[]; labels: unknown[] }> {
  const index = (JSON.parse(await env.rawManifest(run.imageRef)) as Annotated).annotations?.[OCI_VERSION];
  const manifests: unknown[] = [];
  for (const { digest } of run.platforms) {
    manifests.push((JSON.parse(await env.rawManifest(`${run.image}@${digest}`)) as Annotated).annotations?.[OCI_VERSION]);
  }
  const configs = JSON.parse(await env.docker(['buildx', 'imagetools', 'inspect', '--format', '{{json .Image}}', run.imageRef])) as Record<
    string,
    { config?: { Labels?: Record<string, string> } }
  >;
  const labels = run.platforms.map(({ platform }) => configs[platform]?.config?.Labels?.[OCI_VERSION]);
  return { index, manifests, labels };
}

/** What `versions` returns when every level says `version`. */
const everywhere = (version: string, platforms: number) => ({
  index: version,
  manifests: Array<string>(platforms).fill(version),
  labels: Array<string>(platforms).fill(version),
});

/** The claims of a JWT (no verification: the harness signed it). */
function jwtClaims(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** An image config without what a rebuild must change: the build time (config, history, OCI label). */
function withoutTimestamps(config: unknown): unknown {
  const c = structuredClone(config) as { created?: unknown; history?: { created?: unknown }[]; config?: { Labels?: Record<string, string> } };
  delete c.created;
  for (const h of c.history ?? []) delete h.created;
  delete c.config?.Labels?.['org.opencontainers.image.created'];
  return c;
}

// The log reading scenario 3 relies on, on a fixed log (runs everywhere, root or not).
describe('scenario 3 build log reading', () => {
  const attempt = (copy: string, arm: string) =>
    [
      'buildx-ecr: docker buildx build --builder default … (attempt 1 of 3)',
      '#0 building with "default" instance using docker driver',
      '#1 [internal] load build definition from Dockerfile',
      '#1 DONE 0.0s',
      '#3 importing cache manifest from registry.example/app:buildcache-main',
      '#3 DONE 0.1s',
      '#6 [linux/amd64 1/1] COPY busybox-amd64 /bin/busybox',
      `#6 ${copy}`,
      '#7 [linux/arm64 1/1] COPY busybox-arm64 /bin/busybox',
      `#7 ${arm}`,
      '#8 exporting to image',
      '#8 CACHED',
    ].join('\n');

  it('reads the RUN/COPY/ADD steps of the last build and their CACHED marks', () => {
    const log = `${attempt('CACHED', 'CACHED')}\nERROR: 503 Service Unavailable\n${attempt('CACHED', 'DONE 0.2s')}\n`;
    expect(buildStepsFromLog(log)).toEqual([
      { vertex: '#6', name: '[linux/amd64 1/1] COPY busybox-amd64 /bin/busybox', instruction: 'COPY', cached: true },
      { vertex: '#7', name: '[linux/arm64 1/1] COPY busybox-arm64 /bin/busybox', instruction: 'COPY', cached: false },
    ]);
  });

  it('counts the Dockerfile instructions a cache answers, and times a GitLab section', () => {
    expect(dockerfileSteps('FROM scratch\nARG X\nCOPY a /a\nRUN ["/a"]\nadd b /b\nENTRYPOINT ["/a"]\n')).toEqual(['COPY', 'RUN', 'ADD']);
    expect(dockerfileSteps()).toEqual(['COPY']);
    const log = '\u001b[0Ksection_start:100:bx_build\r\u001b[0Kbuild\n…\n\u001b[0Ksection_end:104:bx_build\r\u001b[0K\n';
    expect(sectionMs(log, 'bx_build')).toBe(4000);
    expect(sectionMs(log, 'bx_tags')).toBeUndefined();
  });
});

describe.runIf(reason === undefined)('scenarios 2 and 3: the buildx-ecr example on other refs, and rebuilt (host-based: tag pipelines and per-ref ID tokens, which gitlab-ci-local cannot run; the rebuild reads the cache state of one engine)', () => {
  let env: Environment | undefined;
  const started = (): Environment => {
    if (env === undefined) throw new Error('the environment did not start (see beforeAll)');
    return env;
  };

  beforeAll(async () => {
    const workDir = mkdtempSync(path.join(os.tmpdir(), 'catalog-scenario-refs-'));
    env = await startEnvironment({ workDir, repo: REPO_ROOT, log });
    await prepareBuildxEcrContext(env);
  }, 900_000);

  afterAll(async () => {
    await env?.stop();
    for (const [name, ms] of Object.entries(env?.timings ?? {})) console.log(`[time] ${name}: ${(ms / 1000).toFixed(1)} s`);
  }, 300_000);

  it('scenario 2: a feature branch pushes no latest; a 1.2.3 tag pipeline pushes 1.2.3, 1.2, 1 and latest on its digest', { timeout: 900_000 }, async () => {
    const e = started();
    const shortSha = e.sha.slice(0, 8);
    const { feature, featureTags, release, releaseTags } = await e.step('scenario 2: feature branch and semver tag', async () => {
      const feature = await runBuildxEcrPipeline(e, { name: 'feature-branch', ref: FEATURE_BRANCH });
      // Read before the tag pipeline changes the repository.
      const featureTags = await e.tags(feature.image.slice(e.ecrHost.length + 1));
      const release = await runBuildxEcrPipeline(e, { name: 'release-tag', ref: RELEASE_TAG, tag: true });
      const releaseTags = await e.tags(release.image.slice(e.ecrHost.length + 1));
      return { feature, featureTags, release, releaseTags };
    });

    // Feature branch: the short SHA and the branch slug on the pushed digest, the branch's cache, no latest.
    expect(feature.platforms.map((p) => p.platform).sort()).toEqual([...DEFAULT_PLATFORMS].sort());
    expect(feature.dotenv['BUILD_DIGEST']).toBe(feature.registryDigest);
    expect(feature.dotenv['BUILD_TAGS']?.split(',')).toEqual([shortSha, FEATURE_SLUG]);
    expect(featureTags).not.toContain('latest');
    // ...and the signature of the pushed index (the example signs with the project's key).
    expect(featureTags).toEqual([shortSha, `buildcache-${FEATURE_SLUG}`, FEATURE_SLUG, signatureTag(feature.registryDigest)].sort());
    expect(feature.tagDigests[shortSha]).toBe(feature.registryDigest);
    expect(feature.tagDigests[FEATURE_SLUG]).toBe(feature.registryDigest);
    // The ref's version reached the image: index and manifest annotations (one --annotation per
    // level, which buildx before 0.16 needs) and the config label.
    expect(await versions(e, feature)).toEqual(everywhere(FEATURE_SLUG, DEFAULT_PLATFORMS.length));

    // The tag pipeline is one as GitLab makes it: its JWT says ref_type tag, and (below) the registry
    // shows CI_COMMIT_REF_SLUG `1-2-3` (the cache tag) and no CI_COMMIT_BRANCH (no `1-2-3` image tag).
    const jwt = release.run.secrets[0];
    expect(jwt).toBeDefined();
    expect(jwtClaims(jwt ?? '')).toMatchObject({ ref: RELEASE_TAG, ref_type: 'tag' });
    expect(release.platforms.map((p) => p.platform).sort()).toEqual([...DEFAULT_PLATFORMS].sort());
    expect(release.dotenv['BUILD_DIGEST']).toBe(release.registryDigest);
    expect(release.dotenv['BUILD_VERSION']).toBe(RELEASE_TAG);
    expect(release.dotenv['BUILD_TAGS']?.split(',')).toEqual([shortSha, '1.2.3', '1.2', '1', 'latest']);
    for (const tag of ['1.2.3', '1.2', '1', 'latest']) expect(release.tagDigests[tag], tag).toBe(release.registryDigest);
    expect(await versions(e, release)).toEqual(everywhere(RELEASE_TAG, DEFAULT_PLATFORMS.length));
    expect(releaseTags).toEqual(
      [shortSha, FEATURE_SLUG, `buildcache-${FEATURE_SLUG}`, '1.2.3', '1.2', '1', 'latest', 'buildcache-1-2-3', signatureTag(feature.registryDigest), signatureTag(release.registryDigest)].sort(),
    );

    // The two builds differ (their version label and annotation), so "unchanged" below can fail.
    expect(release.registryDigest).not.toBe(feature.registryDigest);
    // The feature branch's own tags are untouched by the tag pipeline...
    expect(release.tagDigests[FEATURE_SLUG]).toBe(feature.registryDigest);
    expect(release.tagDigests[`buildcache-${FEATURE_SLUG}`]).toBe(feature.tagDigests[`buildcache-${FEATURE_SLUG}`]);
    // ...except the short SHA they share: the tag is on the same commit, and tag-strategy auto
    // always tags the short SHA, so the later pipeline (as in GitLab) moves it to its own digest.
    expect(release.tagDigests[shortSha]).toBe(release.registryDigest);
  });

  it('scenario 3: a rebuild with no change is answered from the registry cache', { timeout: 900_000 }, async () => {
    const e = started();
    const result = await e.step('scenario 3: rebuild', () => runRebuildScenario(e));
    const { first, second } = result;
    console.log(
      `[scenario refs] build job: first ${(result.firstBuildMs / 1000).toFixed(1)} s, second ${(result.secondBuildMs / 1000).toFixed(1)} s; ` +
        `build section: first ${String((first.buildSectionMs ?? NaN) / 1000)} s, second ${String((second.buildSectionMs ?? NaN) / 1000)} s`,
    );
    console.log(`[scenario refs] cached in the second build: ${result.cachedSteps.join('; ')}`);
    console.log(`[scenario refs] index digests: first ${first.registryDigest}, second ${second.registryDigest}`);

    // Neither build could use the engine's own cache: no build cache record and no image before it.
    expect(first.localBefore).toEqual({ images: [], buildCacheRecords: 0 });
    expect(second.localBefore).toEqual({ images: [], buildCacheRecords: 0 });

    // The first build wrote the registry cache: BuildKit's cache manifest holding every platform
    // image's layers (mode=max, image-manifest=true).
    expect(result.cacheTag).toBe('buildcache-main');
    expect(first.cache?.configMediaType).toBe(BUILDKIT_CACHE_CONFIG);
    expect(first.cache?.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    for (const platform of DEFAULT_PLATFORMS) {
      expect(first.platformLayers[platform]?.length, platform).toBeGreaterThan(0);
      expect(first.cache?.layers, platform).toEqual(expect.arrayContaining([...(first.platformLayers[platform] ?? [])]));
    }

    // Every RUN/COPY/ADD step of the Dockerfile, for each platform: none cached in the first build
    // (empty registry cache, empty engine), all CACHED in the second.
    const expectedSteps = dockerfileSteps().length * DEFAULT_PLATFORMS.length;
    expect(expectedSteps).toBeGreaterThan(0);
    expect(first.steps).toHaveLength(expectedSteps);
    expect(second.steps).toHaveLength(expectedSteps);
    for (const platform of DEFAULT_PLATFORMS) expect(second.steps.some((s) => s.name.startsWith(`[${platform} `)), platform).toBe(true);
    expect(first.steps.filter((s) => s.cached)).toEqual([]);
    expect(second.steps.filter((s) => !s.cached)).toEqual([]);
    expect(result.cachedSteps).toHaveLength(expectedSteps);

    // The rebuild is pushed and tagged like any default-branch build.
    expect(second.dotenv['BUILD_DIGEST']).toBe(second.registryDigest);
    expect(second.tagDigests['latest']).toBe(second.registryDigest);
    expect(second.cache?.configMediaType).toBe(BUILDKIT_CACHE_CONFIG);

    // Not byte-reproducible: the component stamps each build with its time (config `created`, the
    // org.opencontainers.image.created label and annotation, provenance timestamps) and sets no
    // SOURCE_DATE_EPOCH, so the index digest is new. What a no-change rebuild keeps: each platform
    // image's layers (the same blobs, from the cache) and its config apart from those timestamps.
    expect(second.platformLayers).toEqual(first.platformLayers);
    for (const platform of DEFAULT_PLATFORMS) {
      expect(first.platformConfigs[platform], platform).toBeDefined();
      expect(withoutTimestamps(second.platformConfigs[platform]), platform).toEqual(withoutTimestamps(first.platformConfigs[platform]));
    }
  });
});
