/**
 * Spawning and stopping the harness's helper processes (dockerd, containerd, tools). Every command is
 * an argv array run through execa, never a shell string. `run` is for short commands whose output we
 * want; `spawnDaemon` starts a long-running process with its output in a log file; `stopDaemon`
 * sends SIGTERM, then SIGKILL after a grace period.
 */
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { execa } from 'execa';
import { ToolkitError } from '../../scripts/core/errors.js';

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

// ---------------------------------------------------------------------------------------------
// Long-running helper processes (dockerd, containerd, the registry, moto): one way to start them
// and two guarantees that they never outlive the harness: an exit/signal hook stops them when this
// process ends in an orderly way, and PR_SET_PDEATHSIG kills them when it does not (SIGKILL, OOM).
// ---------------------------------------------------------------------------------------------

type Cleanup = () => void;
const cleanups = new Set<Cleanup>();
let hooked = false;

function runCleanups(): void {
  for (const cleanup of [...cleanups].reverse()) {
    cleanups.delete(cleanup);
    try {
      cleanup();
    } catch {
      // best effort: the process is going away
    }
  }
}

function onSignal(sig: NodeJS.Signals): void {
  runCleanups();
  // Keep the default behaviour (die of the signal) unless someone else handles it too.
  if (process.listenerCount(sig) <= 1) {
    process.removeListener(sig, onSignal);
    process.kill(process.pid, sig);
  }
}

/**
 * Registers a synchronous cleanup run when the process exits or gets SIGINT/SIGTERM/SIGHUP, unless
 * it was unregistered first (the returned function) by an orderly stop.
 */
export function stopOnExit(cleanup: Cleanup): () => void {
  if (!hooked) {
    hooked = true;
    process.once('exit', runCleanups);
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, onSignal);
  }
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

const SETPRIV = '/usr/bin/setpriv';
/**
 * `argv` prefixed so that the child gets SIGKILL when this process dies, even of SIGKILL (where no
 * exit handler runs): util-linux `setpriv --pdeathsig KILL` sets PR_SET_PDEATHSIG, which survives
 * the exec of the real program. Without setpriv, `argv` unchanged (exit/signal handlers remain).
 */
export function dieWithParent(argv: readonly [string, ...string[]]): [string, ...string[]] {
  return existsSync(SETPRIV) ? [SETPRIV, '--pdeathsig', 'KILL', '--', ...argv] : [...argv];
}

export interface Daemon {
  readonly name: string;
  readonly pid: number;
  /** Settles when the process has exited (never rejects). */
  readonly exited: Promise<void>;
  /** True once the process has exited. */
  hasExited(): boolean;
}

export interface SpawnDaemonOptions {
  readonly env?: Readonly<Record<string, string>> | undefined;
  readonly cwd?: string | undefined;
}

/**
 * Starts a long-running process with stdout and stderr appended to `logFile` (created 0600), killed
 * with this process (pdeathsig). It runs in its own process group, so a Ctrl-C in the terminal
 * reaches only the harness, which then stops it in order.
 */
export function spawnDaemon(
  name: string,
  argv: readonly [string, ...string[]],
  logFile: string,
  options: SpawnDaemonOptions = {},
): Daemon {
  closeSync(openSync(logFile, 'a', 0o600));
  const [cmd, ...args] = dieWithParent(argv);
  const child = execa(cmd, args, {
    reject: false,
    detached: true,
    cleanup: false,
    stdin: 'ignore',
    stdout: { file: logFile, append: true },
    stderr: { file: logFile, append: true },
    ...(options.env === undefined ? {} : { env: options.env, extendEnv: false }),
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  });
  if (child.pid === undefined) throw new ToolkitError(`${name}: could not be started (${argv[0]}; see ${logFile})`);
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

/** A daemon that is also stopped (SIGKILL, then `onExit`) when this process exits or is signalled. */
export interface ManagedDaemon extends Daemon {
  /** SIGTERM, SIGKILL after `graceMs` (default 5 s), then `onExit`. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

export function startManagedDaemon(
  name: string,
  argv: readonly [string, ...string[]],
  logFile: string,
  options: SpawnDaemonOptions & { readonly onExit?: (() => void) | undefined } = {},
): ManagedDaemon {
  const daemon = spawnDaemon(name, argv, logFile, options);
  const unregister = stopOnExit(() => {
    if (!daemon.hasExited()) signal(daemon.pid, 'SIGKILL');
    options.onExit?.();
  });
  return {
    ...daemon,
    async stop(graceMs = 5_000) {
      unregister();
      await stopDaemon(daemon, graceMs);
      options.onExit?.();
    },
  };
}

/** `process.kill` for a process that may be gone already (then nothing happens). */
export function signal(pid: number, sig: NodeJS.Signals): void {
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

/** A process that keeps a namespace alive (see startHolder). */
export interface Holder {
  readonly pid: number;
  /** SIGKILL, then `cleanup`. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts `argv`, a command that sets up a namespace, prints `ready` and then sleeps in it (an
 * `unshare … sh -c '…; echo ready; exec sleep infinity'`), and waits for `ready`. It dies with this
 * process (pdeathsig, and an exit/signal hook that also runs `cleanup`). When it exits before being
 * ready, `failure(stderr)` is thrown.
 */
export async function startHolder(
  argv: readonly [string, ...string[]],
  failure: (stderr: string) => Error,
  cleanup: () => void = () => {},
): Promise<Holder> {
  const [command, ...args] = dieWithParent(argv);
  const child = execa(command, args, { stdin: 'ignore', reject: false, buffer: false });
  const pid = child.pid;
  let exited = false;
  const done = child.then(() => {
    exited = true;
  });
  const unregister = stopOnExit(() => {
    if (!exited && pid !== undefined) signal(pid, 'SIGKILL');
    cleanup();
  });
  const stop = async (): Promise<void> => {
    unregister();
    if (!exited) {
      child.kill('SIGKILL');
      await done;
    }
    cleanup();
  };
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const ready = await new Promise<boolean>((resolve) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('ready\n')) resolve(true);
    });
    void done.then(() => resolve(false));
  });
  if (!ready || pid === undefined) {
    await stop();
    throw failure(stderr.trim());
  }
  return { pid, stop };
}
