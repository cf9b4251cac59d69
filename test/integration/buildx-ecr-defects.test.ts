/**
 * Defects of buildx-ecr found by the audit of issue 11 (section 2, items 1, 2, 4, 5 and 8), each
 * shown on a real run: the component rendered by our include processor from a clone of this work
 * tree, its job run by the shell-executor emulation with the real docker CLI, buildx and the
 * engine of one integration environment (environment.ts: moto for STS and ECR, the TLS registry
 * under the ECR hostname and `public.ecr.aws`), and ECR Public calls answered by the fake ECR Public
 * API (ecr-public-fake.ts; moto has no ecr-public service). Every build is linux/amd64 only, from
 * a busybox `FROM scratch` context: emulation is not what these tests are about.
 *
 * Assertions read the registry, moto and the fake; the job log is read only where the defect is
 * what the log shows (build-argument values, cache-export warnings).
 *
 * A cache export that the registry refuses (ECR: a missing cache repository, an immutable cache
 * tag) is made by planting a regular file where the Distribution registry keeps the cache
 * repository's directory: its uploads there then fail with HTTP 500, and the image's do not.
 *
 * Needs root (dockerd, mount namespaces, apt). Not root: skipped with the reason, unless
 * CATALOG_REQUIRE_TOOLS=1, which turns the skip into a failure.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeUnavailable, HOST_ENGINE_BUILDX_INPUTS, integrationUnavailable, REPO_ROOT } from '../helpers/integration.js';
import { stringifyPlainYaml } from '../../scripts/gitlab/yaml/psych.js';
import { startEcrPublicFake, type EcrPublicFake } from '../../harness/integration/ecr-public-fake.js';
import { startEnvironment, type Environment } from '../../harness/integration/environment.js';
import { busyboxContext } from '../../harness/integration/images.js';
import { awsJson } from '../../harness/integration/moto.js';
import { manifestDigest } from '../../harness/integration/oci.js';
import { pipelineFailure, type ExtraVariable, type JobResult, type PipelineRun } from '../../harness/integration/runner.js';
import { ECR_PUBLIC_ALIAS, ECR_PUBLIC_HOST } from '../../harness/integration/scenario-ecr-login.js';

const log = (line: string): void => console.log(`[buildx-ecr defects] ${line}`);
const CONTEXT_DIR = 'buildx-ecr-defects-app';
const BUILD_JOB = 'build-image';
/** An image manifest, OCI or Docker's (the docker driver pushes Docker media types); not an index. */
const IMAGE_MANIFEST = /^application\/vnd\.(oci\.image\.manifest\.v1|docker\.distribution\.manifest\.v2)\+json$/;

describeUnavailable('buildx-ecr defects');

interface BuildRun {
  readonly run: PipelineRun;
  readonly job: JobResult;
  /** The build job's log as the runner wrote it. */
  readonly log: string;
}

