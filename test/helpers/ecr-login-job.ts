/**
 * ecr-login's hidden job as `catalog interpolate` renders it (the built CLI in dist/), and a way to
 * run its before_script or after_script in a real `sh`, as a shell runner runs a job's steps: for
 * the integration tests that exercise the template's shell with real tools and no pipeline around it.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './integration.js';

export interface RenderedLoginJob {
  /** The job's `variables:`, as the runner would export them (numbers as text). */
  readonly variables: Readonly<Record<string, string>>;
  readonly beforeScript: string;
  readonly afterScript: string;
}

/** Renders templates/ecr-login.yml with `inputs` (written to `<dir>/inputs.json`) and returns its `.ecr-login` job. */
export function renderLoginJob(dir: string, inputs: Readonly<Record<string, string | number | boolean>>): RenderedLoginJob {
  const inputsFile = path.join(dir, 'inputs.json');
  writeFileSync(inputsFile, JSON.stringify(inputs));
  const rendered = spawnSync(process.execPath, [path.join(REPO_ROOT, 'dist/scripts/cli/main.js'), 'interpolate', path.join(REPO_ROOT, 'templates/ecr-login.yml'), '--inputs', inputsFile], { encoding: 'utf8' });
  if (rendered.status !== 0) throw new Error(`catalog interpolate failed (${rendered.status}): ${rendered.stderr}`);
  const jobs = JSON.parse(rendered.stdout) as Record<string, { variables: Record<string, string | number>; before_script: string[]; after_script: string[] }>;
  const job = jobs['.ecr-login'];
  if (job === undefined) throw new Error('no .ecr-login job in the rendered component');
  return {
    variables: Object.fromEntries(Object.entries(job.variables).map(([key, value]) => [key, String(value)])),
    beforeScript: job.before_script.join('\n'),
    afterScript: job.after_script.join('\n'),
  };
}

export interface ShellRun {
  readonly status: number | null;
  /** stdout and stderr, one after the other. */
  readonly output: string;
}

/**
 * Runs `script` with `sh -c` in `cwd` with exactly `env` (nothing inherited). `prefix` is a command
 * put before `sh` (e.g. `['unshare', '--net']` for a job without any network).
 */
export function runShell(script: string, cwd: string, env: Readonly<Record<string, string>>, prefix: readonly string[] = []): ShellRun {
  const [command, ...args] = [...prefix, 'sh', '-c', script];
  const result = spawnSync(command ?? 'sh', args, { encoding: 'utf8', cwd, timeout: 120_000, env: { ...env } });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** A GitLab-shaped ID token (unsigned; only its public claims matter to the login before STS answers). */
export function fakeIdToken(): string {
  const claims = Buffer.from(JSON.stringify({ iss: 'https://gitlab.example.com', aud: 'https://gitlab.example.com', sub: 'project_path:g/p:ref_type:branch:ref:main' })).toString('base64url');
  return `e30.${claims}.c2lnbmF0dXJl`;
}
