/**
 * Scenario 3 of issue 4, "rebuild with no change reuses the registry cache", for real: the
 * buildx-ecr example (scenario.ts's scenario copy) runs twice on the default branch with nothing
 * changed in between, in one integration environment (environment.ts).
 *
 * The point is the REGISTRY cache (`<repository>:buildcache-<ref slug>`, written by the first build
 * with `--cache-to type=registry,…` and read by the second with `--cache-from`). The engine's own
 * BuildKit would otherwise answer the second build from its local cache and prove nothing, so its
 * build cache and every image are removed before each build (`docker builder prune -af`,
 * `docker image prune -af`), and the emptiness is measured and returned for the caller to assert.
 *
 * What is read back:
 * - the registry: the cache tag's manifest (BuildKit's cache config, its layers) and each
 *   platform image's layers, for both builds;
 * - the build job's log: BuildKit's plain progress (the component passes `--progress plain`) marks a
 *   step answered from a cache `#<n> CACHED`. The issue asks for the second build's log to show
 *   cached steps, so this is the one place where the log is the evidence.
 * - build times (the build job's wall time, and the `build and push` section's) for the benchmark to
 *   report; nothing here compares them.
 *
 * The second index digest is not the first: the component labels and annotates every build with
 * `org.opencontainers.image.created` (the build time) and attaches a provenance attestation with
 * the build's timestamps, and sets no SOURCE_DATE_EPOCH. What a no-change rebuild does keep is
 * every platform image's layers (same blobs), which the caller can compare.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import type { Environment, EnvironmentOptions } from './environment.js';
import { SCENARIO_DEFAULT_BRANCH, ScenarioError, startEnvironment } from './environment.js';
import { BUSYBOX_DOCKERFILE } from './images.js';
import { slugify } from '../../scripts/gitlab/jobs/job-variables.js';
import { prepareBuildxEcrContext, runBuildxEcrPipeline, type BuildxEcrRunResult } from './scenario.js';

const BUILD_JOB = 'build-image';
/** The component's default `cache-tag-prefix`. */
export const CACHE_TAG_PREFIX = 'buildcache-';
/** BuildKit's registry cache with `image-manifest=true`: an OCI image manifest with this config. */
export const BUILDKIT_CACHE_CONFIG = 'application/vnd.buildkit.cacheconfig.v0';

/** One Dockerfile instruction of one platform as BuildKit's plain progress names it. */
export interface BuildStep {
  /** BuildKit's vertex number in that build (`#7`). */
  readonly vertex: string;
  /** `[linux/amd64 1/1] COPY busybox-amd64 /bin/busybox`. */
  readonly name: string;
  readonly instruction: string;
  /** The log marks the vertex `CACHED`. */
  readonly cached: boolean;
}

/** What the engine held locally just before a build. */
export interface LocalState {
  readonly images: readonly string[];
  /** Build cache records of the engine's BuildKit (`docker buildx du`). */
  readonly buildCacheRecords: number;
}

/** The registry cache tag as the registry serves it. */
export interface RegistryCache {
  readonly tag: string;
  readonly mediaType: string;
  readonly configMediaType: string;
  readonly layers: readonly string[];
}

export interface RebuildRun extends BuildxEcrRunResult {
  /** The build job's log file. */
  readonly buildLog: string;
  /** RUN/COPY/ADD steps of the last build attempt in the build job's log. */
  readonly steps: readonly BuildStep[];
  /** The build job's wall time (login, builder, build, push, retag, verification). */
  readonly buildMs: number;
  /** The `build and push` section of the job (GitLab section markers, whole seconds). */
  readonly buildSectionMs: number | undefined;
  /** Layer digests of each platform image of the pushed index. */
  readonly platformLayers: Readonly<Record<string, readonly string[]>>;
  /** Each platform image's config (`imagetools inspect --format '{{json .Image}}'`). */
  readonly platformConfigs: Readonly<Record<string, unknown>>;
  /** The engine's local state right before this build (after the prune). */
  readonly localBefore: LocalState;
  /** The cache tag after this build. */
  readonly cache: RegistryCache | undefined;
}

