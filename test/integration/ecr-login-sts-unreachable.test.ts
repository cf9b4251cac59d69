/**
 * ecr-login when STS cannot be reached (a runner without a route to AWS, a wrong aws-endpoint-url,
 * a proxy that is not set): the job must say that STS was not reached, not explain a refused ID
 * token. Found in job containers (test/pipelines): a job that could not reach moto was told "the
 * GitLab ID token was refused" with four trust-policy causes, none of which applied.
 *
 * The hidden job's before_script as `catalog interpolate` renders it, run in `sh` with the real
 * AWS CLI v2 (Debian's awscli, installed by the integration setup) against a loopback port where
 * nothing listens. Root only (the setup installs the CLI), like the rest of the integration project.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fakeIdToken, renderLoginJob, runShell } from '../helpers/ecr-login-job.js';
import { describeUnavailable, integrationUnavailable } from '../helpers/integration.js';

describeUnavailable('ecr-login with STS out of reach');

describe.runIf(integrationUnavailable === undefined)('ecr-login with STS out of reach', () => {
  it('says STS could not be reached at the endpoint, and does not explain a refused ID token', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'catalog-sts-'));
    try {
      // Port 9 (discard) on loopback: nothing listens there.
      const job = renderLoginJob(dir, { 'aws-role-arn': 'arn:aws:iam::123456789012:role/gitlab-ecr-push', 'aws-region': 'eu-west-1', registries: '123456789012', 'aws-endpoint-url': 'http://127.0.0.1:9', retries: 0 });
      const result = runShell(job.beforeScript, dir, { PATH: '/usr/bin:/bin', HOME: dir, TMPDIR: dir, ...job.variables, AWS_ID_TOKEN: fakeIdToken(), CI_JOB_ID: '1', CI_PIPELINE_ID: '1', CI_PROJECT_ID: '1' });
      const output = result.output;
      expect(result.status, output).toBe(1);
      expect(output).toContain('Could not connect to the endpoint URL');
      expect(output).toMatch(/^ecr-login: ERROR: could not reach STS at http:\/\/127\.0\.0\.1:9/m);
      expect(output).not.toContain('the GitLab ID token was refused');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
