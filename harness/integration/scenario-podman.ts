/**
 * Scenario 4, the `podman-native` example pipeline for real, in an integration environment
 * (environment.ts): ecr-login (OIDC against moto) → podman-arch-build for amd64, arm64 and ppc64le
 * → manifest-merge, then the merge alone again after the registry was damaged.
 *
 * Overrides of the example (a scenario copy of its `.gitlab-ci.yml`; the components are unchanged):
 * - `AWS_ROLE_ARN`, which the example reads from the project's CI/CD variables, is given as a
 *   project variable, as its users would (`AWS_API_ENDPOINT`, moto, is one for every scenario);
 * - podman-arch-build `runner-tags: []`: there are no arm64 or POWER runners here, one host runs
 *   every job;
 * - `emulation: true` on the arch jobs whose architecture is not this host's (arm64 and ppc64le on
 *   x86_64), and only there: the native job builds without it, and `refusedPipelineText` shows
 *   that a non-native job without it is refused;
 * - `context`: a busybox `FROM scratch` context written into the clone (no base image can be
 *   pulled); like the example's Containerfile it records the platform and the machine that built
 *   it, and its RUN steps are what runs under QEMU.
 * `storage-driver` (vfs), `isolation` (chroot), `cache-repo`, the tags and the merge's inputs keep
 * the example's values. The jobs' podman gets a private storage, runroot and tmp dir under the
 * environment's work directory (CONTAINERS_STORAGE_CONF, CONTAINERS_CONF), never the machine's
 * /var/lib/containers, and each job its own XDG_RUNTIME_DIR, so each arch job has the auth file of
 * its own that it would have on its own runner.
 *
 * Re-running only the merge: GitLab retries a job with the dotenv reports its `needs:` jobs left.
 * The harness has no retry, so the merge runs in a pipeline of its own that holds only the merge
 * job (its `needs:` set to `[]`, since GitLab rejects needs on absent jobs; ecr-login's check job
 * dropped) and gets the arch jobs' dotenv values as project variables. Those rank above dotenv
 * variables in GitLab, which changes nothing here: the pipeline defines none of those names.
 *
 * Assertions are the test's; this module collects what the registry serves (indexes, tags,
 * per-image configs, each platform run) and, for the runs that must fail, the merge job's ERROR
 * lines, because naming the missing or mismatched platform is the requirement there.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isValueMap, type Value } from '../../scripts/gitlab/ruby/value.js';
import { parseYamlForEditing, type EditableYaml } from '../../scripts/gitlab/yaml/psych.js';
import { ensurePackages } from './apt.js';
import { ScenarioError, startEnvironment, type Environment, type EnvironmentOptions } from './environment.js';
import { busyboxContext, DEFAULT_PLATFORMS } from './images.js';
import { MOTO_ACCOUNT } from './moto.js';
import { indexEntries, type PlatformEntry } from './oci.js';
import { pipelineFailure, type ExtraVariable, type JobResult, type PipelineRun } from './runner.js';

const EXAMPLE = 'examples/podman-native/.gitlab-ci.yml';
const CONTEXT_DIR = 'scenario-podman-native-app';
/** Debian bookworm's podman 4.3 and buildah 1.28 (also in test/integration/global-setup.ts). */
export const PODMAN_PACKAGES = ['podman', 'buildah'] as const;
export const PODMAN_ARCHES = ['amd64', 'arm64', 'ppc64le'] as const;
export type PodmanArch = (typeof PODMAN_ARCHES)[number];
/** The role the example's ecr-login assumes (`$AWS_ROLE_ARN`, a project variable); moto accepts any. */
export const ROLE_ARN = `arn:aws:iam::${MOTO_ACCOUNT}:role/gitlab-podman-push`;
export const MERGE_JOB = 'manifest-merge';
/**
 * The scenario's `runner-tags: []` renders `tags: []`: GitLab accepts it (Entry::Tags has no
 * minimum), the JSON schema gitlab-ci-local validates with does not (docs/gitlab-ci-local.md).
 */
