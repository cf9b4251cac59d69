/**
 * The AWS calls of ecr-login's hidden job (the login every build job runs in its before_script),
 * counted with a stub `aws` that answers as AWS does and records each call (issue 15): the
 * success path is one credential exchange (with a role only) and one token fetch per region;
 * `aws --version` and `sts get-caller-identity` come only where no other answer names the
 * account, or to explain a failure. The registry password reaches `docker login` on stdin only.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderJob, runWithStubs } from '../helpers/component-shell.js';

const PASSWORD = 'pw-from-the-ecr-token';
const TOKEN = Buffer.from(`AWS:${PASSWORD}`).toString('base64');
const ROLE_ACCOUNT = '210987654321';
const KEYS_ACCOUNT = '123456789012';
/** AWS as the CLI's text output shows it; FAIL_TOKEN / FAIL_CALLER make those calls fail as AWS refuses them. */
const AWS = `case "$*" in
  *'sts assume-role'*) printf 'ASIAEXAMPLE\\tsession-secret\\tsession-token\\t2026-12-08T02:00:00Z\\tarn:aws:sts::${ROLE_ACCOUNT}:assumed-role/ecr-push/gitlab-1\\n' ;;
  *'ecr get-authorization-token'*)
    if [ -n "\${FAIL_TOKEN:-}" ]; then echo 'An error occurred (AccessDeniedException) when calling the GetAuthorizationToken operation: not authorized to perform: ecr:GetAuthorizationToken' >&2; exit 254; fi
    region=$(printf '%s\\n' "$*" | sed -n 's/.*--region \\([^ ]*\\).*/\\1/p')
    printf '%s\\thttps://%s.dkr.ecr.%s.amazonaws.com\\n' '${TOKEN}' "\${TOKEN_ACCOUNT:-${KEYS_ACCOUNT}}" "$region" ;;
  *'ecr-public get-login-password'*) echo public-password ;;
  *'sts get-caller-identity'*)
    if [ -n "\${FAIL_CALLER:-}" ]; then echo 'An error occurred (InvalidClientTokenId) when calling the GetCallerIdentity operation: The security token included in the request is invalid.' >&2; exit 254; fi
    printf '${KEYS_ACCOUNT}\\tarn:aws:iam::${KEYS_ACCOUNT}:user/ci\\n' ;;
  --version) echo 'aws-cli/2.23.6 Python/3.13.1 Linux/6.1 source/x86_64' ;;
  *) echo "stub aws: unexpected call: $*" >&2; exit 2 ;;
esac`;
/** docker login keeps what it read on stdin, as the registry would receive it. */
const DOCKER = `case "$1" in login) cat >> "$STUBS/docker-login-stdin" ;; esac`;
const STATIC_KEYS = { AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const OIDC = { AWS_ID_TOKEN: 'e30.e30.c2lnbmF0dXJl' };

/** The recorded AWS calls as `aws <service> <operation>` (without the options). */
const awsCalls = (calls: readonly string[]) => calls.filter((call) => call.startsWith('aws ')).map((call) => call.replace(/ --(endpoint-url|region) \S+/g, '').replace(/ --(?!version$)\S+.*$/, ''));

/** The build jobs' login (`.ecr-login`'s before_script) with `inputs`, then the variables it exports. */
function login(inputs: Record<string, unknown>, env: Record<string, string>) {
  // auth-targets docker: this machine may have podman, which `auto` would log in too.
  const job = renderJob('ecr-login', { 'aws-region': 'eu-west-1', 'auth-targets': 'docker', retries: 0, 'retry-delay': 0, ...inputs }, '.ecr-login');
  const lines = [...job.lines, 'echo "exports: $ECR_AWS_ACCOUNT_ID $ECR_REGISTRY $ECR_REGION"'];
  const result = runWithStubs({ ...job, lines }, { aws: AWS, docker: DOCKER }, env);
  const aws = awsCalls(result.calls);
  const exports = /^exports: (.*)$/m.exec(result.output)?.[1];
  let passwords = '';
  try {
    passwords = readFileSync(path.join(result.dir, 'docker-login-stdin'), 'utf8');
  } catch {
    // docker login did not run.
  }
  return { ...result, aws, exports, passwords, dockerLogins: result.calls.filter((call) => call.startsWith('docker login')) };
}

describe('ecr-login: the AWS calls of a build job\'s login', () => {
  it('with a role: the credential exchange and one token fetch, the account from the STS answer', () => {
    const result = login({ 'aws-role-arn': `arn:aws:iam::${ROLE_ACCOUNT}:role/ecr-push`, registries: KEYS_ACCOUNT }, OIDC);
    expect(result.status, result.output).toBe(0);
    expect(result.aws).toEqual(['aws sts assume-role-with-web-identity', 'aws ecr get-authorization-token']);
    expect(result.exports).toBe(`${ROLE_ACCOUNT} ${KEYS_ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com eu-west-1`);
    // The password from the base64 "AWS:<password>" token, on docker login's stdin only.
    expect(result.dockerLogins).toEqual([`docker login --username AWS --password-stdin ${KEYS_ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com`]);
    expect(result.passwords.trim()).toBe(PASSWORD);
    expect(result.output).not.toContain(PASSWORD);
    expect(result.calls.join('\n')).not.toContain(PASSWORD);
  });

  it('without a role: the token fetch alone, the account from the registry endpoint it returns', () => {
    const result = login({ credentials: 'static', registries: KEYS_ACCOUNT }, STATIC_KEYS);
    expect(result.status, result.output).toBe(0);
    expect(result.aws).toEqual(['aws ecr get-authorization-token']);
    expect(result.exports).toBe(`${KEYS_ACCOUNT} ${KEYS_ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com eu-west-1`);
    expect(result.passwords.trim()).toBe(PASSWORD);
  });

  it('without registries: the same one call names the default registry and gives its password', () => {
    const result = login({ credentials: 'static' }, { ...STATIC_KEYS, TOKEN_ACCOUNT: '111122223333' });
    expect(result.status, result.output).toBe(0);
    expect(result.aws).toEqual(['aws ecr get-authorization-token']);
    expect(result.exports).toBe('111122223333 111122223333.dkr.ecr.eu-west-1.amazonaws.com eu-west-1');
    expect(result.passwords.trim()).toBe(PASSWORD);
  });

  it('one token per region: two registries in two regions, two token fetches', () => {
    const result = login({ credentials: 'static', registries: `${KEYS_ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com ${KEYS_ACCOUNT}.dkr.ecr.us-east-2.amazonaws.com` }, STATIC_KEYS);
    expect(result.status, result.output).toBe(0);
    expect(result.calls.filter((call) => call.startsWith('aws ')).map((call) => /--region (\S+)/.exec(call)?.[1])).toEqual(['eu-west-1', 'us-east-2']);
    expect(result.dockerLogins).toHaveLength(2);
  });

  it('allowed-account-ids is enforced before any registry login', () => {
    const withRole = login({ 'aws-role-arn': `arn:aws:iam::${ROLE_ACCOUNT}:role/ecr-push`, registries: KEYS_ACCOUNT, 'allowed-account-ids': KEYS_ACCOUNT }, OIDC);
    expect(withRole.status, withRole.output).toBe(1);
    expect(withRole.output).toContain(`ecr-login: ERROR: account ${ROLE_ACCOUNT} is not in allowed-account-ids (${KEYS_ACCOUNT})`);
    expect(withRole.aws).toEqual(['aws sts assume-role-with-web-identity']);
    const withKeys = login({ credentials: 'static', registries: KEYS_ACCOUNT, 'allowed-account-ids': ROLE_ACCOUNT }, STATIC_KEYS);
    expect(withKeys.status, withKeys.output).toBe(1);
    expect(withKeys.output).toContain(`ecr-login: ERROR: account ${KEYS_ACCOUNT} is not in allowed-account-ids (${ROLE_ACCOUNT})`);
    expect(withKeys.dockerLogins).toEqual([]);
  });

  it('a token fetch that fails runs get-caller-identity (and prints the CLI version) to tell the permission from the credentials', () => {
    const denied = login({ credentials: 'static', registries: KEYS_ACCOUNT }, { ...STATIC_KEYS, FAIL_TOKEN: '1' });
    expect(denied.status, denied.output).toBe(1);
    expect(denied.aws).toEqual(['aws ecr get-authorization-token', 'aws --version', 'aws sts get-caller-identity']);
    expect(denied.output).toContain('ecr-login: aws-cli/2.23.6 Python/3.13.1');
    expect(denied.output).toContain(`ecr-login: caller: arn:aws:iam::${KEYS_ACCOUNT}:user/ci (account ${KEYS_ACCOUNT})`);
    expect(denied.output).toContain('ecr-login: ERROR: could not get an ECR token in eu-west-1 (needs ecr:GetAuthorizationToken)');
    expect(denied.dockerLogins).toEqual([]);

    const broken = login({ credentials: 'static', registries: KEYS_ACCOUNT }, { ...STATIC_KEYS, FAIL_TOKEN: '1', FAIL_CALLER: '1' });
    expect(broken.status, broken.output).toBe(1);
    expect(broken.output).toContain('ecr-login: ERROR: the static credentials do not work (sts:GetCallerIdentity failed; see the AWS CLI message above)');

    const defaultRegistry = login({ credentials: 'static' }, { ...STATIC_KEYS, FAIL_TOKEN: '1' });
    expect(defaultRegistry.status, defaultRegistry.output).toBe(1);
    expect(defaultRegistry.output).toContain(`ecr-login: ERROR: could not read the default registry of account ${KEYS_ACCOUNT} (needs ecr:GetAuthorizationToken)`);
  });

  it('ECR Public without a role: get-caller-identity names the account (no other call does), then the token', () => {
    const result = login({ credentials: 'static', 'registry-type': 'public', 'aws-region': '' }, STATIC_KEYS);
    expect(result.status, result.output).toBe(0);
    expect(result.aws).toEqual(['aws sts get-caller-identity', 'aws ecr-public get-login-password']);
    expect(result.exports).toBe(`${KEYS_ACCOUNT} public.ecr.aws us-east-1`);
    expect(result.passwords.trim()).toBe('public-password');
  });

  it('credential-helper mode with a role and registries: the exchange only (the helper fetches its own tokens)', () => {
    const result = runWithStubs(
      renderJob('ecr-login', { 'aws-role-arn': `arn:aws:iam::${ROLE_ACCOUNT}:role/ecr-push`, registries: KEYS_ACCOUNT, 'aws-region': 'eu-west-1', 'auth-targets': 'docker', mode: 'credential-helper', retries: 0 }, '.ecr-login'),
      { aws: AWS, docker: DOCKER, 'docker-credential-ecr-login': 'exit 0', jq: 'exec /usr/bin/jq "$@"' },
      OIDC,
    );
    expect(result.status, result.output).toBe(0);
    expect(awsCalls(result.calls)).toEqual(['aws sts assume-role-with-web-identity']);
  });
});
