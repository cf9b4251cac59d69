/**
 * ecr-login with `endpoint-type: fips` (issue 11 §2 item 6): FIPS is a requirement on every call to
 * AWS, not only on the registry host. The STS and ECR API calls must go to the FIPS endpoints,
 * which the AWS CLI and SDKs choose when `AWS_USE_FIPS_ENDPOINT=true`.
 *
 * The hidden job's before_script as rendered, in `sh` with the real AWS CLI v2 (Debian's awscli),
 * in a network namespace of its own without any network (`unshare --net`): the CLI cannot resolve
 * any host, and its error names the endpoint it chose, which is what this test reads. Root only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fakeIdToken, renderLoginJob, runShell } from '../helpers/ecr-login-job.js';
import { describeUnavailable, integrationUnavailable } from '../helpers/integration.js';

describeUnavailable('ecr-login FIPS endpoints');

describe.runIf(integrationUnavailable === undefined)('ecr-login FIPS endpoints', () => {
  const stsEndpointTried = (endpointType: string): string => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'catalog-fips-'));
    try {
      const job = renderLoginJob(dir, { 'aws-role-arn': 'arn:aws:iam::123456789012:role/gitlab-ecr-push', 'aws-region': 'us-east-1', registries: '123456789012', 'endpoint-type': endpointType, retries: 0 });
      const result = runShell(
        job.beforeScript,
        dir,
        { PATH: '/usr/bin:/bin', HOME: dir, TMPDIR: dir, ...job.variables, AWS_ID_TOKEN: fakeIdToken(), CI_JOB_ID: '1', CI_PIPELINE_ID: '1', CI_PROJECT_ID: '1', AWS_EC2_METADATA_DISABLED: 'true' },
        ['unshare', '--net'],
      );
      expect(result.status, result.output).toBe(1);
      const endpoint = /Could not connect to the endpoint URL: "([^"]+)"/.exec(result.output)?.[1];
      if (endpoint === undefined) throw new Error(`the AWS CLI named no endpoint:\n${result.output}`);
      return endpoint;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it('endpoint-type fips: the STS call goes to the FIPS endpoint (AWS_USE_FIPS_ENDPOINT=true)', () => {
    expect(stsEndpointTried('fips')).toBe('https://sts-fips.us-east-1.amazonaws.com/');
  });

  it('endpoint-type dual-stack-fips: the STS call goes to the FIPS endpoint too', () => {
    expect(stsEndpointTried('dual-stack-fips')).toBe('https://sts-fips.us-east-1.amazonaws.com/');
  });

  it('control: endpoint-type standard keeps the standard STS endpoint', () => {
    expect(stsEndpointTried('standard')).toBe('https://sts.us-east-1.amazonaws.com/');
  });
});