export const PODMAN_IGNORED_SCHEMA_PATHS = ['#/definitions/tags/minItems'] as const;
export const buildJob = (arch: PodmanArch): string => `podman-build-${arch}`;

/**
 * The example's image without a base image. busybox is the only binary; `--install` gives the
 * shell the second RUN needs. Under emulation both RUN steps execute the target's busybox in QEMU.
 */
export const CONTAINERFILE = `# Scenario copy of examples/podman-native/app: nothing can be pulled, so FROM scratch + busybox.
FROM scratch
ARG TARGETARCH
ARG TARGETPLATFORM
COPY busybox-\${TARGETARCH} /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
RUN mkdir -p /etc && printf '%s built on %s\\n' "$TARGETPLATFORM" "$(uname -m)" > /etc/build-platform
ENTRYPOINT ["/bin/busybox"]
`;

/** This host's architecture among the scenario's, or undefined (then every arch job is emulated). */
export function nativeArch(nodeArch: string = process.arch): PodmanArch | undefined {
  const map: Readonly<Record<string, PodmanArch>> = { x64: 'amd64', arm64: 'arm64', ppc64: 'ppc64le' };
  return map[nodeArch];
}

// ---- the scenario copies of the example ------------------------------------------------------

/** Index of each include of `component` (matched by `/<component>@`). */
function includesOf(doc: EditableYaml, component: string): number[] {
  return Array.from({ length: doc.lengthAt(['include']) }, (_, i) => i).filter((index) =>
    String(doc.scalarAt(['include', index, 'component'])).includes(`/${component}@`),
  );
}

function archOf(doc: EditableYaml, index: number): PodmanArch {
  const arch = String(doc.scalarAt(['include', index, 'inputs', 'arch']));
  const known = PODMAN_ARCHES.find((a) => a === arch);
  if (known === undefined) throw new ScenarioError(`${EXAMPLE}: podman-arch-build include ${index} builds ${arch}, not one of ${PODMAN_ARCHES.join(', ')}`);
  return known;
}

function single(doc: EditableYaml, component: string): number {
  const found = includesOf(doc, component);
  if (found.length !== 1 || found[0] === undefined) throw new ScenarioError(`${EXAMPLE} includes ${component} ${found.length} times, expected once`);
  return found[0];
}

/** The overrides every scenario pipeline shares (see the module comment). */
function scenarioDocument(exampleText: string, native: PodmanArch | undefined): EditableYaml {
  const doc = parseYamlForEditing(exampleText);
  const builds = includesOf(doc, 'podman-arch-build');
  const arches = builds.map((index) => archOf(doc, index)).sort();
  if (arches.join(' ') !== [...PODMAN_ARCHES].sort().join(' ')) throw new ScenarioError(`${EXAMPLE} builds ${arches.join(', ')}, expected ${PODMAN_ARCHES.join(', ')}`);
  for (const index of builds) {
    doc.set(['include', index, 'inputs', 'runner-tags'], []);
    doc.set(['include', index, 'inputs', 'context'], CONTEXT_DIR);
    if (archOf(doc, index) !== native) doc.set(['include', index, 'inputs', 'emulation'], true);
  }
  return doc;
}

/** Removes the includes at `indexes` (highest first, so the others keep their index). */
function dropIncludes(doc: EditableYaml, indexes: readonly number[]): void {
  for (const index of [...indexes].sort((a, b) => b - a)) doc.delete(['include', index]);
}

/** The full scenario pipeline: ecr-login, the three arch jobs, the merge. */
export function podmanPipelineText(exampleText: string, native: PodmanArch | undefined = nativeArch()): string {
  return scenarioDocument(exampleText, native).toString();
}

/**
 * One non-native arch job without the `emulation` input (and ecr-login without its check job): the
 * job must refuse to build. Its tag is `refused` so that nothing it could push meets the real run.
 */
