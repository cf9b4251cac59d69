/**
 * Runs a rendered pipeline's jobs on this host the way GitLab Runner's shell executor would (the
 * engine of the harness's emulation runner, `emulationRunner` in environment.ts):
 * stages and `needs:` order the jobs, `rules:`/`only:`/`except:`/`when:` decide which run, each job
 * gets GitLab's predefined variables plus its own and the dotenv reports of the jobs it depends on,
 * `before_script` + `script` run in one `sh` fed on stdin with the runner's preamble
 * (`set -o errexit`, `pipefail` where the shell has it), `after_script` in a second shell whose
 * failure is ignored. Images are not pulled: the log says which one the job would have used.
 */
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { isValueMap, type Value, type ValueMap } from '../../scripts/gitlab/ruby/value.js';
import { parseDotenv } from './dotenv.js';
import { jobPredefinedVariables, pipelineVariables, slugify, yamlVariable, type PipelineContext } from '../../scripts/gitlab/jobs/job-variables.js';
import { evaluateInclusion, type When } from '../../scripts/gitlab/jobs/job-rules.js';
import type { JobVariable } from '../../scripts/gitlab/variables.js';
import { expandJobVariables, expandValue, resolvePipeline, toEnvironment, type PipelineJob } from './jobs.js';
import type { ExtraVariable, JobResult, JobStatus, PipelineResult } from './runner.js';

export type { PipelineContext } from '../../scripts/gitlab/jobs/job-variables.js';

export interface RunPipelineOptions {
  readonly context: PipelineContext;
  readonly variables?: readonly ExtraVariable[] | undefined;
  /** The JWT for each `id_tokens` name; a job asking for a name not given fails. Always masked. */
  readonly idTokens?: Readonly<Record<string, string>> | undefined;
  /** Logs (`logs/`) and file variables (`tmp/`) go here. */
  readonly workDir: string;
  /** The base environment of every job (PATH, HOME, TMPDIR, …); default: those three from this process. */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
  readonly log?: ((line: string) => void) | undefined;
  /** Job output goes to `log` too, each line prefixed with `[job]`. */
  readonly verbose?: boolean | undefined;
  /** Jobs running at once (default 4). */
  readonly concurrency?: number | undefined;
  /** The job shell (default `sh`). */
  readonly shell?: string | undefined;
  /** Default job timeout (GitLab's project default: 1 hour). */
  readonly jobTimeoutMs?: number | undefined;
  /** `after_script` timeout (GitLab Runner's default: 5 minutes). */
  readonly afterScriptTimeoutMs?: number | undefined;
  readonly signal?: AbortSignal | undefined;
}

const DEFAULT_JOB_TIMEOUT_MS = 60 * 60 * 1000;
const DEFAULT_AFTER_SCRIPT_TIMEOUT_MS = 5 * 60 * 1000;
const LOG_TAIL_LINES = 30;

interface Planned {
  readonly job: PipelineJob;
  readonly id: number;
  readonly when: When;
  readonly allowFailure: Value | undefined;
  readonly rulesVariables: ReadonlyMap<string, Value>;
  readonly yamlVariables: readonly JobVariable[];
  readonly reason: string;
}

/** GitLab duration strings (`1h 30m`, `10 minutes`, `3600`): milliseconds, or undefined. */
export function parseDuration(text: string): number | undefined {
  const units: Record<string, number> = { s: 1, sec: 1, secs: 1, second: 1, seconds: 1, m: 60, min: 60, mins: 60, minute: 60, minutes: 60, h: 3600, hr: 3600, hrs: 3600, hour: 3600, hours: 3600, d: 86400, day: 86400, days: 86400, w: 604800, week: 604800, weeks: 604800 };
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  let total = 0;
  let matched = '';
  for (const m of trimmed.matchAll(/(\d+(?:\.\d+)?)\s*([a-z]+)[\s,]*(?:and\s+)?/gi)) {
    const unit = units[(m[2] as string).toLowerCase()];
    if (unit === undefined) return undefined;
    total += Number(m[1]) * unit;
    matched += m[0];
  }
  return matched.length === trimmed.length && total > 0 ? total * 1000 : undefined;
}

