/**
 * The independent runner: the example pipelines run by gitlab-ci-local 4.75.1 with its shell
 * executor (`gitlabCiLocalRunner`, harness/integration/gitlab-ci-local-run.ts, as the environment's
 * runner) in one real integration environment: moto
 * (ECR + STS, OIDC), the TLS registry under the ECR hostname, the Docker engine and gitlab-ci-local's
 * job shells in the private mount namespace. Nothing of our own shell-executor emulation takes part:
 * gitlab-ci-local parses the pipeline, resolves the component includes, evaluates the rules, orders
 * the jobs and passes the dotenv reports itself.
 *
 * 1. A probe pipeline checks what the runner module promises the jobs (tools on PATH, the
 *    namespace's name resolution and CA, the variables, the branch), from the job's dotenv report.
 * 2. The scenario copy of the `buildx-ecr` example (scenario.ts), asserted on the registry.
 * 3. The scenario copy of the `podman-native` example (scenario-podman.ts), asserted on the registry.
 *
 * Needs root (dockerd, mount namespaces, binfmt, apt) and gitlab-ci-local with Node 22 (npm ci) and
 * rsync. Missing: skipped with the reason, unless CATALOG_REQUIRE_TOOLS=1, which fails instead.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { describeUnavailable, integrationUnavailable, REPO_ROOT, TOOLS_REQUIRED } from '../helpers/integration.js';
import { parse } from 'yaml';
import { startEnvironment, type Environment } from '../../harness/integration/environment.js';
import { indexEntries, manifestDigest, type IndexEntries } from '../../harness/integration/oci.js';
import { checkGitlabCiLocal, gitlabCiLocalRunner, parseReport } from '../../harness/integration/gitlab-ci-local-run.js';
import { DEFAULT_PLATFORMS } from '../../harness/integration/images.js';
import { pipelineFailure, type PipelineRun } from '../../harness/integration/runner.js';
import { keyPairVariables } from '../../harness/integration/cosign.js';
import { exampleSigningKeys, prepareBuildxEcrContext, scenarioPipelineText } from '../../harness/integration/scenario.js';
import {
  buildJob,
  MERGE_JOB,
  PODMAN_ARCHES,
  PODMAN_IGNORED_SCHEMA_PATHS,
  podmanPipelineText,
  preparePodmanContext,
  projectVariables,
} from '../../harness/integration/scenario-podman.js';

const reason = integrationUnavailable;
const required = TOOLS_REQUIRED;
const log = (line: string): void => console.log(`[gitlab-ci-local] ${line}`);

describe('parseReport: the report gitlab-ci-local prints after a run (colours off)', () => {
  it('reads PASS, WARN pre_script, WARN after_script and FAIL lines of the listed jobs only', () => {
    // Commander.printReport: " PASS " / " WARN " / " FAIL ", a space, the padded name, then
    // "  pre_script" / "  after_script" on WARN lines; FAIL and WARN are followed by log lines.
    const stdout = [
      'build-image     > #1 DONE 0.0s',
      'verify-image    finished in 7.6 s',
      '',
      ' PASS  ecr-login-check',
      ' PASS  build-image    ',
      ' WARN  lint             pre_script',
      '  > lint: 3 warnings',
      ' WARN  build-image      after_script',
      ' FAIL  verify-image   ',
      '  > verify-image: linux/arm64 is missing',
      ' PASS  not-listed',
    ].join('\n');
    const report = parseReport(stdout, ['ecr-login-check', 'build-image', 'lint', 'verify-image', 'never-started']);
    expect([...report.status]).toEqual([
      ['ecr-login-check', 'success'],
      ['build-image', 'success'],
      ['lint', 'warning'],
      ['verify-image', 'failed'],
    ]);
    expect([...report.afterScriptFailed]).toEqual(['build-image']);
  });
});

describeUnavailable('gitlab-ci-local scenarios');

/** The index the registry serves for `ref`: its digest and its image platforms. */
async function registryIndex(env: Environment, ref: string): Promise<IndexEntries> {
  return indexEntries(await env.rawManifest(ref));
}

type PipelineDoc = { include?: { component?: string; inputs?: Record<string, unknown> }[]; variables?: Record<string, unknown> };