export function refusedPipelineText(exampleText: string, arch: PodmanArch, native: PodmanArch | undefined = nativeArch()): string {
  if (arch === native) throw new ScenarioError(`${arch} is this host's architecture: a native build is not refused`);
  const doc = scenarioDocument(exampleText, native);
  const builds = includesOf(doc, 'podman-arch-build');
  const keep = builds.find((index) => archOf(doc, index) === arch);
  if (keep === undefined) throw new ScenarioError(`${EXAMPLE} has no ${arch} build`);
  doc.delete(['include', keep, 'inputs', 'emulation']);
  doc.set(['include', keep, 'inputs', 'tag'], 'refused');
  dropIncludes(doc, [...builds.filter((index) => index !== keep), single(doc, 'manifest-merge')]);
  doc.set(['include', single(doc, 'ecr-login'), 'inputs', 'rules'], [{ when: 'never' }]);
  return doc.toString();
}

/** The merge job alone (see "Re-running only the merge" in the module comment), with `inputs` on top. */
export function mergeOnlyPipelineText(exampleText: string, inputs: Readonly<Record<string, unknown>> = {}): string {
  const doc = scenarioDocument(exampleText, nativeArch());
  dropIncludes(doc, includesOf(doc, 'podman-arch-build'));
  const merge = single(doc, 'manifest-merge');
  doc.set(['include', merge, 'inputs', 'needs'], []);
  // The component retries a read that fails for a reason it does not know to be final (a
  // `manifest unknown` can be a registry's replication lag): 1 + 2 + 4 s here instead of
  // 5 + 10 + 20 s; the retries still happen, the failure is the same.
  doc.set(['include', merge, 'inputs', 'retry-delay'], 1);
  for (const [key, value] of Object.entries(inputs)) doc.set(['include', merge, 'inputs', key], value);
  doc.set(['include', single(doc, 'ecr-login'), 'inputs', 'rules'], [{ when: 'never' }]);
  return doc.toString();
}

/**
 * The example's ecr-login check job alone, as the example configures it (image, auth targets,
 * registries unchanged): the arch builds and the merge are dropped, and `checkJob` (YAML of the
 * `ecr-login-check` job's own keys, e.g. the services a test gives it) is merged into the job, as a
 * pipeline's own keys merge into an included job.
 */
export function ecrLoginCheckPipelineText(exampleText: string, checkJob: string): string {
  const doc = parseYamlForEditing(exampleText);
  dropIncludes(doc, [...includesOf(doc, 'podman-arch-build'), single(doc, 'manifest-merge')]);
  single(doc, 'ecr-login');
  return `${doc.toString().trimEnd()}\n\n${checkJob.trimEnd()}\n`;
}

/** Project variables of every scenario pipeline: the role, and a runtime dir (auth file) per job. */
export function projectVariables(env: Environment, runName: string, extra: readonly ExtraVariable[] = []): ExtraVariable[] {
  return [
    { key: 'AWS_ROLE_ARN', value: ROLE_ARN },
    // Expanded by the runner: each job gets its own directory, as it would on its own runner.
    { key: 'XDG_RUNTIME_DIR', value: `${path.join(env.podmanDir, 'xdg', runName)}-$CI_JOB_ID` },
    ...extra,
  ];
}

// ---- reading the registry and the logs ---------------------------------------------------------

export interface ImageConfig {
  readonly os: string;
  readonly architecture: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** The repository path of `<host>/<path>`. */
const repositoryOf = (env: Environment, image: string): string => image.slice(env.ecrHost.length + 1);

/** The image config the registry serves for a single-platform reference. */
async function imageConfig(env: Environment, ref: string): Promise<ImageConfig> {
  const text = await env.docker(['buildx', 'imagetools', 'inspect', ref, '--format', '{{json .Image}}']);
  const image = JSON.parse(text) as { os?: string; architecture?: string; config?: { Labels?: Record<string, string> | null } };
  return { os: image.os ?? '', architecture: image.architecture ?? '', labels: image.config?.Labels ?? {} };
}

/** A component's error line (components/lib/log.sh): `<component>: ERROR: <message>`. */
const COMPONENT_ERROR = /^(?:manifest-merge|podman-arch-build|ecr-login): ERROR: (.*)$/;

/**
 * The messages of the components' own `ERROR:` lines in a job log, colour codes removed; the
 * runner's closing "ERROR: Job failed: …" line is not one of them.
 */
export function componentErrors(logText: string): string[] {
  return logText
    .split('\n')
    .map((line) => COMPONENT_ERROR.exec(line.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '').trim())?.[1])
    .filter((message): message is string => message !== undefined);
}