/** POSIX single quoting. */
const shellQuote = (text: string): string => `'${text.replaceAll("'", `'\\''`)}'`;

/**
 * The script the runner generates for a `sh`/`bash` step (gitlab-runner `shells/bash.go`,
 * `BashWriter.Finish`): terminate on TERM, `pipefail` when the shell knows it, `errexit`, then the
 * step's commands in one `eval` with an empty stdin, each announced as `$ command`.
 */
export function runnerScript(commands: readonly string[]): string {
  const body = commands
    .map((command) => {
      const lines = command.split('\n');
      const shown = lines.length > 1 ? `${lines[0] ?? ''} # collapsed multi-line command` : command;
      return `printf '%s\\n' ${shellQuote(`$ ${shown}`)}\n${command}\n`;
    })
    .join('');
  return [
    'trap exit 1 TERM',
    '',
    'if set -o | grep pipefail > /dev/null; then set -o pipefail; fi; set -o errexit',
    'set +o noclobber',
    `: | eval ${shellQuote(body)}`,
    'exit 0',
    '',
  ].join('\n');
}

/** Replaces every masked value by `[MASKED]`, longest first. */
function masker(values: Iterable<string>): (text: string) => string {
  const secrets = [...new Set(values)].filter((v) => v.length > 0).sort((a, b) => b.length - a.length);
  return (text) => secrets.reduce((out, secret) => out.split(secret).join('[MASKED]'), text);
}

function allowFailureFor(value: Value | undefined, exitCode: number | undefined): boolean {
  if (value === true) return true;
  if (isValueMap(value)) {
    const codes = value.get('exit_codes');
    const list = Array.isArray(codes) ? codes : [codes];
    return exitCode !== undefined && list.some((code) => code === exitCode);
  }
  return false;
}

function baseEnvironment(options: RunPipelineOptions): Record<string, string> {
  const source = options.env ?? { PATH: process.env['PATH'], HOME: process.env['HOME'], TMPDIR: process.env['TMPDIR'] };
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(source)) if (value !== undefined) env[key] = value;
  return env;
}