/** An input of the (first) include of `component` in a pipeline text. */
function includeInput(text: string, component: string, input: string): string {
  const found = (parse(text) as PipelineDoc).include?.find((i) => String(i.component).includes(`/${component}@`));
  const value = found?.inputs?.[input];
  if (typeof value !== 'string') throw new Error(`the pipeline has no ${component} include with a string input ${input}`);
  return value;
}

function pipelineVariable(text: string, name: string): string {
  const value = (parse(text) as PipelineDoc).variables?.[name];
  if (typeof value !== 'string') throw new Error(`the pipeline defines no variable ${name}`);
  return value;
}

/**
 * What gitlab-ci-local kept of the jobs (`run.jobOutput`): their logs (`output/`) and artifacts
 * (`artifacts/`). Not `builds/`, its copy of the project's tracked files (which include test fixtures).
 */
function jobOutputFiles(run: PipelineRun): string[] {
  return run.jobOutput.flatMap((dir) => {
    if (!existsSync(dir)) return [];
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => path.join(e.parentPath, e.name));
  });
}

/** The run succeeded, and each job of `expected` (in that order) passed. */
function expectPassed(run: PipelineRun, expected: readonly string[]): void {
  expect(run.pipeline.status, pipelineFailure(run.pipeline)).toBe('success');
  expect(run.pipeline.jobs.map((j) => [j.name, j.status])).toEqual(expected.map((name) => [name, 'success']));
}

/**
 * A job that reports what it sees as its dotenv report: the tools PATH finds, the registry's name
 * and TLS (401 = reached and trusted, 000 = no TLS), the ID token (its hash), the variables given
 * through the variables file and gitlab-ci-local's predefined variables for the branch. The second
 * job may only run on the default branch: gitlab-ci-local must drop it on this one.
 */
const PROBE_PIPELINE = `stages: [test]
probe:
  stage: test
  # Never pulled: --force-shell-executor runs every job in a shell.
  image: docker:29.5.2-cli
  script:
    - |
      {
        echo "AWS_PATH=$(command -v aws)"
        echo "AWS_MAJOR=$(aws --version 2>&1 | sed -n 's#^aws-cli/\\([0-9]*\\)\\..*#\\1#p')"
        echo "DOCKER_PATH=$(command -v docker)"
        echo "REGISTRY_ADDRESS=$(getent hosts "$PROBE_ECR_HOST" | cut -d' ' -f1)"
        echo "REGISTRY_STATUS=$(curl -s -o /dev/null -w '%{http_code}' "https://$PROBE_ECR_HOST/v2/" || true)"
        echo "TOKEN_SHA256=$(printf '%s' "$AWS_ID_TOKEN" | sha256sum | cut -d' ' -f1)"
        echo "PROBE_PATH=$PROBE_PATH"
        echo "PROBE_FILE_CONTENT=$(cat "$PROBE_FILE")"
        echo "AWS_API_ENDPOINT=$AWS_API_ENDPOINT"
        echo "BRANCH=$CI_COMMIT_BRANCH"
        echo "REF_SLUG=$CI_COMMIT_REF_SLUG"
        echo "DEFAULT_BRANCH=$CI_DEFAULT_BRANCH"
        echo "SHA=$CI_COMMIT_SHA"
        echo "PROJECT_PATH=$CI_PROJECT_PATH"
        echo "SERVER_URL=$CI_SERVER_URL"
        echo "PROJECT_DIR=$CI_PROJECT_DIR"
      } > probe.env
  artifacts:
    reports:
      dotenv: probe.env
default-branch-only:
  stage: test
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
  script:
    - exit 1
`;