describe.runIf(integrationUnavailable === undefined)('buildx-ecr defects (issue 11 section 2), on real builds', () => {
  let env: Environment | undefined;
  let fake: EcrPublicFake | undefined;
  const ready = (): { env: Environment; fake: EcrPublicFake } => {
    if (env === undefined || fake === undefined) throw new Error('the environment did not start (see beforeAll)');
    return { env, fake };
  };

  beforeAll(async () => {
    const workDir = mkdtempSync(path.join(os.tmpdir(), 'catalog-buildx-defects-'));
    env = await startEnvironment({ workDir, repo: REPO_ROOT, log, extraHostnames: [ECR_PUBLIC_HOST] });
    const e = env;
    fake = await e.step('fake ECR Public API', () => startEcrPublicFake({ password: e.token.password, upstream: e.moto.endpoint }));
    await e.step('busybox context (linux/amd64)', () => busyboxContext(path.join(e.project, CONTEXT_DIR), ['linux/amd64'], log));
  }, 900_000);

  afterAll(async () => {
    await fake?.stop();
    await env?.stop();
  }, 300_000);

  /**
   * A pipeline of the ecr-login and buildx-ecr includes (`login` and `build` inputs on top of the
   * environment's needs: the busybox context, the engine's own builder, no dind, host network),
   * run on `ref`; returns the build job and its log, whatever its status.
   */
  const build = async (
    name: string,
    inputs: { build: Readonly<Record<string, unknown>>; login?: Readonly<Record<string, unknown>> },
    options: { ref?: string; tag?: boolean; variables?: readonly ExtraVariable[] } = {},
  ): Promise<BuildRun> => {
    const { env: e, fake: f } = ready();
    const pipeline = {
      stages: ['build'],
      include: [
        {
          component: '$CI_SERVER_FQDN/$CI_PROJECT_PATH/ecr-login@$CI_COMMIT_SHA',
          inputs: { 'aws-role-arn': 'arn:aws:iam::123456789012:role/gitlab-ecr-push', 'aws-region': 'eu-west-1', registries: '123456789012', 'aws-endpoint-url': '$AWS_API_ENDPOINT', ...inputs.login },
        },
        {
          component: '$CI_SERVER_FQDN/$CI_PROJECT_PATH/buildx-ecr@$CI_COMMIT_SHA',
          inputs: {
            as: BUILD_JOB,
            context: CONTEXT_DIR,
            ...HOST_ENGINE_BUILDX_INPUTS,
            ...inputs.build,
          },
        },
      ],
    };
    const run = await e.runner.run(`# buildx-ecr defects: ${name}\n${stringifyPlainYaml(pipeline)}`, {
      name,
      ref: options.ref,
      tag: options.tag,
      copy: [CONTEXT_DIR],
      // Every AWS call through the fake: ECR Public answered there, the rest passed to moto.
      variables: [{ key: 'AWS_API_ENDPOINT', value: f.endpoint }, ...(options.variables ?? [])],
    });
    const job = run.pipeline.jobs.find((j) => j.name === BUILD_JOB);
    if (job === undefined) throw new Error(`no ${BUILD_JOB} job ran:\n${pipelineFailure(run.pipeline)}`);
    return { run, job, log: job.logFile === undefined ? '' : readFileSync(job.logFile, 'utf8') };
  };
  const succeeded = (result: BuildRun): BuildRun => {
    expect(result.job.status, pipelineFailure(result.run.pipeline)).toBe('success');
    return result;
  };
  /** The image and the digest each of its tags points at, from the build's dotenv and the registry. */
  const pushed = async (result: BuildRun): Promise<{ image: string; digest: string; tags: string[]; tagDigests: Record<string, string> }> => {
    const image = result.job.dotenv['BUILD_IMAGE'] ?? '';
    return {
      image,
      digest: result.job.dotenv['BUILD_DIGEST'] ?? '',
      tags: (result.job.dotenv['BUILD_TAGS'] ?? '').split(','),
      tagDigests: await ready().env.tagDigests(image),
    };
  };
  /** The private ECR repositories moto holds in `region`. */
  const ecrRepositories = async (region = 'eu-west-1'): Promise<string[]> => {
    const output = (await awsJson(ready().env.moto.endpoint, region, ['ecr', 'describe-repositories'])) as { repositories?: { repositoryName: string }[] };
    return (output.repositories ?? []).map((r) => r.repositoryName).sort();
  };

  it("item 1: provenance 'false' on one platform pushes one image manifest, and every extra tag is that manifest (not a new index around it)", { timeout: 600_000 }, async () => {
    const result = succeeded(await build('plain-manifest', { build: { 'image-name': 'defects/plain', provenance: 'false', 'tag-strategy': 'sha', tags: 'extra second', latest: 'always' } }));
    const { image, digest, tags, tagDigests } = await pushed(result);
    expect(tags).toEqual([expect.stringMatching(/^[0-9a-f]{8}$/), 'extra', 'second', 'latest']);
    const raw = await ready().env.rawManifest(`${image}@${digest}`);
    expect((JSON.parse(raw) as { mediaType?: string }).mediaType).toMatch(IMAGE_MANIFEST);
    expect(manifestDigest(raw)).toBe(digest);
    for (const tag of tags) expect(tagDigests[tag], tag).toBe(digest);
  });

  it('item 2: build-argument values stay out of the job log; their names are shown', { timeout: 600_000 }, async () => {
    const value = `build-arg-value-${randomBytes(8).toString('hex')}`;
    const result = succeeded(
      await build('build-args', { build: { 'image-name': 'defects/args', 'build-args': 'DEFECTS_BUILD_ARG=$DEFECTS_VALUE\n', cache: 'none' } }, { variables: [{ key: 'DEFECTS_VALUE', value }] }),
    );
    expect(result.log).toContain('--build-arg DEFECTS_BUILD_ARG=');
    expect(result.log).not.toContain(value);
  });

  it('item 4: `tags: $CI_COMMIT_TAG kept` on a branch pipeline: the empty item is skipped', { timeout: 600_000 }, async () => {
    const result = succeeded(await build('empty-tag', { build: { 'image-name': 'defects/empty-tag', tags: '$CI_COMMIT_TAG kept', latest: 'never', cache: 'none' } }, { ref: 'feature/empty' }));
    const { tags, tagDigests, digest } = await pushed(result);
    expect(tags).toEqual([expect.stringMatching(/^[0-9a-f]{8}$/), 'feature-empty', 'kept']);
    for (const tag of tags) expect(tagDigests[tag], tag).toBe(digest);
  });

  it('item 8: a v1.2.3 tag pipeline pushes the git tag v1.2.3 as well as 1.2.3, 1.2 and 1', { timeout: 600_000 }, async () => {
    const result = succeeded(await build('v-tag', { build: { 'image-name': 'defects/v-tag', latest: 'never', cache: 'none' } }, { ref: 'v1.2.3', tag: true }));
    const { tags, tagDigests, digest } = await pushed(result);
    expect(tags).toEqual(expect.arrayContaining(['v1.2.3', '1.2.3', '1.2', '1']));
    for (const tag of ['v1.2.3', '1.2.3', '1.2', '1']) expect(tagDigests[tag], tag).toBe(digest);
  });

  it('item 5: create-repository creates a separate cache-repository too', { timeout: 600_000 }, async () => {
    expect(await ecrRepositories()).not.toContain('defects/created');
    const result = succeeded(await build('create-cache', { build: { 'image-name': 'defects/created', 'create-repository': true, 'cache-repository': 'defects/created-cache' } }));
    expect(await ecrRepositories()).toEqual(expect.arrayContaining(['defects/created', 'defects/created-cache']));
    const { tagDigests } = await pushed(result);
    expect(Object.keys(tagDigests)).toEqual(expect.arrayContaining(['latest']));
  });

  it('item 5: create-repository for ECR Public calls ecr-public CreateRepository (us-east-1), and creates no private repository', { timeout: 600_000 }, async () => {
    const { fake: f } = ready();
    const first = f.requests.length;
    succeeded(
      await build('create-public', {
        login: { 'hidden-job': '.ecr-public-login', as: 'ecr-public-login-check', 'registry-type': 'public', registries: '', 'aws-region': 'us-east-1' },
        build: { 'login-job': '.ecr-public-login', 'image-name': `${ECR_PUBLIC_ALIAS}/created-public`, 'create-repository': true, cache: 'none' },
      }),
    );
    const calls = f.requests.slice(first).filter((r) => /Repositor(y|ies)$/.test(r.operation));
    expect(calls.map((r) => [r.operation, r.service, r.region])).toEqual([
      ['SpencerFrontendService.DescribeRepositories', 'ecr-public', 'us-east-1'],
      ['SpencerFrontendService.CreateRepository', 'ecr-public', 'us-east-1'],
    ]);
    // ECR Public names a repository without the registry alias.
    expect(f.repositories).toEqual(['created-public']);
    for (const region of ['us-east-1', 'eu-west-1']) expect((await ecrRepositories(region)).filter((r) => r.includes('created-public')), region).toEqual([]);
  });

  it('item 5: a cache export the registry refuses (hidden by ignore-error=true) is a WARNING in the log, and the image is still pushed', { timeout: 600_000 }, async () => {
    const { env: e } = ready();
    const repositories = path.join(e.workDir, 'registry', 'storage', 'docker', 'registry', 'v2', 'repositories');
    mkdirSync(path.join(repositories, 'defects'), { recursive: true });
    writeFileSync(path.join(repositories, 'defects', 'cache-refused'), 'not a repository directory\n');
    const result = succeeded(await build('cache-refused', { build: { 'image-name': 'defects/cache-warn', 'cache-repository': 'defects/cache-refused' } }));
    const { tagDigests, digest } = await pushed(result);
    expect(tagDigests['latest']).toBe(digest);
    expect(result.log).toMatch(/^buildx-ecr: WARNING: the build cache was NOT exported to \S+\/defects\/cache-refused:buildcache-main/m);
  });
});