export interface RebuildScenarioResult {
  readonly first: RebuildRun;
  readonly second: RebuildRun;
  readonly firstBuildMs: number;
  readonly secondBuildMs: number;
  /** Names of the second build's Dockerfile steps that its log marks CACHED. */
  readonly cachedSteps: readonly string[];
  /** The cache tag both builds use (`buildcache-<default branch slug>`). */
  readonly cacheTag: string;
}

export interface RebuildOptions {
  /** Prefix of the two pipeline run names (default `rebuild`): `<prefix>-1`, `<prefix>-2`. */
  readonly name?: string | undefined;
  /** Dockerfile lines appended to the busybox context before the first build (standalone runs only). */
  readonly workload?: string | undefined;
}

/**
 * A RUN step that keeps each platform's build busy for seconds (many more under QEMU), as a real
 * application's compile step does: without it the busybox image builds in about a second and the
 * registry cache has nothing to save. `npm run test-integration -- --scenario rebuild` and the
 * benchmark use it; the test's rebuild does not need it to show CACHED steps.
 */
export const REBUILD_WORKLOAD = 'RUN ["/bin/busybox", "sh", "-c", "i=0; while [ $i -lt 300000 ]; do i=$((i + 1)); done; echo $i > /workload"]\n';

const STEP_INSTRUCTION = /^\[[^\]]*\d+\/\d+\] (RUN|COPY|ADD)\b/;

/** The Dockerfile's RUN/COPY/ADD instructions (what the cache must answer). */
export function dockerfileSteps(dockerfile: string = BUSYBOX_DOCKERFILE): string[] {
  return dockerfile
    .split('\n')
    .map((line) => /^\s*(RUN|COPY|ADD)\b/i.exec(line)?.[1]?.toUpperCase())
    .filter((i): i is string => i !== undefined);
}

/**
 * The Dockerfile steps of the LAST build in a build job log, with BuildKit's plain-progress
 * `#<n> CACHED` mark. The component retries a build after a transient registry error and vertex
 * numbers start again in each build; buildx opens each build with `#0 building with "<builder>" …`.
 */