function jobErrors(job: JobResult | undefined): string[] {
  return job?.logFile === undefined ? [] : componentErrors(readFileSync(job.logFile, 'utf8'));
}

function renderedScript(run: PipelineRun, jobName: string): string {
  if (run.rendered === undefined) throw new ScenarioError(`${run.runner} reports no rendered pipeline: the scenario reads the arch jobs' scripts from it`);
  const job = run.rendered.get(jobName);
  const script: Value | undefined = isValueMap(job) ? job.get('script') : undefined;
  return Array.isArray(script) ? script.filter((s): s is string => typeof s === 'string').join('\n') : '';
}

// ---- the scenario ------------------------------------------------------------------------------

/** A pipeline that had to fail, and what it left. */
export interface FailedRun {
  readonly run: PipelineRun;
  /** Each job's name and status. */
  readonly jobs: readonly (readonly [string, string])[];
  /** The component's ERROR lines of the job that must fail. */
  readonly errors: readonly string[];
  /** Every tag of the image repository and its digest, after the run. */
  readonly tagDigests: Readonly<Record<string, string>>;
}

export interface GoodRun {
  readonly run: PipelineRun;
  readonly jobs: readonly (readonly [string, string])[];
  /** The `emulation` each arch job was rendered with (its script's `PAB_OPT_EMULATION`). */
  readonly emulation: Readonly<Record<PodmanArch, boolean>>;
  readonly archDotenv: Readonly<Record<PodmanArch, Readonly<Record<string, string>>>>;
  readonly mergeDotenv: Readonly<Record<string, string>>;
  /** The repository (`IMAGE` of the example), read from the merge's dotenv. */
  readonly image: string;
  /** The pipeline's commit (CI_COMMIT_SHA) and its CI_COMMIT_SHORT_SHA. */
  readonly sha: string;
  readonly shortSha: string;
  /** sha256 of the index the registry serves for `<image>:<short sha>`. */
  readonly indexDigest: string;
  readonly indexMediaType: string;
  readonly platforms: readonly PlatformEntry[];
  readonly tagDigests: Readonly<Record<string, string>>;
  /** The config the registry serves for each `<short sha>-<arch>` tag. */
  readonly archConfigs: Readonly<Record<PodmanArch, ImageConfig>>;
  /** `uname -m` and `/etc/build-platform` of the index run for each platform (QEMU where not native). */
  readonly unames: Readonly<Record<string, string>>;
  readonly buildPlatforms: Readonly<Record<string, string>>;
}

export interface PodmanNativeScenarioResult {
  readonly native: PodmanArch | undefined;
  /** The non-native arch job without `emulation`. */
  readonly refused: FailedRun & { readonly arch: PodmanArch };
  readonly good: GoodRun;
  /** The `<sha>-arm64` image deleted, the merge re-run with the arch jobs' dotenv. */
  readonly missing: FailedRun;
  /** The amd64 image pushed as `<sha>-arm64`: its config as the registry serves it. */
  readonly overwrittenArm64: ImageConfig;
  /** Then the merge re-run with the arch jobs' dotenv (the example's `source: dotenv`). */
  readonly mismatchDotenv: FailedRun;
  /** Then the merge by tags (`source: template`), which reads `<sha>-arm64`. */
  readonly mismatchTemplate: FailedRun;
  readonly timings: Readonly<Record<string, number>>;
}

export type PodmanNativeScenarioOptions = EnvironmentOptions;

interface Context {
  readonly env: Environment;
  readonly example: string;
}

async function runScenarioPipeline(ctx: Context, text: string, name: string, extra: readonly ExtraVariable[] = []): Promise<PipelineRun> {
  return ctx.env.runner.run(text, {
    name,
    variables: projectVariables(ctx.env, name, extra),
    copy: [CONTEXT_DIR],
    ignoreSchemaPaths: PODMAN_IGNORED_SCHEMA_PATHS,
  });
}

