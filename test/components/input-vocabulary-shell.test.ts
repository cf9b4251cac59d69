/**
 * The shared inputs of docs/inputs.md as the components' shell reads them: each component rendered
 * with the inputs GitLab would pass, its job script run by `sh` with stub `aws`/`docker` commands
 * that record their calls and fail as a throttled registry does.
 * - `retries` counts the attempts after the first (as GitLab's `retry:` does): `retries: 2` is three
 *   calls, `retries: 0` one;
 * - buildx-ecr's `image-name` without a registry host is a repository in `$ECR_REGISTRY`, with a
 *   host it names the registry; `platforms` and `tags` are strings split on spaces, commas and
 *   newlines, empty items dropped.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { interpolateComponent } from '../../scripts/gitlab/component/load.js';
import { isInterpolatable, parseComponentSource } from '../../scripts/gitlab/component/source.js';
import { fromPlain, isValueMap, toPlain, type ValueMap } from '../../scripts/gitlab/ruby/value.js';
import { REPO_ROOT } from '../helpers/cli.js';

interface Job {
  readonly variables: Record<string, string>;
  readonly lines: readonly string[];
}

/** The component's job `name` (its first non-hidden job when undefined), rendered with `inputs`. */
function renderJob(component: string, inputs: Record<string, unknown>, hidden?: string): Job {
  const file = `templates/${component}.yml`;
  const source = parseComponentSource(readFileSync(path.join(REPO_ROOT, file), 'utf8'), file);
  if (!isInterpolatable(source)) throw new Error(`${file} is not a component`);
  const result = interpolateComponent(source, { inputs: fromPlain(inputs) as ValueMap });
  if (!result.ok || !isValueMap(result.content)) throw new Error(`${file} does not render: ${JSON.stringify(result)}`);
  const name = hidden ?? [...result.content.keys()].find((key) => !key.startsWith('.'));
  const job = toPlain(result.content.get(name ?? '') ?? null) as { variables: Record<string, unknown>; before_script?: string[]; script?: string[] };
  const variables = Object.fromEntries(Object.entries(job.variables).map(([k, v]) => [k, String(v)]));
  return { variables, lines: hidden ? (job.before_script ?? []) : (job.script ?? []) };
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Runs the job's lines with `stubs` (name → sh body) first on PATH; returns the exit code, output and recorded calls. */
function run(job: Job, stubs: Record<string, string>, env: Record<string, string> = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'catalog-vocabulary-'));
  dirs.push(dir);
  const calls = path.join(dir, 'calls');
  for (const [name, body] of Object.entries(stubs)) {
    writeFileSync(path.join(dir, name), `#!/bin/sh\nprintf '%s\\n' "${name} $*" >> "$CALLS"\n${body}\n`);
    chmodSync(path.join(dir, name), 0o755);
  }
  const result = spawnSync('sh', ['-c', job.lines.join('\n')], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 60_000,
    env: { PATH: `${dir}:/usr/bin:/bin`, HOME: dir, TMPDIR: dir, CALLS: calls, CI_JOB_ID: '1', CI_PIPELINE_ID: '1', CI_PROJECT_ID: '1', ...job.variables, ...env },
  });
  let recorded: string[] = [];
  try {
    recorded = readFileSync(calls, 'utf8').split('\n').filter(Boolean);
  } catch {
    // No stub was called.
  }
  return { status: result.status, output: `${result.stdout}${result.stderr}`, calls: recorded };
}

const THROTTLED_AWS = `case "$*" in *--version*) exit 0 ;; esac
echo 'An error occurred (ThrottlingException) when calling the GetCallerIdentity operation: Rate exceeded' >&2
exit 255`;
/** A daemon that answers, a builder for linux/amd64, and a push the registry throttles. */
const THROTTLED_DOCKER = `case "$*" in
  *'buildx inspect'*) echo 'Platforms: linux/amd64' ;;
  *'buildx build'*) echo 'ERROR: failed to push: toomanyrequests: Rate exceeded' >&2; exit 1 ;;
esac
exit 0`;
const BUILDX_LOCAL = { 'buildx-driver': 'docker', qemu: 'never', cache: 'none', services: [], 'docker-tls-certdir': '', 'retry-delay': 0 };
const BRANCH = {
  ECR_REGISTRY: '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
  CI_COMMIT_SHA: '0123456789abcdef0123456789abcdef01234567',
  CI_COMMIT_SHORT_SHA: '01234567',
  CI_COMMIT_BRANCH: 'feature',
  CI_COMMIT_REF_SLUG: 'feature',
  CI_DEFAULT_BRANCH: 'main',
};
const builds = (calls: readonly string[]) => calls.filter((call) => call.startsWith('docker buildx build '));

describe('retries: the attempts after the first', () => {
  const ecrLogin = (retries: number) =>
    run(renderJob('ecr-login', { credentials: 'static', registries: '123456789012', 'aws-region': 'eu-west-1', retries, 'retry-delay': 0 }, '.ecr-login'), { aws: THROTTLED_AWS, docker: 'exit 0' }, {
      AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    });

  it.each([
    [0, 1],
    [2, 3],
  ])('ecr-login with retries %i calls a throttled STS %i times', (retries, calls) => {
    const result = ecrLogin(retries);
    expect(result.status, result.output).toBe(1);
    expect(result.calls.filter((call) => call.includes('sts get-caller-identity')), result.output).toHaveLength(calls);
  });

  it.each([
    [0, 1],
    [2, 3],
  ])('buildx-ecr with retries %i runs a build the registry throttles %i times', (retries, calls) => {
    const result = run(renderJob('buildx-ecr', { 'image-name': 'team/app', platforms: 'linux/amd64', retries, ...BUILDX_LOCAL }), { docker: THROTTLED_DOCKER }, BRANCH);
    expect(result.status, result.output).toBe(1);
    expect(builds(result.calls), result.output).toHaveLength(calls);
    expect(result.output).toContain(`(attempt ${calls} of ${calls})`);
  });
});

describe('buildx-ecr reads image-name, platforms and tags as docs/inputs.md says', () => {
  const build = (inputs: Record<string, unknown>) => {
    const result = run(renderJob('buildx-ecr', { retries: 0, ...BUILDX_LOCAL, ...inputs }), { docker: THROTTLED_DOCKER }, BRANCH);
    const [call] = builds(result.calls);
    if (call === undefined) throw new Error(result.output);
    return { argv: call.split(' '), output: result.output };
  };
  const after = (argv: readonly string[], flag: string) => argv.flatMap((arg, i) => (arg === flag ? [argv[i + 1]] : []));

  it('a name without a registry host is a repository in the ecr-login registry', () => {
    expect(after(build({ 'image-name': 'Team/App', platforms: 'linux/amd64' }).argv, '--tag')).toContain('123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app:01234567');
  });

  it('a name with a host (a dot or a port) names its registry', () => {
    expect(after(build({ 'image-name': 'registry.example.com:5000/team/app', platforms: 'linux/amd64' }).argv, '--tag')).toContain('registry.example.com:5000/team/app:01234567');
  });

  it('platforms and tags are strings split on spaces, commas and newlines, empty items dropped', () => {
    const { argv, output } = build({ 'image-name': 'team/app', platforms: ' linux/amd64,\n', tags: 'one, two\n\nthree ' });
    expect(after(argv, '--platform')).toEqual(['linux/amd64']);
    // The first tag is pushed; the others are set on the pushed digest.
    expect(output).toContain('buildx-ecr: tags: 01234567 feature one two three (pushed as 01234567,');
  });
});