describe.runIf(reason === undefined)('gitlab-ci-local runs the example pipelines (shell executor: an independent parser and rule engine for our rendering; test/pipelines uses its docker executor)', () => {
  let env: Environment | undefined;
  let problem: string | undefined;

  beforeAll(async () => {
    problem = await checkGitlabCiLocal(log);
    if (problem !== undefined) return;
    env = await startEnvironment({ workDir: mkdtempSync(path.join(os.tmpdir(), 'catalog-gcl-')), repo: REPO_ROOT, log, runner: gitlabCiLocalRunner });
  }, 600_000);

  afterAll(async () => {
    await env?.stop();
    for (const [name, ms] of Object.entries(env?.timings ?? {})) console.log(`[time] ${name}: ${(ms / 1000).toFixed(1)} s`);
  }, 120_000);

  /** The environment, or the test skipped (failed under CATALOG_REQUIRE_TOOLS=1) with the reason. */
  const environment = (context: TestContext): Environment => {
    if (problem !== undefined) {
      if (required) throw new Error(`CATALOG_REQUIRE_TOOLS=1 but gitlab-ci-local cannot run here: ${problem}`);
      context.skip(problem);
    }
    if (env === undefined) throw new Error('the environment did not start');
    return env;
  };

  it('gives its jobs the namespace, the tools, the variables and the branch the runner module promises', { timeout: 300_000 }, async (context) => {
    const env = environment(context);
    const ref = 'feature/gcl-probe';
    const run = await env.runner.run(PROBE_PIPELINE, {
      name: 'probe',
      ref,
      variables: [
        { key: 'PROBE_ECR_HOST', value: env.ecrHost },
        // A bare value starting with "/" would be read as a file path by gitlab-ci-local.
        { key: 'PROBE_PATH', value: '/not/a/file' },
        { key: 'PROBE_FILE', value: 'file content\n', file: true },
      ],
    });
    // The rule drops default-branch-only on a feature branch: it is not in the pipeline at all.
    expectPassed(run, ['probe']);
    const [token] = run.secrets;
    expect(run.pipeline.jobs[0]?.dotenv).toEqual({
      AWS_PATH: '/usr/bin/aws',
      AWS_MAJOR: '2',
      DOCKER_PATH: '/usr/bin/docker',
      REGISTRY_ADDRESS: env.address,
      REGISTRY_STATUS: '401',
      TOKEN_SHA256: createHash('sha256').update(token ?? '').digest('hex'),
      PROBE_PATH: '/not/a/file',
      PROBE_FILE_CONTENT: 'file content',
      AWS_API_ENDPOINT: env.moto.endpoint,
      BRANCH: ref,
      REF_SLUG: 'feature-gcl-probe',
      DEFAULT_BRANCH: 'main',
      SHA: env.sha,
      PROJECT_PATH: 'platform/ci-catalog',
      SERVER_URL: 'https://gitlab.example.com',
      PROJECT_DIR: run.project,
    });
    // The token the job got is the environment's GitLab-shaped JWT for this branch.
    const claims = JSON.parse(Buffer.from(token?.split('.')[1] ?? '', 'base64url').toString('utf8')) as { sub?: string };
    expect(claims.sub).toBe(`project_path:platform/ci-catalog:ref_type:branch:ref:${ref}`);
    expect(statSync(path.join(run.dir, 'variables.yml')).mode & 0o777).toBe(0o600);
  });

  it('buildx-ecr: pushes an index with exactly the three platforms, latest on the same digest, the dotenv digest the registry\'s; no secret in its output', { timeout: 900_000 }, async (context) => {
    const env = environment(context);
    await prepareBuildxEcrContext(env);
    const text = scenarioPipelineText(readFileSync(path.join(env.project, 'examples/buildx-ecr/.gitlab-ci.yml'), 'utf8'), DEFAULT_PLATFORMS);
    const repository = pipelineVariable(text, 'ECR_REPOSITORY');
    // A fresh repository: whatever is read back below was pushed by this run.
    expect(await env.tags(repository)).toEqual([]);

    // The example signs with the project's key (file-type COSIGN_PRIVATE_KEY, masked COSIGN_PASSWORD) and verify-image checks it.
    const keys = await exampleSigningKeys(env);
    const run = await env.runner.run(text, { name: 'buildx-ecr', copy: [includeInput(text, 'buildx-ecr', 'context')], variables: keyPairVariables(keys) });
    expectPassed(run, ['ecr-login-check', 'build-image', 'verify-image']);

    const dotenv = run.pipeline.jobs.find((j) => j.name === 'build-image')?.dotenv ?? {};
    const image = `${env.ecrHost}/${repository}`;
    expect(dotenv['BUILD_IMAGE']).toBe(image);
    const index = await env.step('registry assertions gitlab-ci-local buildx-ecr', () => registryIndex(env, dotenv['BUILD_IMAGE_REF'] ?? ''));
    expect(index.mediaType).toMatch(/^application\/vnd\.(oci\.image\.index\.v1|docker\.distribution\.manifest\.list\.v2)\+json$/);
    expect(index.platforms.map((p) => p.platform).sort()).toEqual([...DEFAULT_PLATFORMS].sort());
    expect(new Set(index.platforms.map((p) => p.digest)).size).toBe(DEFAULT_PLATFORMS.length);
    expect(dotenv['BUILD_DIGEST']).toBe(index.digest);
    expect(dotenv['BUILD_IMAGE_REF']).toBe(`${image}@${index.digest}`);
    // `latest` (the default branch) and every tag the build reported are the pushed index.
    const reported = dotenv['BUILD_TAGS']?.split(',') ?? [];
    expect(reported).toEqual(expect.arrayContaining([env.sha.slice(0, 8), 'main', 'latest']));
    expect(await env.tags(repository)).toEqual(expect.arrayContaining(reported));
    for (const tag of reported) expect((await registryIndex(env, `${image}:${tag}`)).digest, tag).toBe(index.digest);

    // Neither the ID token nor the registry password shows up in what gitlab-ci-local printed or kept of the jobs.
    const secrets: [string, string][] = [
      ...run.secrets.map((s, i): [string, string] => [`ID token ${i}`, s]),
      ['registry password', env.token.password],
      ['registry auth', Buffer.from(`AWS:${env.token.password}`).toString('base64')],
      ['cosign key password', keys.password],
    ];
    const outputs: [string, string][] = [
      ['stdout', run.output?.stdout ?? ''],
      ['stderr', run.output?.stderr ?? ''],
      ...jobOutputFiles(run).map((f): [string, string] => [path.relative(run.project, f), readFileSync(f, 'latin1')]),
    ];
    const leaks = secrets.flatMap(([what, secret]) => outputs.filter(([, text]) => text.includes(secret)).map(([where]) => `${what} in ${where}`));
    expect(leaks).toEqual([]);
  });

  it('podman-native: merges exactly the three digests the arch jobs reported into the index every tag points at', { timeout: 1_800_000 }, async (context) => {
    const env = environment(context);
    const contextDir = await preparePodmanContext(env);
    const text = podmanPipelineText(readFileSync(path.join(env.project, 'examples/podman-native/.gitlab-ci.yml'), 'utf8'));
    expect(includeInput(text, 'podman-arch-build', 'context')).toBe(contextDir);
    const image = pipelineVariable(text, 'IMAGE');
    const repository = image.slice(env.ecrHost.length + 1);
    expect(await env.tags(repository)).toEqual([]);

    const run = await env.runner.run(text, {
      name: 'podman-native',
      copy: [contextDir],
      ignoreSchemaPaths: PODMAN_IGNORED_SCHEMA_PATHS,
      // Expanded by gitlab-ci-local: each job gets the auth file of its own it has on its own runner.
      variables: projectVariables(env, 'gcl'),
    });
    expectPassed(run, ['ecr-login-check', ...PODMAN_ARCHES.map(buildJob), MERGE_JOB]);

    const shortSha = env.sha.slice(0, 8);
    const index = await env.step('registry assertions gitlab-ci-local podman-native', () => registryIndex(env, `${image}:${shortSha}`));
    expect(index.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(index.platforms.map((p) => p.platform).sort()).toEqual(PODMAN_ARCHES.map((arch) => `linux/${arch}`).sort());
    for (const arch of PODMAN_ARCHES) {
      const reported = run.pipeline.jobs.find((j) => j.name === buildJob(arch))?.dotenv[`IMAGE_DIGEST_${arch.toUpperCase()}`];
      expect(reported, arch).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(index.platforms.find((p) => p.platform === `linux/${arch}`)?.digest, arch).toBe(reported);
      expect(manifestDigest(await env.rawManifest(`${image}:${shortSha}-${arch}`)), arch).toBe(reported);
    }
    const merge = run.pipeline.jobs.find((j) => j.name === MERGE_JOB)?.dotenv ?? {};
    expect(merge['IMAGE_INDEX_DIGEST']).toBe(index.digest);
    expect(merge['IMAGE_INDEX_IMAGE']).toBe(`${image}@${index.digest}`);
    for (const tag of ['main', 'latest']) expect((await registryIndex(env, `${image}:${tag}`)).digest, tag).toBe(index.digest);
  });
});
