/**
 * Spawning and stopping the harness's helper processes (dockerd, containerd, tools). Every command is
 * an argv array run through execa, never a shell string. `run` is for short commands whose output we
 * want; `spawnDaemon` starts a long-running process with its output in a log file; `stopDaemon`
 * sends SIGTERM, then SIGKILL after a grace period.
 */
import { readFileSync } from 'node:fs';
import { execa } from 'execa';
import { ToolkitError } from '../core/errors.js';

export type Log = (line: string) => void;

export interface RunOptions {
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  readonly input?: string;
  /** Milliseconds before the command is killed (default: none). */
  readonly timeout?: number;
}

export interface RunResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command; never throws for a non-zero exit (only when it cannot start at all). */
export async function runUnchecked(cmd: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const result = await execa(cmd, args, {
    reject: false,
    encoding: 'utf8',
    stripFinalNewline: true,
    ...(options.input === undefined ? { stdin: 'ignore' as const } : { input: options.input }),
    ...(options.env === undefined ? {} : { env: options.env }),
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
  });
  if (result.exitCode === undefined) {
    throw new ToolkitError(`${cmd}: ${result.originalMessage ?? result.shortMessage}`);
  }
  return { exitCode: result.exitCode, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** Runs a command and returns its stdout; a non-zero exit throws a ToolkitError with the stderr tail. */
export async function run(cmd: string, args: readonly string[], options: RunOptions = {}): Promise<string> {
  const result = await runUnchecked(cmd, args, options);
  if (result.exitCode !== 0) {
    throw new ToolkitError(
      `${cmd} ${args.join(' ')} failed (exit code ${result.exitCode})\n${tail(result.stderr || result.stdout, 20)}`,
    );
  }
  return result.stdout;
}

/** The last `lines` non-empty lines of a text. */
export function tail(text: string, lines: number): string {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(-lines)
    .join('\n');
}

/** The last lines of a log file, or '' when it cannot be read. */
export function fileTail(file: string, lines: number): string {
  try {
    return tail(readFileSync(file, 'utf8'), lines);
  } catch {
    return '';
  }
}

export interface Daemon {
  readonly name: string;
  readonly pid: number;
  /** Settles when the process has exited (never rejects). */
  readonly exited: Promise<void>;
  /** True once the process has exited. */
  hasExited(): boolean;
}

/**
 * Starts a long-running process with stdout and stderr appended to `logFile`. It runs in its own
 * process group, so a Ctrl-C in the terminal reaches only the harness, which then stops it in order.
 */
export function spawnDaemon(
  name: string,
  cmd: string,
  args: readonly string[],
  logFile: string,
  env?: Readonly<Record<string, string>>,
): Daemon {
  const child = execa(cmd, args, {
    reject: false,
    detached: true,
    cleanup: false,
    stdin: 'ignore',
    stdout: { file: logFile, append: true },
    stderr: { file: logFile, append: true },
    ...(env === undefined ? {} : { env }),
  });
  if (child.pid === undefined) throw new ToolkitError(`${name}: could not be started (${cmd})`);
  let done = false;
  const exited = child.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  return { name, pid: child.pid, exited, hasExited: () => done };
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** SIGTERM, then SIGKILL (to the process and its group) when it has not exited after `graceMs`. */
export async function stopDaemon(daemon: Daemon, graceMs = 10_000): Promise<'exited' | 'terminated' | 'killed'> {
  if (daemon.hasExited()) return 'exited';
  signal(daemon.pid, 'SIGTERM');
  const timedOut = await Promise.race([daemon.exited.then(() => false), sleep(graceMs).then(() => true)]);
  if (!timedOut) return 'terminated';
  signal(-daemon.pid, 'SIGKILL');
  signal(daemon.pid, 'SIGKILL');
  await Promise.race([daemon.exited, sleep(5_000)]);
  return 'killed';
}

/** True while a process with this pid exists (and is not a zombie). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}
