/**
 * A component's job as GitLab would render it (the built templates/<component>.yml, interpolated in
 * process), and a way to run its script in a real `sh` with stub commands first on PATH that record
 * their calls: for the unit tests of the components' shell that need no real AWS, docker or registry.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { onTestFinished } from 'vitest';
import { interpolateComponent } from '../../scripts/gitlab/component/load.js';
import { isInterpolatable, parseComponentSource } from '../../scripts/gitlab/component/source.js';
import { fromPlain, isValueMap, toPlain, type ValueMap } from '../../scripts/gitlab/ruby/value.js';
import { REPO_ROOT } from './cli.js';

export interface Job {
  readonly variables: Record<string, string>;
  readonly lines: readonly string[];
}

/**
 * The component's job rendered with `inputs`: the `hidden` job's before_script when given (ecr-login's
 * `.ecr-login`), else the first non-hidden job's script.
 */
export function renderJob(component: string, inputs: Record<string, unknown>, hidden?: string): Job {
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

export interface StubRun {
  readonly status: number | null;
  /** stdout, then stderr. */
  readonly output: string;
  /** Each stub call as `<name> <arguments>`, in order. */
  readonly calls: readonly string[];
  /** The run's scratch directory (its cwd, HOME and TMPDIR; $STUBS in the stubs), removed when the test ends. */
  readonly dir: string;
}

/** Runs the job's lines with `stubs` (name → sh body) first on PATH; returns the exit code, output and recorded calls. */
export function runWithStubs(job: Job, stubs: Record<string, string>, env: Record<string, string> = {}): StubRun {
  const dir = mkdtempSync(path.join(tmpdir(), 'catalog-component-shell-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const calls = path.join(dir, 'calls');
  for (const [name, body] of Object.entries(stubs)) {
    writeFileSync(path.join(dir, name), `#!/bin/sh\nprintf '%s\\n' "${name} $*" >> "$CALLS"\n${body}\n`);
    chmodSync(path.join(dir, name), 0o755);
  }
  const result = spawnSync('sh', ['-c', job.lines.join('\n')], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 60_000,
    env: { PATH: `${dir}:/usr/bin:/bin`, HOME: dir, TMPDIR: dir, CALLS: calls, STUBS: dir, CI_JOB_ID: '1', CI_PIPELINE_ID: '1', CI_PROJECT_ID: '1', ...job.variables, ...env },
  });
  let recorded: string[] = [];
  try {
    recorded = readFileSync(calls, 'utf8').split('\n').filter(Boolean);
  } catch {
    // No stub was called.
  }
  return { status: result.status, output: `${result.stdout}${result.stderr}`, calls: recorded, dir };
}