const jobStatuses = (run: PipelineRun): [string, string][] => run.pipeline.jobs.map((j) => [j.name, j.status]);

async function failedRun(ctx: Context, run: PipelineRun, jobName: string, image: string): Promise<FailedRun> {
  const job = run.pipeline.jobs.find((j) => j.name === jobName);
  return { run, jobs: jobStatuses(run), errors: jobErrors(job), tagDigests: await ctx.env.tagDigests(image) };
}

/** Installs podman and buildah when missing and writes the busybox Containerfile context; returns its directory (project-relative). */
export async function preparePodmanContext(env: Environment): Promise<string> {
  await env.step('podman and buildah (apt)', () => ensurePackages(PODMAN_PACKAGES, { log: env.log }));
  await env.step('busybox Containerfile context', async () => {
    const dir = path.join(env.project, CONTEXT_DIR);
    const context = await busyboxContext(dir, DEFAULT_PLATFORMS, env.log);
    // The Dockerfile busyboxContext writes has no RUN step; the Containerfile replaces it.
    rmSync(context.dockerfile);
    writeFileSync(path.join(dir, 'Containerfile'), CONTAINERFILE);
  });
  return CONTEXT_DIR;
}

async function prepare(env: Environment): Promise<Context> {
  await preparePodmanContext(env);
  return { env, example: readFileSync(path.join(env.project, EXAMPLE), 'utf8') };
}

async function refusedRun(ctx: Context, native: PodmanArch | undefined, image: string): Promise<PodmanNativeScenarioResult['refused']> {
  const arch = PODMAN_ARCHES.find((a) => a !== native) ?? 'arm64';
  const run = await runScenarioPipeline(ctx, refusedPipelineText(ctx.example, arch, native), 'refused-emulation');
  return { arch, ...(await failedRun(ctx, run, buildJob(arch), image)) };
}

async function goodRun(ctx: Context): Promise<GoodRun> {
  const { env } = ctx;
  const run = await runScenarioPipeline(ctx, podmanPipelineText(ctx.example), 'podman-native');
  if (run.pipeline.status !== 'success') throw new ScenarioError(pipelineFailure(run.pipeline), run.pipeline);
  const dotenvOf = (name: string): Record<string, string> => ({ ...(run.pipeline.jobs.find((j) => j.name === name)?.dotenv ?? {}) });
  const archDotenv = Object.fromEntries(PODMAN_ARCHES.map((a) => [a, dotenvOf(buildJob(a))])) as Record<PodmanArch, Record<string, string>>;
  const emulation = Object.fromEntries(PODMAN_ARCHES.map((a) => [a, /^PAB_OPT_EMULATION=true$/m.test(renderedScript(run, buildJob(a)))])) as Record<PodmanArch, boolean>;
  const mergeDotenv = dotenvOf(MERGE_JOB);
  const indexImage = mergeDotenv['IMAGE_INDEX_IMAGE'];
  if (indexImage === undefined) throw new ScenarioError(`${MERGE_JOB} reported no IMAGE_INDEX_IMAGE`, run.pipeline);
  const image = indexImage.slice(0, indexImage.indexOf('@'));
  const shortSha = env.sha.slice(0, 8);
  return env.step('registry assertions podman-native', async () => {
    const { digest, mediaType, platforms } = indexEntries(await env.rawManifest(`${image}:${shortSha}`));
    const archConfigs = {} as Record<PodmanArch, ImageConfig>;
    for (const arch of PODMAN_ARCHES) archConfigs[arch] = await imageConfig(env, `${image}:${shortSha}-${arch}`);
    const ref = `${image}@${digest}`;
    const unames: Record<string, string> = {};
    const buildPlatforms: Record<string, string> = {};
    for (const { platform } of platforms) {
      const runArgs = ['run', '--rm', '--pull', 'always', '--platform', platform, '--network', 'none', ref];
      unames[platform] = await env.docker([...runArgs, 'uname', '-m']);
      buildPlatforms[platform] = await env.docker([...runArgs, 'cat', '/etc/build-platform']);
    }
    return {
      run,
      jobs: jobStatuses(run),
      emulation,
      archDotenv,
      mergeDotenv,
      image,
      sha: env.sha,
      shortSha,
      indexDigest: digest,
      indexMediaType: mediaType,
      platforms,
      tagDigests: await env.tagDigests(image),
      archConfigs,
      unames,
      buildPlatforms,
    };
  });
}

