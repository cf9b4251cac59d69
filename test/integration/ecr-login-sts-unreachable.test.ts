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
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeUnavailable, integrationUnavailable, REPO_ROOT } from '../helpers/integration.js';

describeUnavailable('ecr-login with STS out of reach');

describe.runIf(integrationUnavailable === undefined)('ecr-login with STS out of reach', () => {
  it('says STS could not be reached at the endpoint, and does not explain a refused ID token', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'catalog-sts-'));
    try {
      const inputs = path.join(dir, 'inputs.json');
      // Port 9 (discard) on loopback: nothing listens there.
      writeFileSync(inputs, JSON.stringify({ 'aws-role-arn': 'arn:aws:iam::123456789012:role/gitlab-ecr-push', 'aws-region': 'eu-west-1', registries: '123456789012', 'aws-endpoint-url': 'http://127.0.0.1:9', retries: 0 }));
      const rendered = spawnSync(process.execPath, [path.join(REPO_ROOT, 'dist/scripts/cli/main.js'), 'interpolate', path.join(REPO_ROOT, 'templates/ecr-login.yml'), '--inputs', inputs], { encoding: 'utf8' });
      expect(rendered.status, rendered.stderr).toBe(0);
      const job = (JSON.parse(rendered.stdout) as Record<string, { variables: Record<string, string | number>; before_script: string[] }>)['.ecr-login'];
      if (job === undefined) throw new Error('no .ecr-login job in the rendered component');
      const variables = Object.fromEntries(Object.entries(job.variables).map(([k, v]) => [k, String(v)]));
      const claims = Buffer.from(JSON.stringify({ iss: 'https://gitlab.example.com', aud: 'https://gitlab.example.com', sub: 'project_path:g/p:ref_type:branch:ref:main' })).toString('base64url');
      const result = spawnSync('sh', ['-c', job.before_script.join('\n')], {
        encoding: 'utf8',
        cwd: dir,
        timeout: 120_000,
        env: { PATH: '/usr/bin:/bin', HOME: dir, TMPDIR: dir, ...variables, AWS_ID_TOKEN: `e30.${claims}.c2lnbmF0dXJl`, CI_JOB_ID: '1', CI_PIPELINE_ID: '1', CI_PROJECT_ID: '1' },
      });
      const output = `${result.stdout}${result.stderr}`;
      expect(result.status, output).toBe(1);
      expect(output).toContain('Could not connect to the endpoint URL');
      expect(output).toMatch(/^ecr-login: ERROR: could not reach STS at http:\/\/127\.0\.0\.1:9/m);
      expect(output).not.toContain('the GitLab ID token was refused');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
