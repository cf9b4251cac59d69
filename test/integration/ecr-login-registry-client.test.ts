/**
 * ecr-login in an image without any registry client (issue 11 §2 item 10). The `image` input said
 * a registry client (docker, podman, buildah, skopeo) is installed when missing; the login never
 * installs one (only the AWS CLI, and the credential helper and jq for its mode), and told the user
 * so only after its calls to STS and ECR. The image needs a registry client: the description says
 * so, and the login says it before any AWS call.
 *
 * The hidden job's before_script as rendered, in `sh` with a PATH of its own: every command of
 * /usr/bin (the real AWS CLI v2 included) except the registry clients. The AWS endpoint is a
 * loopback port where nothing listens, so any AWS call would fail with "Could not connect". Root
 * only, like the rest of the integration project.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fakeIdToken, renderLoginJob, runShell } from '../helpers/ecr-login-job.js';
import { describeUnavailable, integrationUnavailable, REPO_ROOT } from '../helpers/integration.js';

describeUnavailable('ecr-login without a registry client');

const REGISTRY_CLIENTS = new Set(['docker', 'podman', 'buildah', 'skopeo']);

describe.runIf(integrationUnavailable === undefined)('ecr-login without a registry client', () => {
  const login = (inputs: Readonly<Record<string, string | number>>): string => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'catalog-no-client-'));
    try {
      const bin = path.join(dir, 'bin');
      mkdirSync(bin);
      for (const name of readdirSync('/usr/bin')) {
        if (!REGISTRY_CLIENTS.has(name)) symlinkSync(path.join('/usr/bin', name), path.join(bin, name));
      }
      const job = renderLoginJob(dir, { 'aws-role-arn': 'arn:aws:iam::123456789012:role/gitlab-ecr-push', 'aws-region': 'eu-west-1', registries: '123456789012', 'aws-endpoint-url': 'http://127.0.0.1:9', retries: 0, ...inputs });
      const result = runShell(job.beforeScript, dir, { PATH: bin, HOME: dir, TMPDIR: dir, ...job.variables, AWS_ID_TOKEN: fakeIdToken(), CI_JOB_ID: '1', CI_PIPELINE_ID: '1', CI_PROJECT_ID: '1' });
      expect(result.status, result.output).toBe(1);
      return result.output;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it.each(['auto', 'docker', 'podman'])('auth-targets %s: says the image needs a registry client, before any AWS call', (targets) => {
    const output = login({ 'auth-targets': targets });
    expect(output).toMatch(/^ecr-login: ERROR: auth-targets(: auto found none of docker, podman, buildah, skopeo| includes docker but the docker CLI is not installed| includes podman but none of podman, buildah, skopeo is installed)/m);
    expect(output).not.toContain('Could not connect to the endpoint URL');
  });

  it('control: credential-helper mode with auth-targets docker needs no docker CLI to write its entry, and goes on to STS', () => {
    expect(login({ 'auth-targets': 'docker', mode: 'credential-helper' })).toContain('Could not connect to the endpoint URL');
  });

  it('the image input does not promise to install a registry client', () => {
    // The input's folded description, up to its default, as the spec header has it.
    const template = readFileSync(path.join(REPO_ROOT, 'templates/ecr-login.yml'), 'utf8');
    const description = (/^ {4}image:\n {6}description: >-\n([\s\S]*?)^ {6}default:/m.exec(template)?.[1] ?? '').replace(/\s+/g, ' ');
    expect(description).toMatch(/registry client/);
    expect(description).not.toMatch(/registry client[^.]*installed/);
  });
});