/** The arch jobs' dotenv reports as the variables a retried merge job would get. */
function dotenvVariables(good: GoodRun): ExtraVariable[] {
  return PODMAN_ARCHES.flatMap((arch) => Object.entries(good.archDotenv[arch]).map(([key, value]) => ({ key, value })));
}

/**
 * The local amd64 image (left in the jobs' storage by podman-build-amd64) pushed as
 * `<sha>-arm64` with podman, as a person fixing a tag by hand would. The harness's credentials go
 * in a 0600 auth file, never on the command line.
 */
async function pushAmd64AsArm64(ctx: Context, good: GoodRun): Promise<void> {
  const { env } = ctx;
  const authFile = path.join(env.podmanDir, 'harness-auth.json');
  const auth = Buffer.from(`${env.token.user}:${env.token.password}`).toString('base64');
  writeFileSync(authFile, JSON.stringify({ auths: { [env.ecrHost]: { auth } } }), { mode: 0o600 });
  const vars = ['CONTAINERS_STORAGE_CONF', 'CONTAINERS_CONF', 'CONTAINERS_REGISTRIES_CONF'].map((key) => `${key}=${env.jobEnv[key] ?? ''}`);
  const source = `${good.image}:${good.shortSha}-amd64`;
  const target = `docker://${good.image}:${good.shortSha}-arm64`;
  const result = await env.inNamespace(['env', ...vars, 'podman', '--storage-driver=vfs', 'push', '--authfile', authFile, '--format', 'oci', source, target]);
  rmSync(authFile);
  if (result.exitCode !== 0) throw new ScenarioError(`podman push ${source} ${target}: ${result.stderr}`);
}

/**
 * Scenario 4: the refused non-native job, the example pipeline, then the merge alone after the
 * arm64 image was deleted and after an amd64 image was pushed under the arm64 tag. One environment.
 */
export async function runPodmanNativeScenario(options: PodmanNativeScenarioOptions): Promise<PodmanNativeScenarioResult> {
  const started = Date.now();
  const env = await startEnvironment(options);
  try {
    const ctx = await prepare(env);
    const native = nativeArch();
    const image = `${env.ecrHost}/example/podman-app`;
    const refused = await refusedRun(ctx, native, image);
    const good = await goodRun(ctx);
    if (good.image !== image) throw new ScenarioError(`the merge published ${good.image}, expected ${image}`);

    await env.step('delete the arm64 image', () => env.deleteTag(repositoryOf(env, image), `${good.shortSha}-arm64`));
    const missingRun = await runScenarioPipeline(ctx, mergeOnlyPipelineText(ctx.example), 'merge-missing-arm64', dotenvVariables(good));
    const missing = await failedRun(ctx, missingRun, MERGE_JOB, image);

    await env.step('push the amd64 image as arm64', () => pushAmd64AsArm64(ctx, good));
    const overwrittenArm64 = await imageConfig(env, `${image}:${good.shortSha}-arm64`);
    const dotenvRun = await runScenarioPipeline(ctx, mergeOnlyPipelineText(ctx.example), 'merge-dotenv-after-overwrite', dotenvVariables(good));
    const mismatchDotenv = await failedRun(ctx, dotenvRun, MERGE_JOB, image);
    const templateRun = await runScenarioPipeline(ctx, mergeOnlyPipelineText(ctx.example, { source: 'template' }), 'merge-template-mismatch');
    const mismatchTemplate = await failedRun(ctx, templateRun, MERGE_JOB, image);

    env.timings['scenario (wall)'] = Date.now() - started;
    return { native, refused, good, missing, overwrittenArm64, mismatchDotenv, mismatchTemplate, timings: env.timings };
  } finally {
    await env.stop();
  }
}
