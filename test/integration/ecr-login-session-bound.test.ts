/**
 * ecr-login in credential-helper mode with an assumed role (issue 11 §2 item 7): the helper fetches
 * each registry token with the role session's credentials, so once the session ends (after
 * `role-duration-seconds`) every pull and push of the job fails; a long emulated build hits that.
 * The login must say so when the session is shorter than the job may run (`CI_JOB_TIMEOUT`, in
 * seconds, a predefined GitLab variable), before it spends anything on the login.
 *
 * The hidden job's before_script as rendered, in `sh` with the real AWS CLI v2 against a loopback
 * port where nothing listens: the warning is due before the first STS call, which then fails.
 * Root only, like the rest of the integration project.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderLoginJob, runShell } from '../helpers/ecr-login-job.js';
import { describeUnavailable, integrationUnavailable } from '../helpers/integration.js';

describeUnavailable('ecr-login role session and job timeout');

const WARNING = /^ecr-login: WARNING: the role session ends after role-duration-seconds/m;

describe.runIf(integrationUnavailable === undefined)('ecr-login role session and job timeout', () => {
  const login = (inputs: Readonly<Record<string, string | number>>, jobTimeout: string): string => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'catalog-session-'));
    try {
      const job = renderLoginJob(dir, {
        credentials: 'static',
        'aws-role-arn': 'arn:aws:iam::123456789012:role/ecr-push',
        'aws-region': 'eu-west-1',
        registries: '123456789012',
        'aws-endpoint-url': 'http://127.0.0.1:9',
        retries: 0,
        ...inputs,
      });
      const result = runShell(job.beforeScript, dir, {
        PATH: '/usr/bin:/bin',
        HOME: dir,
        TMPDIR: dir,
        ...job.variables,
        AWS_ACCESS_KEY_ID: 'AKIAFAKETEST12345678',
        AWS_SECRET_ACCESS_KEY: 'not-a-real-secret',
        CI_JOB_ID: '1',
        CI_PIPELINE_ID: '1',
        CI_PROJECT_ID: '1',
        CI_JOB_TIMEOUT: jobTimeout,
      });
      // Nothing answers at the endpoint: the login fails at sts assume-role, after its checks.
      expect(result.status, result.output).toBe(1);
      expect(result.output).toContain('could not assume arn:aws:iam::123456789012:role/ecr-push');
      return result.output;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it('credential-helper with a 900 s role session in a job that may run 3600 s: warns with both numbers and what to change', () => {
    const output = login({ mode: 'credential-helper', 'role-duration-seconds': 900 }, '3600');
    expect(output).toMatch(WARNING);
    const warning = output.split('\n').find((line) => WARNING.test(line)) ?? '';
    expect(warning).toContain('900');
    expect(warning).toContain('3600');
    // The warning comes before the first STS call.
    expect(output.indexOf(warning)).toBeLessThan(output.indexOf('could not assume'));
  });

  it('control: no warning when the session lasts as long as the job may run', () => {
    expect(login({ mode: 'credential-helper', 'role-duration-seconds': 3600 }, '3600')).not.toMatch(WARNING);
  });

  it('control: no warning where the runner gives no job timeout (gitlab-ci-local)', () => {
    expect(login({ mode: 'credential-helper', 'role-duration-seconds': 900 }, '')).not.toMatch(WARNING);
  });
});