export function buildStepsFromLog(log: string): BuildStep[] {
  const lines = log.split('\n');
  const start = lines.findLastIndex((line) => /^#0 building with /.test(line));
  return stepsOf(start < 0 ? lines : lines.slice(start));
}

function stepsOf(lines: readonly string[]): BuildStep[] {
  const names = new Map<string, string>();
  const cached = new Set<string>();
  for (const line of lines) {
    const m = /^(#\d+) (.*)$/.exec(line);
    if (m === null) continue;
    const [, vertex = '', rest = ''] = m;
    if (!names.has(vertex) && rest.startsWith('[')) names.set(vertex, rest.trim());
    if (rest.trim() === 'CACHED') cached.add(vertex);
  }
  const steps: BuildStep[] = [];
  for (const [vertex, name] of names) {
    const instruction = STEP_INSTRUCTION.exec(name)?.[1];
    if (instruction !== undefined) steps.push({ vertex, name, instruction, cached: cached.has(vertex) });
  }
  return steps;
}

/** Milliseconds between GitLab's `section_start:<epoch>:<name>` and `section_end:<epoch>:<name>`. */
export function sectionMs(log: string, section: string): number | undefined {
  const at = (kind: 'start' | 'end'): number | undefined => {
    const found = [...log.matchAll(new RegExp(`section_${kind}:(\\d+):${section}\\b`, 'g'))].at(-1)?.[1];
    return found === undefined ? undefined : Number(found) * 1000;
  };
  const start = at('start');
  const end = at('end');
  return start === undefined || end === undefined ? undefined : end - start;
}

/** Removes the engine's build cache and every image, then reports what is left. */
async function emptyLocalCaches(env: Environment): Promise<LocalState> {
  await env.docker(['builder', 'prune', '-af']);
  await env.docker(['image', 'prune', '-af']);
  const images = (await env.docker(['image', 'ls', '--all', '--quiet', '--no-trunc'])).split('\n').filter((l) => l !== '');
  // `docker system df`: one row per kind; "Build Cache" counts the engine's BuildKit records.
  const df = await env.docker(['system', 'df', '--format', '{{.Type}}\t{{.TotalCount}}']);
  const row = df.split('\n').find((l) => l.startsWith('Build Cache\t'));
  if (row === undefined) throw new ScenarioError(`docker system df has no Build Cache row:\n${df}`);
  return { images, buildCacheRecords: Number(row.split('\t')[1]) };
}

interface RawManifest {
  mediaType?: string;
  config?: { mediaType?: string };
  layers?: { digest?: string }[];
}

async function manifestLayers(env: Environment, ref: string): Promise<{ mediaType: string; configMediaType: string; layers: string[] }> {
  const manifest = JSON.parse(await env.rawManifest(ref)) as RawManifest;
  return {
    mediaType: manifest.mediaType ?? '',
    configMediaType: manifest.config?.mediaType ?? '',
    layers: (manifest.layers ?? []).map((l) => l.digest ?? ''),
  };
}

/** The cache tag's manifest, or undefined when the registry has no such tag. */
export async function registryCache(env: Environment, image: string, tag: string): Promise<RegistryCache | undefined> {
  const tags = await env.tags(image.slice(env.ecrHost.length + 1));
  if (!tags.includes(tag)) return undefined;
  return { tag, ...(await manifestLayers(env, `${image}:${tag}`)) };
}

/** Prunes the engine, runs the example on the default branch, and reads back cache, layers and log. */
async function rebuildRun(env: Environment, name: string, cacheTag: string): Promise<RebuildRun> {
  const localBefore = await env.step(`empty local caches ${name}`, () => emptyLocalCaches(env));
  const result = await runBuildxEcrPipeline(env, { name });
  const job = result.run.pipeline.jobs.find((j) => j.name === BUILD_JOB);
  if (job?.logFile === undefined) throw new ScenarioError(`${name}: no log of ${BUILD_JOB}`, result.run.pipeline);
  if (job.durationMs === undefined) throw new ScenarioError(`${name}: ${result.run.runner} reports no job durations, which the rebuild compares`, result.run.pipeline);
  const log = readFileSync(job.logFile, 'utf8');
  const platformLayers: Record<string, string[]> = {};
  for (const { platform, digest } of result.platforms) {
    platformLayers[platform] = (await manifestLayers(env, `${result.image}@${digest}`)).layers;
  }
  const platformConfigs = JSON.parse(
    await env.docker(['buildx', 'imagetools', 'inspect', '--format', '{{json .Image}}', result.imageRef]),
  ) as Record<string, unknown>;
  return {
    ...result,
    platformConfigs,
    buildLog: job.logFile,
    steps: buildStepsFromLog(log),
    buildMs: job.durationMs,
    buildSectionMs: sectionMs(log, 'bx_build'),
    platformLayers,
    localBefore,
    cache: await registryCache(env, result.image, cacheTag),
  };
}

/**
 * Scenario 3 in an environment whose busybox context is prepared (`prepareBuildxEcrContext`):
 * two default-branch runs of the example, each after emptying the engine's local caches.
 */
export async function runRebuildScenario(env: Environment, options: RebuildOptions = {}): Promise<RebuildScenarioResult> {
  const prefix = options.name ?? 'rebuild';
  const cacheTag = `${CACHE_TAG_PREFIX}${slugify(SCENARIO_DEFAULT_BRANCH)}`;
  const first = await rebuildRun(env, `${prefix}-1`, cacheTag);
  const second = await rebuildRun(env, `${prefix}-2`, cacheTag);
  return {
    first,
    second,
    firstBuildMs: first.buildMs,
    secondBuildMs: second.buildMs,
    cachedSteps: second.steps.filter((s) => s.cached).map((s) => s.name),
    cacheTag,
  };
}

/** Scenario 3 on its own: starts an environment, prepares the context, runs, and always stops it. */
export async function runRebuildScenarioStandalone(
  options: EnvironmentOptions & RebuildOptions,
): Promise<RebuildScenarioResult & { timings: Readonly<Record<string, number>> }> {
  const env = await startEnvironment(options);
  try {
    const dockerfile = await prepareBuildxEcrContext(env);
    if (options.workload !== undefined) appendFileSync(dockerfile, options.workload);
    const result = await env.step('scenario 3: rebuild', () => runRebuildScenario(env, options));
    return { ...result, timings: env.timings };
  } finally {
    await env.stop();
  }
}
