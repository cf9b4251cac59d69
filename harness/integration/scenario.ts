/**
 * The `buildx-ecr` example pipeline for real, in an integration environment (environment.ts):
 * scenario 1 (default branch) and the building blocks of scenarios 2 and 3 (feature branch, semver
 * tag, rebuild), which run several pipelines in one environment.
 *
 * Overrides of the example (a scenario copy of its `.gitlab-ci.yml`; the components are unchanged):
 * - buildx-ecr `platforms`: the three platforms of the scenario;
 * - `context`: a busybox `FROM scratch` context written into the clone (no base image can be pulled);
 * - `buildx-driver: docker`: the `docker-container` driver pulls moby/buildkit (no registry reachable);
 * - `qemu: never`: the `tonistiigi/binfmt` image cannot be pulled; QEMU is registered on the host;
 * - `network: host`: the engine has no bridge network;
 * - `services: []` and `docker-tls-certdir: ''`: no dind service; `DOCKER_HOST` is the engine's socket;
 * - verify-image's `EXPECTED_PLATFORMS`: the three platforms;
 * - any further inputs the caller passes (`inputs`), e.g. `tag-strategy` for scenario 2.
 * The example signs with the project's cosign key (`sign: key`): each environment generates a key
 * pair and gives it to the pipelines as the project variables the example names (`exampleSigningKeys`).
 *
 * The assertions read the registry (`docker buildx imagetools inspect --raw`, tags/list), never job logs.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseYamlForEditing } from '../../scripts/gitlab/yaml/psych.js';
import { ScenarioError, startEnvironment, type Environment, type EnvironmentOptions } from './environment.js';
import { generateKeyPair, keyPairVariables, type CosignKeyPair } from './cosign.js';
import { busyboxContext, DEFAULT_PLATFORMS } from './images.js';
import { indexEntries, type PlatformEntry } from './oci.js';
import { pipelineFailure, type PipelineRun } from './runner.js';
import { scanEnvironmentForLeaks, type SecretLeak } from './secrets.js';

const EXAMPLE = 'examples/buildx-ecr/.gitlab-ci.yml';
const CONTEXT_DIR = 'scenario-buildx-ecr-app';

export type BuildxEcrScenarioOptions = EnvironmentOptions & {
  /** The pipeline's branch or tag (default `main`, the default branch). */
  readonly ref?: string | undefined;
  /** `ref` is a tag. */
  readonly tag?: boolean | undefined;
};

/** What one buildx-ecr pipeline left in the registry. */
export interface BuildxEcrRunResult {
  readonly run: PipelineRun;
  /** The build job's dotenv report. */
  readonly dotenv: Readonly<Record<string, string>>;
  /** `BUILD_IMAGE`: the repository URI. */
  readonly image: string;
  /** `BUILD_IMAGE_REF`: `<image>@<digest>`. */
  readonly imageRef: string;
  /** sha256 of the raw index the registry serves for `imageRef`. */
  readonly registryDigest: string;
  /** The digest each tag of the repository points at (`/v2/<name>/tags/list`, cache tags included). */
  readonly tagDigests: Readonly<Record<string, string>>;
  readonly indexMediaType: string;
  /** Image manifests of the index (attestation manifests left out). */
  readonly platforms: readonly PlatformEntry[];
}

export interface BuildxEcrScenarioResult extends BuildxEcrRunResult {
  readonly pipeline: BuildxEcrRunResult['run']['pipeline'];
  /** Undefined when the registry has no `latest` tag. */
  readonly latestDigest: string | undefined;
  readonly tags: readonly string[];
  /** `uname -m` printed by the pushed image run for each platform (under QEMU where not native). */
  readonly unames: Readonly<Record<string, string>>;
  /** The image config's labels (the first platform's). */
  readonly labels: Readonly<Record<string, string>>;
  /** Scenario 6's scan of the run: secrets found in job logs, dotenv reports, job-written files. */
  readonly leaks: readonly SecretLeak[];
  readonly timings: Readonly<Record<string, number>>;
}

export { ScenarioError };

/** The scenario copy of the example: the overrides listed in the module comment, nothing else. */
export function scenarioPipelineText(
  exampleText: string,
  platforms: readonly string[] = DEFAULT_PLATFORMS,
  inputs: Readonly<Record<string, unknown>> = {},
): string {
  const doc = parseYamlForEditing(exampleText);
  const includes = Array.from({ length: doc.lengthAt(['include']) }, (_, i) => i);
  const index = includes.find((i) => String(doc.scalarAt(['include', i, 'component'])).includes('/buildx-ecr@'));
  if (index === undefined) throw new ScenarioError(`${EXAMPLE} includes no buildx-ecr component`);
  const set = (key: string, value: unknown): void => doc.set(['include', index, 'inputs', key], value);
  set('platforms', platforms.join(' '));
  set('context', CONTEXT_DIR);
  set('buildx-driver', 'docker');
  set('qemu', 'never');
  set('network', 'host');
  set('services', []);
  set('docker-tls-certdir', '');
  for (const [key, value] of Object.entries(inputs)) set(key, value);
  if (doc.has(['verify-image', 'variables', 'EXPECTED_PLATFORMS'])) {
    doc.set(['verify-image', 'variables', 'EXPECTED_PLATFORMS'], platforms.join(' '));
  }
  return doc.toString();
}