export async function runPipeline(pipeline: ValueMap, options: RunPipelineOptions): Promise<PipelineResult> {
  const log = options.log ?? (() => {});
  const ctx = options.context;
  const resolved = resolvePipeline(pipeline);
  for (const warning of resolved.warnings) log(`warning: ${warning}`);
  if (resolved.errors.length > 0) return { status: 'failed', jobs: [], errors: resolved.errors };
  const errors: string[] = [];
  const extras = (options.variables ?? []).map((v): JobVariable => ({ key: v.key, value: v.value, masked: v.masked, raw: v.raw, file: v.file }));
  const pipelineVars = pipelineVariables(ctx);

  // Which jobs are in the pipeline, with the variables rules see: predefined, YAML, caller's.
  const planned: Planned[] = [];
  const firstId = ctx.firstJobId ?? 1;
  resolved.jobs.forEach((job, index) => {
    const id = firstId + index;
    const yamlVariables = [...job.config.variables].flatMap(([key, value]) => yamlVariable(key, value) ?? []);
    const ruleVariables = toEnvironment(expandJobVariables([...pipelineVars, ...jobPredefinedVariables(ctx, { name: job.name, stage: job.stage, id }), ...yamlVariables, ...extras]));
    const inclusion = evaluateInclusion({
      rules: job.config.rules,
      only: job.config.only,
      except: job.config.except,
      when: job.config.when,
      variables: new Map([...ruleVariables].map(([key, v]) => [key, v.value])),
      ref: { ref: ctx.ref, tag: ctx.tag === true, source: ctx.pipelineSource ?? 'push' },
      exists: (p) => existsSync(path.join(ctx.projectDir, p)),
    });
    errors.push(...inclusion.errors.map((e) => `${job.name}: ${e}`));
    if (inclusion.when === 'never') {
      log(`${job.name}: not in the pipeline (${inclusion.reason})`);
      return;
    }
    // `when: manual` outside `rules:` allows failure by default; inside `rules:` it does not.
    const allowFailure =
      inclusion.allowFailure ?? job.config.allowFailure ?? (inclusion.when === 'manual' && job.config.rules === undefined ? true : undefined);
    planned.push({ job, id, when: inclusion.when, allowFailure, rulesVariables: inclusion.variables, yamlVariables, reason: inclusion.reason });
  });

  const byName = new Map(planned.map((p) => [p.job.name, p]));
  for (const p of planned) {
    for (const need of p.job.config.needs ?? []) {
      if (!byName.has(need.job) && !need.optional) {
        errors.push(`'${p.job.name}' job needs '${need.job}' job, but '${need.job}' does not exist in the pipeline`);
      }
    }
  }
  if (errors.some((e) => e.includes('does not exist in the pipeline'))) return { status: 'failed', jobs: [], errors };

  /** The jobs a job waits for: its `needs:`, else every job of the earlier stages. */
  const predecessors = (p: Planned): Planned[] =>
    p.job.config.needs
      ? p.job.config.needs.flatMap((n) => byName.get(n.job) ?? [])
      : planned.filter((q) => q.job.stageIndex < p.job.stageIndex);
  /** The jobs whose dotenv reports a job gets: `needs:` with artifacts, else `dependencies:`, else the earlier stages. */
  const dotenvSources = (p: Planned): Planned[] => {
    if (p.job.config.needs) return p.job.config.needs.filter((n) => n.artifacts).flatMap((n) => byName.get(n.job) ?? []);
    if (p.job.config.dependencies) return p.job.config.dependencies.flatMap((d) => byName.get(d) ?? []);
    return predecessors(p);
  };

  const results = new Map<string, JobResult>();
  const running = new Map<string, Promise<void>>();
  const limit = Math.max(1, options.concurrency ?? 4);
  const logsDir = path.join(options.workDir, 'logs');
  mkdirSync(logsDir, { recursive: true });
  let blocked = false;

  const settle = (p: Planned, status: JobStatus, reason: string, extra: Partial<JobResult> = {}) => {
    results.set(p.job.name, { name: p.job.name, stage: p.job.stage, status, allowedFailure: false, durationMs: 0, dotenv: {}, image: p.job.config.image, reason, ...extra });
    log(`${p.job.name}: ${status} (${reason})`);
  };

  /** What to do with a job whose predecessors are all settled; undefined: run it. */
  const decide = (p: Planned): { status: JobStatus; reason: string } | undefined => {
    const preds = predecessors(p);
    const failed = preds.filter((q) => {
      const r = results.get(q.job.name);
      return r?.status === 'failed' && !r.allowedFailure;
    });
    const usesNeeds = p.job.config.needs !== undefined;
    const waiting = preds.filter((q) => {
      const r = results.get(q.job.name);
      // A needed job that did not run holds its dependents; in stage order only a blocking manual job does.
      if (usesNeeds) return r?.status === 'skipped' || r?.status === 'manual';
      return r?.status === 'manual' && !allowFailureFor(q.allowFailure, undefined);
    });
    if (p.when === 'on_failure') return failed.length > 0 ? undefined : { status: 'skipped', reason: 'when: on_failure and nothing failed' };
    if (waiting.length > 0) {
      if (waiting.some((q) => results.get(q.job.name)?.status === 'manual')) blocked = true;
      return { status: 'skipped', reason: `waits for ${waiting.map((q) => q.job.name).join(', ')}, which did not run` };
    }
    if (p.when === 'always') return undefined;
    if (failed.length > 0) return { status: 'skipped', reason: `${failed.map((q) => q.job.name).join(', ')} failed` };
    if (p.when === 'manual') return { status: 'manual', reason: 'when: manual (not run)' };
    return undefined;
  };

  const pending = [...planned];
  while (pending.length > 0 || running.size > 0) {
    if (options.signal?.aborted) {
      for (const p of pending.splice(0)) settle(p, 'skipped', 'cancelled');
    }
    let progressed = false;
    for (const p of [...pending]) {
      if (!predecessors(p).every((q) => results.has(q.job.name))) continue;
      const decision = decide(p);
      if (decision) {
        pending.splice(pending.indexOf(p), 1);
        settle(p, decision.status, decision.reason);
        progressed = true;
        continue;
      }
      if (running.size >= limit) continue;
      pending.splice(pending.indexOf(p), 1);
      const sources = dotenvSources(p);
      const promise = runJob(p, sources.map((q) => results.get(q.job.name)?.dotenv ?? {}), options, pipelineVars, extras, logsDir).then(
        (result) => {
          results.set(p.job.name, result);
          running.delete(p.job.name);
        },
      );
      running.set(p.job.name, promise);
      progressed = true;
    }
    if (progressed) continue;
    if (running.size === 0) {
      // Nothing can move: a cycle in `needs:`.
      for (const p of pending.splice(0)) settle(p, 'skipped', 'needs: cycle');
      errors.push('needs: form a cycle');
      break;
    }
    await Promise.race(running.values());
  }

  const jobs = planned.map((p) => results.get(p.job.name)).filter((r): r is JobResult => r !== undefined);
  const failed = jobs.some((j) => j.status === 'failed' && !j.allowedFailure) || errors.some((e) => e.includes('cycle'));
  const status = failed ? 'failed' : blocked ? 'blocked' : 'success';
  log(`pipeline ${status}`);
  return { status, jobs, errors };
}

