/**
 * The only module that runs shellcheck, always with an argv array (never a shell string):
 * `shellcheck --format=json1 --norc --exclude=… <files>`. Each distinct (shell, script) is checked
 * once per process, whatever number of jobs, variants and components it comes from; scripts asked
 * for together are shared among as many shellcheck processes as there are cores.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { cacheDirectory } from '../core/cache.js';
import { writeAtomically } from '../core/files.js';
import { ToolkitError } from '../core/errors.js';

export type ScriptShell = 'sh' | 'bash';
export type ShellcheckLevel = 'error' | 'warning' | 'info' | 'style';

/** One finding, as json1 gives it: 1-based lines and columns in the script (a tab is one column). */
export interface ShellcheckFinding {
  readonly line: number;
  readonly column: number;
  readonly endLine: number;
  readonly endColumn: number;
  readonly level: ShellcheckLevel;
  /** 2086 for SC2086. */
  readonly code: number;
  readonly message: string;
}

/**
 * Checks left out for every script:
 * - SC1091 "Not following: file was not specified as input": sourced files are not at hand when linting;
 * - SC2154 "var is referenced but not assigned": CI/CD variables (`variables:`, project settings,
 *   predefined ones) are set by GitLab, not by the script.
 */
export const EXCLUDED_CHECKS: readonly string[] = ['SC1091', 'SC2154'];

/**
 * How many shellcheck processes one batch of scripts is shared among: one per core. A long script
 * costs shellcheck 0.9 (Debian) most of a second, and its analysis grows faster than the script;
 * what bounds a cold run is keeping every core busy, not shellcheck's start-up.
 */
export const PARALLEL = Math.max(1, availableParallelism());

interface Run {
  readonly exitCode: number | undefined;
  /** Set when shellcheck could not be started (`ENOENT`: not installed). */
  readonly spawnError?: NodeJS.ErrnoException | undefined;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs shellcheck and collects its output; `started` is called once the process exists.
 * node:child_process rather than execa: importing execa is a noticeable part of a lint's start-up.
 */
function runProcess(args: readonly string[], started: () => void = () => undefined): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn('shellcheck', [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    started();
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    let spawnError: NodeJS.ErrnoException | undefined;
    child.on('error', (error) => {
      spawnError = error;
    });
    child.on('close', (code) =>
      resolve({
        exitCode: spawnError ? undefined : (code ?? undefined),
        spawnError,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      }),
    );
  });
}

/**
 * The `version:` line of `shellcheck --version`, or undefined when shellcheck cannot be run. Asked
 * once per PATH: the lint run and the cache key both need it.
 */
export function shellcheckVersion(): Promise<string | undefined> {
  const key = process.env['PATH'] ?? '';
  let version = versions.get(key);
  if (!version) {
    version = runProcess(['--version']).then((result) =>
      result.exitCode !== 0 ? undefined : (/^version:\s*(\S+)/m.exec(result.stdout)?.[1] ?? result.stdout.trim().split('\n')[0]),
    );
    versions.set(key, version);
  }
  return version;
}
const versions = new Map<string, Promise<string | undefined>>();

interface Check {
  readonly findings: Promise<readonly ShellcheckFinding[]>;
  /** Settles once the answer came from the disk cache or a shellcheck process is working on it. */
  readonly started: Promise<void>;
}

const checked = new Map<string, Check>();

interface Request {
  readonly script: string;
  readonly shell: ScriptShell;
  resolve(findings: readonly ShellcheckFinding[]): void;
  reject(error: unknown): void;
  started(): void;
}

/**
 * Scripts asked for together are checked together, shared among `PARALLEL` shellcheck processes,
 * instead of one process per script: a batch goes once no disk-cache lookup is under way any more
 * (each lookup is asynchronous; without waiting for them all, the first miss would go alone).
 */
let pending: Request[] = [];
let lookups = 0;
let flushScheduled = false;

function scheduleFlush(): void {
  if (flushScheduled) return;
  flushScheduled = true;
  setImmediate(() => {
    flushScheduled = false;
    // The last lookup to finish schedules the batch again.
    if (lookups === 0 && pending.length > 0) flush();
  });
}

function check(script: string, shell: ScriptShell): Check {
  const key = `${shell}\0${script}`;
  let result = checked.get(key);
  if (!result) {
    let started: () => void = () => undefined;
    const whenStarted = new Promise<void>((resolve) => {
      started = resolve;
    });
    lookups++;
    const findings = fromDiskCache(script, shell).then((cached) => {
      lookups--;
      if (pending.length > 0) scheduleFlush();
      if (cached) {
        started();
        return cached;
      }
      return new Promise<readonly ShellcheckFinding[]>((resolve, reject) => {
        scheduleFlush();
        pending.push({
          script,
          shell,
          resolve: (found) => resolve(toDiskCache(script, shell, found)),
          reject: (error) => {
            started();
            reject(error);
          },
          started,
        });
      });
    });
    result = { findings, started: whenStarted };
    checked.set(key, result);
    // A failure (shellcheck missing) is not remembered: a later run may have it.
    findings.catch(() => checked.delete(key));
  }
  return result;
}

/** shellcheck's findings for a script; a ToolkitError when shellcheck is missing or fails. */
export function checkScript(script: string, shell: ScriptShell): Promise<readonly ShellcheckFinding[]> {
  return check(script, shell).findings;
}