/** Writes the busybox `FROM scratch` build context the scenario pipelines build into the project clone; returns its Dockerfile. */
export async function prepareBuildxEcrContext(env: Environment): Promise<string> {
  const context = await env.step('busybox context', () => busyboxContext(path.join(env.project, CONTEXT_DIR), DEFAULT_PLATFORMS, env.log));
  return context.dockerfile;
}

const signingKeys = new WeakMap<Environment, Promise<CosignKeyPair>>();

/** The cosign key pair the example's pipelines in `env` sign with: generated once per environment, with a random password. */
export function exampleSigningKeys(env: Environment): Promise<CosignKeyPair> {
  let keys = signingKeys.get(env);
  if (keys === undefined) {
    keys = generateKeyPair(env.runDir('cosign', 'example'), randomBytes(18).toString('base64url'));
    signingKeys.set(env, keys);
  }
  return keys;
}

/**
 * Runs the scenario copy of the example (with `inputs` on top) on `ref` and reads back what the
 * registry holds: the index of the build's reported ref, its platforms, and every tag's digest.
 */
export async function runBuildxEcrPipeline(
  env: Environment,
  options: { name: string; ref?: string | undefined; tag?: boolean | undefined; inputs?: Readonly<Record<string, unknown>> },
): Promise<BuildxEcrRunResult> {
  const text = scenarioPipelineText(readFileSync(path.join(env.project, EXAMPLE), 'utf8'), DEFAULT_PLATFORMS, options.inputs);
  // The context is not committed: a runner working in a clone of its own needs it copied.
  const variables = keyPairVariables(await exampleSigningKeys(env));
  const run = await env.runner.run(text, { name: options.name, ref: options.ref, tag: options.tag, copy: [CONTEXT_DIR], variables });
  const { pipeline } = run;
  if (pipeline.status !== 'success') throw new ScenarioError(pipelineFailure(pipeline), pipeline);
  const dotenv = pipeline.jobs.find((j) => j.name === 'build-image')?.dotenv ?? {};
  const imageRef = dotenv['BUILD_IMAGE_REF'];
  const image = dotenv['BUILD_IMAGE'];
  if (imageRef === undefined || image === undefined) throw new ScenarioError('build-image reported no BUILD_IMAGE_REF', pipeline);
  return env.step(`registry assertions ${options.name}`, async () => {
    const index = indexEntries(await env.rawManifest(imageRef));
    const tagDigests = await env.tagDigests(image);
    return { run, dotenv, image, imageRef, registryDigest: index.digest, tagDigests, indexMediaType: index.mediaType, platforms: index.platforms };
  });
}

/** Pulls and runs each platform of a pushed index: `uname -m` per platform, and the first platform's labels. */
export async function runEachPlatform(
  env: Environment,
  imageRef: string,
  platforms: readonly PlatformEntry[],
): Promise<{ unames: Record<string, string>; labels: Record<string, string> }> {
  return env.step('run each platform', async () => {
    const unames: Record<string, string> = {};
    for (const { platform } of platforms) {
      unames[platform] = await env.docker(['run', '--rm', '--pull', 'always', '--platform', platform, '--network', 'none', imageRef, 'uname', '-m']);
    }
    const first = platforms[0]?.platform ?? 'linux/amd64';
    await env.docker(['pull', '--platform', first, imageRef]);
    const labels = JSON.parse((await env.docker(['image', 'inspect', '--format', '{{json .Config.Labels}}', imageRef])) || '{}') as Record<string, string> | null;
    return { unames, labels: labels ?? {} };
  });
}

/** Scenario 1: one environment, the example on the default branch (or `ref`), each platform run. */
export async function runBuildxEcrScenario(options: BuildxEcrScenarioOptions): Promise<BuildxEcrScenarioResult> {
  const env = await startEnvironment(options);
  try {
    await prepareBuildxEcrContext(env);
    const result = await runBuildxEcrPipeline(env, { name: 'buildx-ecr', ref: options.ref, tag: options.tag });
    const { unames, labels } = await runEachPlatform(env, result.imageRef, result.platforms);
    const { password } = await exampleSigningKeys(env);
    const { leaks } = await env.step('secret scan', () => scanEnvironmentForLeaks(env, [result.run], { secrets: [{ name: 'cosign key password', value: password }] }));
    return {
      ...result,
      pipeline: result.run.pipeline,
      latestDigest: result.tagDigests['latest'],
      tags: Object.keys(result.tagDigests).sort(),
      unames,
      labels,
      leaks,
      timings: env.timings,
    };
  } finally {
    await env.stop();
  }
}