async function runJob(
  p: Planned,
  inherited: readonly Readonly<Record<string, string>>[],
  options: RunPipelineOptions,
  pipelineVars: readonly JobVariable[],
  extras: readonly JobVariable[],
  logsDir: string,
): Promise<JobResult> {
  const { job } = p;
  const ctx = options.context;
  const log = options.log ?? (() => {});
  const started = Date.now();
  const logFile = path.join(logsDir, `${String(p.id).padStart(3, '0')}-${slugify(job.name) || 'job'}.log`);
  const stream: WriteStream = createWriteStream(logFile, { mode: 0o600 });
  const tail: string[] = [];

  // Variables, lowest precedence first (GitLab's order for what is modelled): predefined, YAML
  // (top level, then the job), the matching rule's, dotenv of the jobs depended on, id_tokens,
  // then the caller's (project-level) variables.
  const idTokens: JobVariable[] = [];
  const missingTokens: string[] = [];
  for (const name of job.config.idTokens) {
    const token = options.idTokens?.[name];
    if (token === undefined) missingTokens.push(name);
    else idTokens.push({ key: name, value: token, raw: true, masked: true });
  }
  const dotenvVars: JobVariable[] = inherited.flatMap((vars) => Object.entries(vars).map(([key, value]) => ({ key, value })));
  const rulesVars = [...p.rulesVariables].flatMap(([key, value]) => yamlVariable(key, value) ?? []);
  const all = expandJobVariables([
    ...pipelineVars,
    ...jobPredefinedVariables(ctx, { name: job.name, stage: job.stage, id: p.id }),
    ...p.yamlVariables,
    ...rulesVars,
    ...dotenvVars,
    ...idTokens,
    ...extras,
  ]);
  const environment = toEnvironment(all);
  const mask = masker([...environment.values()].filter((v) => v.masked).map((v) => v.value));

  let partial = '';
  const write = (text: string) => {
    const line = mask(text);
    stream.write(`${line}\n`);
    tail.push(line);
    if (tail.length > LOG_TAIL_LINES) tail.shift();
    if (options.verbose) log(`[${job.name}] ${line}`);
  };
  const feed = (chunk: Buffer | string) => {
    partial += chunk.toString();
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) write(line.replace(/\r$/, ''));
  };
  const flush = () => {
    if (partial !== '') write(partial);
    partial = '';
  };

  const env = baseEnvironment(options);
  const tmpDir = path.join(options.workDir, 'tmp', `${p.id}`);
  for (const variable of environment.values()) {
    if (variable.file) {
      mkdirSync(tmpDir, { recursive: true, mode: 0o700 });
      const file = path.join(tmpDir, variable.key);
      writeFileSync(file, variable.value, { mode: 0o600 });
      env[variable.key] = file;
    } else env[variable.key] = variable.value;
  }
  const lookup = new Map([...environment].map(([key, v]) => [key, v.value]));
  const image = job.config.image === undefined ? undefined : expandValue(job.config.image, lookup);

  write(`Running job ${job.name} (#${p.id}, stage ${job.stage}) with the shell executor on this host`);
  write(image ? `Would use image ${image} (not pulled: the host provides the tools)` : 'No image: the host provides the tools');
  log(`${job.name}: started${image ? ` (would use image ${image})` : ''}`);

  const finish = async (status: JobStatus, reason: string, exitCode: number | undefined, dotenv: Record<string, string>): Promise<JobResult> => {
    flush();
    const allowedFailure = status === 'failed' && allowFailureFor(p.allowFailure, exitCode);
    write(status === 'success' ? 'Job succeeded' : `ERROR: Job failed: ${reason}${allowedFailure ? ' (allowed to fail)' : ''}`);
    await new Promise<void>((resolve) => stream.end(resolve));
    const durationMs = Date.now() - started;
    log(`${job.name}: ${status}${allowedFailure ? ' (allowed to fail)' : ''} in ${(durationMs / 1000).toFixed(1)}s${status === 'failed' ? ` (${reason})` : ''}`);
    return {
      name: job.name,
      stage: job.stage,
      status,
      allowedFailure,
      durationMs,
      logFile,
      dotenv,
      image,
      exitCode,
      reason,
      ...(status === 'failed' ? { logTail: [...tail] } : {}),
    };
  };

  if (missingTokens.length > 0) return finish('failed', `no JWT given for id_tokens ${missingTokens.join(', ')}`, undefined, {});
  if (!existsSync(ctx.projectDir)) return finish('failed', `CI_PROJECT_DIR ${ctx.projectDir} does not exist`, undefined, {});

  const shell = options.shell ?? 'sh';
  const timeoutMs = (job.config.timeout ? parseDuration(job.config.timeout) : undefined) ?? options.jobTimeoutMs ?? DEFAULT_JOB_TIMEOUT_MS;
  const run = async (commands: readonly string[], extraEnv: Record<string, string>, timeout: number) => {
    const subprocess = execa(shell, [], {
      input: runnerScript(commands),
      cwd: ctx.projectDir,
      env: { ...env, ...extraEnv },
      extendEnv: false,
      reject: false,
      all: true,
      buffer: false,
      timeout,
      forceKillAfterDelay: 5000,
      ...(options.signal ? { cancelSignal: options.signal } : {}),
    });
    subprocess.all?.on('data', feed);
    const result = await subprocess;
    flush();
    return result;
  };

  const main = await run([...job.config.beforeScript, ...job.config.script], {}, timeoutMs);
  let status: JobStatus = main.exitCode === 0 ? 'success' : 'failed';
  let reason = main.timedOut
    ? `execution took longer than ${timeoutMs / 1000}s`
    : main.isCanceled
      ? 'cancelled'
      : main.exitCode === 0
        ? 'success'
        : `exit code ${main.exitCode ?? main.signal ?? 'unknown'}`;

  if (job.config.afterScript.length > 0) {
    write('Running after_script');
    const afterTimeout = options.afterScriptTimeoutMs ?? DEFAULT_AFTER_SCRIPT_TIMEOUT_MS;
    const after = await run(job.config.afterScript, { CI_JOB_STATUS: status === 'success' ? 'success' : main.isCanceled ? 'canceled' : 'failed' }, afterTimeout);
    if (after.timedOut) write(`WARNING: after_script timed out after ${afterTimeout / 1000}s`);
    else if (after.exitCode !== 0) write(`WARNING: after_script failed, but job will continue unaffected: exit code ${after.exitCode ?? after.signal ?? 'unknown'}`);
  }

  // Reports are uploaded after after_script, for successful jobs (`artifacts:when: on_success`).
  const dotenv: Record<string, string> = {};
  if (status === 'success' && job.config.dotenv.length > 0) {
    const merged = new Map<string, string>();
    for (const file of job.config.dotenv) {
      const full = path.resolve(ctx.projectDir, file);
      if (!existsSync(full)) {
        write(`WARNING: ${file}: no matching files`);
        continue;
      }
      const parsed = parseDotenv(readFileSync(full));
      if (!parsed.ok) {
        status = 'failed';
        reason = `dotenv report ${file} rejected: ${parsed.error}`;
        break;
      }
      for (const [key, value] of parsed.variables) {
        merged.delete(key);
        merged.set(key, value);
      }
    }
    if (status === 'success') {
      if (merged.size > 20) {
        status = 'failed';
        reason = `dotenv reports rejected: Dotenv files cannot have more than 20 variables`;
      } else {
        for (const [key, value] of merged) dotenv[key] = value;
        write(`Uploaded dotenv report: ${[...merged.keys()].join(', ')}`);
      }
    }
  }
  return finish(status, reason, main.exitCode, status === 'success' ? dotenv : {});
}
