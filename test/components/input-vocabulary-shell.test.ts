/**
 * The shared inputs of docs/inputs.md as the components' shell reads them: each component rendered
 * with the inputs GitLab would pass, its job script run by `sh` with stub `aws`/`docker` commands
 * that record their calls and fail as a throttled registry does.
 * - `retries` counts the attempts after the first (as GitLab's `retry:` does): `retries: 2` is three
 *   calls, `retries: 0` one;
 * - buildx-ecr's `image-name` without a registry host is a repository in `$ECR_REGISTRY`, with a
 *   host it names the registry; `platforms` and `tags` are strings split on spaces, commas and
 *   newlines, empty items dropped.
 * And buildx-ecr's daemon and builder checks: each question asked once per state of the builder.
 */
import { describe, expect, it } from 'vitest';
import { renderJob, runWithStubs as run } from '../helpers/component-shell.js';

const THROTTLED_AWS = `case "$*" in *--version*) exit 0 ;; esac
echo 'An error occurred (ThrottlingException) when calling the GetAuthorizationToken operation: Rate exceeded' >&2
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
  ])('ecr-login with retries %i calls a throttled AWS %i times per call', (retries, calls) => {
    const result = ecrLogin(retries);
    expect(result.status, result.output).toBe(1);
    // The token fetch (the login's only AWS call without a role), then, to explain its failure,
    // get-caller-identity: each attempted retries + 1 times.
    expect(result.calls.filter((call) => call.includes('ecr get-authorization-token')), result.output).toHaveLength(calls);
    expect(result.calls.filter((call) => call.includes('sts get-caller-identity')), result.output).toHaveLength(calls);
    expect(result.calls.filter((call) => call.startsWith('aws ')), result.output).toHaveLength(2 * calls + 1);
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

describe('buildx-ecr asks the daemon and the builder once per state (issue 15)', () => {
  /** A daemon that names its version, a builder for linux/amd64, a build that fails for good (the sections before it are the point). */
  const DOCKER = `case "$*" in
  'version --format'*) echo 29.5.2 ;;
  'buildx version') echo 'github.com/docker/buildx v0.23.0' ;;
  *'buildx inspect'*) printf 'Name: b\\nDriver: x\\nPlatforms: linux/amd64, linux/386\\n' ;;
  *'buildx build'*) echo 'ERROR: invalid tag' >&2; exit 1 ;;
esac
exit 0`;
  const startup = (driver: string) => {
    const result = run(renderJob('buildx-ecr', { 'image-name': 'team/app', platforms: 'linux/amd64', retries: 0, ...BUILDX_LOCAL, 'buildx-driver': driver }), { docker: DOCKER }, BRANCH);
    expect(builds(result.calls), result.output).toHaveLength(1);
    return result;
  };

  it.each([
    ['docker', 'docker buildx inspect default'],
    ['docker-container', 'docker buildx inspect --bootstrap buildx-ecr-1'],
  ])('with the %s driver and no QEMU needed: one docker version, one buildx version, one buildx inspect', (driver, inspect) => {
    const result = startup(driver);
    expect(result.calls.filter((call) => call.startsWith('docker version'))).toEqual(['docker version --format {{.Server.Version}}']);
    expect(result.calls.filter((call) => call.startsWith('docker buildx version'))).toHaveLength(1);
    expect(result.calls.filter((call) => call.includes('buildx inspect'))).toEqual([inspect]);
    // What the repeated calls used to say, said from the one answer.
    expect(result.output).toMatch(/^buildx-ecr: docker 29\.5\.2 at tcp:\/\/docker:2375$/m);
    expect(result.output).toMatch(/^buildx-ecr: github\.com\/docker\/buildx v0\.23\.0$/m);
    expect(result.output).toMatch(/^buildx-ecr: builder platforms: linux\/amd64, linux\/386$/m);
  });
});