/**
 * Starts checking `scripts` (answers come later through `checkScript`, which does not check them
 * again) and resolves once each is answered from the disk cache or being checked by a running
 * shellcheck: a caller about to keep the event loop busy for a while (compiling a schema) lets the
 * shellcheck processes start first, so that they work meanwhile.
 */
export async function startChecks(scripts: readonly { readonly script: string; readonly shell: ScriptShell }[]): Promise<void> {
  await Promise.all(scripts.map(({ script, shell }) => check(script, shell).started));
}

/**
 * Findings are kept on disk by (shellcheck version, exclusions, shell, script): a long component
 * script costs shellcheck most of a second, and between two runs almost every script is the same.
 */
let cacheKeyBase: Promise<string> | undefined;
/** Bump when the way findings are produced or stored changes. */
const CACHE_FORMAT = 2;
async function cacheFile(script: string, shell: ScriptShell): Promise<string> {
  cacheKeyBase ??= shellcheckVersion().then((version) => `${CACHE_FORMAT}\0${version ?? 'unknown'}\0${EXCLUDED_CHECKS.join(',')}`);
  const key = createHash('sha256').update(`${await cacheKeyBase}\0${shell}\0${script}`).digest('hex');
  return path.join(cacheDirectory(), 'shellcheck', `${key}.json`);
}

async function fromDiskCache(script: string, shell: ScriptShell): Promise<readonly ShellcheckFinding[] | undefined> {
  try {
    const parsed: unknown = JSON.parse(await readFile(await cacheFile(script, shell), 'utf8'));
    return Array.isArray(parsed) ? (parsed as ShellcheckFinding[]) : undefined;
  } catch {
    return undefined;
  }
}

/** Best effort and atomic: a cache that cannot be written only costs the next run time. */
function toDiskCache(script: string, shell: ScriptShell, findings: readonly ShellcheckFinding[]): readonly ShellcheckFinding[] {
  void cacheFile(script, shell)
    .then((file) => writeAtomically(file, JSON.stringify(findings)))
    .catch(() => undefined);
  return findings;
}

/**
 * What a script costs shellcheck, for the split below: its line count (measured on the catalog's
 * component scripts, 270 to 670 lines, shellcheck 0.9 takes 1 to 1.4 ms of CPU a line) plus its
 * start-up, worth a few lines.
 */
const estimatedCost = (request: Request): number => request.script.split('\n').length + 10;

function flush(): void {
  const batch = pending;
  pending = [];
  for (const shell of ['sh', 'bash'] as const) {
    const scripts = batch.filter((request) => request.shell === shell).sort((a, b) => estimatedCost(b) - estimatedCost(a));
    // Longest first, each to the least loaded process: the processes finish at about the same time.
    const parts = Array.from({ length: Math.min(PARALLEL, scripts.length) }, () => ({ cost: 0, requests: [] as Request[] }));
    for (const request of scripts) {
      const part = parts.reduce((least, p) => (p.cost < least.cost ? p : least));
      part.cost += estimatedCost(request);
      part.requests.push(request);
    }
    for (const { requests } of parts) {
      runShellcheck(requests, shell).catch((error: unknown) => requests.forEach((request) => request.reject(error)));
    }
  }
}

/** One shellcheck over several scripts of one shell, each in its own file; findings come back per file. */
async function runShellcheck(requests: readonly Request[], shell: ScriptShell): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'catalog-shellcheck-'));
  try {
    const files = await Promise.all(
      requests.map(async (request, index) => {
        const file = path.join(dir, `${index}.sh`);
        await writeFile(file, request.script);
        return file;
      }),
    );
    const args = ['--format=json1', `--shell=${shell}`, '--norc', `--exclude=${EXCLUDED_CHECKS.join(',')}`, ...files];
    const result = await runProcess(args, () => requests.forEach((request) => request.started()));
    if (result.exitCode === undefined) {
      const reason =
        result.spawnError?.code === 'ENOENT'
          ? 'it is not installed (Debian: apt-get install shellcheck); pass --no-shellcheck to lint without it'
          : (result.spawnError?.message ?? 'it was stopped by a signal');
      throw new ToolkitError(`cannot run shellcheck: ${reason}`);
    }
    // 0: no findings, 1: findings; anything else is shellcheck failing.
    if (result.exitCode !== 0 && result.exitCode !== 1) {
      const line = result.stderr.split('\n').find((l) => l.trim() !== '') ?? `exit code ${result.exitCode}`;
      throw new ToolkitError(`shellcheck failed: ${line.trim()}`);
    }
    let parsed: { comments?: unknown };
    try {
      parsed = JSON.parse(result.stdout) as { comments?: unknown };
    } catch {
      throw new ToolkitError('shellcheck gave output that is not json1');
    }
    const comments = Array.isArray(parsed.comments) ? (parsed.comments as Record<string, unknown>[]) : [];
    requests.forEach((request, index) => {
      const file = files[index];
      request.resolve(
        comments
          .filter((c) => c['file'] === file)
          .map((c) => ({
            line: Number(c['line']),
            column: Number(c['column']),
            endLine: Number(c['endLine'] ?? c['line']),
            endColumn: Number(c['endColumn'] ?? c['column']),
            level: String(c['level']) as ShellcheckLevel,
            code: Number(c['code']),
            message: String(c['message']),
          })),
      );
    });
  } finally {
    // Synchronous: the results above may let the command print and exit before an await returns.
    rmSync(dir, { recursive: true, force: true });
  }
}
