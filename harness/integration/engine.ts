/**
 * The local Docker engine the integration harness runs jobs against.
 *
 * `startEngine({dir})` starts a private containerd and dockerd whose every file (data root, exec root,
 * pidfile, containerd root/state/sockets, logs) lives under `dir`:
 *
 * - dockerd listens only on `unix://<dir>/docker.sock` (no TCP), has no bridge network unless asked
 *   (`"bridge": "none"`, no iptables/ip6tables rules), and uses the containerd image store
 *   (`features.containerd-snapshotter`), which multi-platform builds with the default `docker`
 *   buildx driver need;
 * - containerd is started by us (not by dockerd), with its config, root, state and sockets under
 *   `<dir>/containerd`, so a system containerd on /run/containerd is never used or disturbed.
 *
 * `stop()` stops both (SIGTERM, SIGKILL after a grace period), kills any leftover process whose
 * command line points into `dir` (containerd shims), unmounts whatever is still mounted under `dir`
 * and removes it. Engines still running when the process exits, or gets SIGINT/SIGTERM, are stopped
 * the same way (handlers are registered once per process).
 *
 * Progress goes through the injected `log(line)` callback, never to the console.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { execaSync } from 'execa';
import { ToolkitError } from '../../scripts/core/errors.js';
import { BINFMT_DIR, qemuEntries, type BinfmtEntry } from '../fresh-machine/binfmt.js';
import { ensurePackages, seconds } from './apt.js';
import { fileTail, isAlive, run, runUnchecked, signal, spawnDaemon, stopDaemon, type Daemon, type Log } from './process.js';

/** Debian packages of the engine: docker.io 26, its CLI (only a Recommends, so named) and buildx from trixie; QEMU from bookworm. */
export const ENGINE_PACKAGES = ['qemu-user-static', 'binfmt-support'] as const;
export const ENGINE_TRIXIE_PACKAGES = ['docker.io>=26', 'docker-cli>=26', 'docker-buildx>=0.13'] as const;

export interface Engine {
  /** `unix://<dir>/docker.sock` */
  readonly host: string;
  readonly dir: string;
  /** Environment for docker clients: DOCKER_HOST and a private DOCKER_CONFIG under `dir`. */
  readonly env: Readonly<Record<string, string>>;
  /** Pids of dockerd and containerd. */
  readonly pids: readonly number[];
  /** Idempotent. */
  stop(): Promise<void>;
}

export interface StartEngineOptions {
  /** Created when missing; removed by stop(). Keep it short: unix socket paths are limited to 107 bytes. */
  readonly dir: string;
  readonly log?: Log;
  /** How long to wait for `docker info` to answer (default 60 s). */
  readonly readyTimeoutMs?: number;
  /**
   * Rewrites the argv of containerd and dockerd before they are started, e.g. `HostsNamespace.wrap`
   * to run them in a private mount namespace. The wrapper must exec the daemon (same pid).
   */
  readonly wrap?: (argv: [string, ...string[]]) => [string, ...string[]];
  /** Registries (host:port or CIDR) the daemon talks TLS to without verifying it, e.g. containers of its own by address. */
  readonly insecureRegistries?: readonly string[] | undefined;
  /**
   * The default bridge network (docker0), which containers started without `--network` join, as on
   * a runner's Docker host: only for an engine in a private network namespace (the bridge would
   * otherwise be the machine's).
   */
  readonly defaultBridge?: boolean | undefined;
  /**
   * The name servers the containers' DNS asks for names it does not know itself (daemon.json
   * `dns`). Without them dockerd takes the machine's, which a private network namespace cannot
   * reach, so every such lookup waits out its timeouts (16 s here): e.g. `docker`, which the
   * docker:*-cli images' DOCKER_HOST names, in a job without a dind service.
   */
  readonly dns?: readonly string[] | undefined;
}

/** The docker CLI to use: Debian's (installed with docker.io) when present, else the one on PATH. */
export function dockerCli(): string {
  return existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';
}

/** Installs docker.io 26 + docker-buildx (trixie) and qemu-user-static + binfmt-support when missing (root only). */
export async function ensureEnginePackages(log: Log = () => {}): Promise<readonly string[]> {
  const result = await ensurePackages(ENGINE_PACKAGES, { trixie: ENGINE_TRIXIE_PACKAGES, log });
  return result.installed;
}

interface Running {
  readonly dir: string;
  readonly daemons: Daemon[];
  /** Set by the first stop; later callers (stop(), a signal) wait for the same one. */
  stopping?: Promise<void>;
  /** Everything stopped, unmounted and removed. */
  finished: boolean;
}

const running = new Set<Running>();

/**
 * Directories dockerd and containerd create outside their configured roots no matter what:
 * containerd's shim sockets (/run/containerd/s, hard-coded in containerd 1.7) and dockerd's plugin
 * socket dir (/run/docker/plugins). Removed again (when empty) if they did not exist before this
 * process started its first engine and no engine of ours is still running.
 */
const FIXED_RUNTIME_DIRS = ['/run/containerd/s', '/run/containerd', '/run/docker/plugins', '/run/docker'] as const;
let preexistingRuntimeDirs: Set<string> | undefined;

function removeFixedRuntimeDirs(): void {
  if (preexistingRuntimeDirs === undefined || running.size > 0) return;
  for (const d of FIXED_RUNTIME_DIRS) {
    if (preexistingRuntimeDirs.has(d)) continue;
    try {
      rmdirSync(d);
    } catch {
      // not empty (someone else uses it) or already gone
    }
  }
}
let handlersRegistered = false;

function registerExitHandlers(): void {
  if (handlersRegistered) return;
  handlersRegistered = true;
  process.on('exit', () => {
    for (const r of running) stopSync(r);
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      void Promise.allSettled([...running].map((r) => stopRunning(r, () => {}))).then(() => {
        process.exit(sig === 'SIGINT' ? 130 : 143);
      });
    });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Mount points at or under `dir`, deepest first. */
function mountsUnder(dir: string): string[] {
  let text = '';
  try {
    text = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  const points = text
    .split('\n')
    .map((line) => (line.split(' ')[4] ?? '').replace(/\\040/g, ' '))
    .filter((p) => p === dir || p.startsWith(`${dir}/`));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

/** Pids of processes whose command line mentions a path under `dir` (dockerd, containerd, shims). */
export function processesUsing(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.includes(`${dir}/`) && isAlive(Number(entry))) pids.push(Number(entry));
    } catch {
      // gone
    }
  }
  return pids;
}

function unmountAndRemove(dir: string): void {
  for (const point of mountsUnder(dir)) {
    const result = execaSync('umount', [point], { reject: false, stdin: 'ignore' });
    if (result.exitCode !== 0) execaSync('umount', ['-l', point], { reject: false, stdin: 'ignore' });
  }
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}

/** Synchronous last-resort stop for process exit: SIGTERM, up to 5 s, SIGKILL; unmount; remove. */
function stopSync(r: Running): void {
  if (r.finished) return;
  r.finished = true;
  running.delete(r);
  const pids = [...r.daemons.map((d) => d.pid), ...processesUsing(r.dir)];
  for (const pid of pids) signal(pid, 'SIGTERM');
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline && pids.some(isAlive)) sleepSync(100);
  for (const pid of pids) if (isAlive(pid)) signal(pid, 'SIGKILL');
  unmountAndRemove(r.dir);
  removeFixedRuntimeDirs();
}

function stopRunning(r: Running, log: Log): Promise<void> {
  r.stopping ??= stopNow(r, log);
  return r.stopping;
}

async function stopNow(r: Running, log: Log): Promise<void> {
  const started = Date.now();
  // dockerd first (it stops its containers), then containerd.
  for (const daemon of [...r.daemons].reverse()) {
    const how = await stopDaemon(daemon, 15_000);
    if (how === 'killed') log(`${daemon.name} did not stop on SIGTERM; killed`);
  }
  const leftovers = processesUsing(r.dir);
  for (const pid of leftovers) signal(pid, 'SIGTERM');
  for (let i = 0; i < 30 && leftovers.some(isAlive); i++) await sleep(100);
  for (const pid of leftovers) if (isAlive(pid)) signal(pid, 'SIGKILL');
  for (let i = 0; i < 20 && leftovers.some(isAlive); i++) await sleep(100);
  if (r.finished) return;
  unmountAndRemove(r.dir);
  r.finished = true;
  running.delete(r);
  removeFixedRuntimeDirs();
  log(`engine stopped and ${r.dir} removed in ${seconds(started)}`);
}

function canConnect(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const conn = net.connect(socket);
    conn.once('connect', () => {
      conn.destroy();
      resolve(true);
    });
    conn.once('error', () => resolve(false));
  });
}

async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  daemon: Daemon,
  logFile: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (daemon.hasExited()) {
      throw new ToolkitError(`${daemon.name} exited before ${what}; last lines of ${logFile}:\n${fileTail(logFile, 20)}`);
    }
    if (Date.now() > deadline) {
      throw new ToolkitError(`${what}: no answer after ${timeoutMs / 1000} s; last lines of ${logFile}:\n${fileTail(logFile, 20)}`);
    }
    await sleep(200);
  }
}

function containerdConfig(dir: string): string {
  const c = path.join(dir, 'containerd');
  return `version = 2
root = ${JSON.stringify(path.join(c, 'root'))}
state = ${JSON.stringify(path.join(c, 'state'))}
disabled_plugins = ["io.containerd.grpc.v1.cri"]

[grpc]
  address = ${JSON.stringify(path.join(c, 'containerd.sock'))}

[ttrpc]
  address = ${JSON.stringify(path.join(c, 'containerd.sock.ttrpc'))}

[debug]
  address = ""

[metrics]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = ${JSON.stringify(path.join(c, 'opt'))}
`;
}

/** The daemon.json written under `dir`. */
export function daemonConfig(dir: string, options: Pick<StartEngineOptions, 'insecureRegistries' | 'defaultBridge' | 'dns'> = {}): Record<string, unknown> {
  const insecureRegistries = options.insecureRegistries ?? [];
  const dns = options.dns ?? [];
  return {
    ...(insecureRegistries.length > 0 ? { 'insecure-registries': insecureRegistries } : {}),
    ...(dns.length > 0 ? { dns } : {}),
    'data-root': path.join(dir, 'data'),
    'exec-root': path.join(dir, 'exec'),
    pidfile: path.join(dir, 'docker.pid'),
    hosts: [`unix://${path.join(dir, 'docker.sock')}`],
    containerd: path.join(dir, 'containerd', 'containerd.sock'),
    ...(options.defaultBridge === true ? {} : { bridge: 'none' }),
    iptables: false,
    ip6tables: false,
    'ip-forward': false,
    'ip-masq': false,
    'userland-proxy': false,
    features: { 'containerd-snapshotter': true },
    'shutdown-timeout': 5,
  };
}

/** Starts containerd + dockerd under `dir` and waits until `docker info` answers. */
export async function startEngine(options: StartEngineOptions): Promise<Engine> {
  const log = options.log ?? (() => {});
  const timeoutMs = options.readyTimeoutMs ?? 60_000;
  mkdirSync(options.dir, { recursive: true });
  const dir = realpathSync(options.dir);
  const socket = path.join(dir, 'docker.sock');
  if (Buffer.byteLength(`${path.join(dir, 'containerd', 'containerd.sock.ttrpc')}`) > 100) {
    throw new ToolkitError(`engine directory path too long for unix sockets: ${dir}`);
  }
  for (const sub of ['containerd', 'data', 'exec', 'client']) mkdirSync(path.join(dir, sub), { recursive: true });
  const containerdToml = path.join(dir, 'containerd', 'config.toml');
  writeFileSync(containerdToml, containerdConfig(dir));
  const daemonJson = path.join(dir, 'daemon.json');
  writeFileSync(daemonJson, `${JSON.stringify(daemonConfig(dir, options), null, 2)}\n`);

  registerExitHandlers();
  preexistingRuntimeDirs ??= new Set(FIXED_RUNTIME_DIRS.filter((d) => existsSync(d)));
  const wrap = options.wrap ?? ((argv: [string, ...string[]]) => argv);
  const spawnWrapped = (name: string, argv: [string, ...string[]], logFile: string): Daemon => {
    return spawnDaemon(name, wrap(argv), logFile);
  };
  const r: Running = { dir, daemons: [], finished: false };
  running.add(r);
  const stop = (): Promise<void> => stopRunning(r, log);
  const started = Date.now();
  try {
    log('starting containerd…');
    const containerdLog = path.join(dir, 'containerd.log');
    const containerd = spawnWrapped('containerd', ['containerd', '--config', containerdToml], containerdLog);
    r.daemons.push(containerd);
    const containerdSock = path.join(dir, 'containerd', 'containerd.sock');
    await waitFor('containerd socket', () => canConnect(containerdSock), containerd, containerdLog, timeoutMs);

    log('starting dockerd…');
    const dockerdLog = path.join(dir, 'dockerd.log');
    const dockerd = spawnWrapped('dockerd', ['dockerd', '--config-file', daemonJson], dockerdLog);
    r.daemons.push(dockerd);
    const host = `unix://${socket}`;
    await waitFor(
      'docker info',
      // `docker info --format` exits 0 with an empty answer while the daemon is unreachable.
      async () => {
        const info = await runUnchecked(dockerCli(), ['--host', host, 'info', '--format', '{{.ServerVersion}}'], { timeout: 10_000 });
        return info.exitCode === 0 && info.stdout.trim() !== '';
      },
      dockerd,
      dockerdLog,
      timeoutMs,
    );
    log(`starting dockerd… ready in ${seconds(started)}`);
    const env = { DOCKER_HOST: host, DOCKER_CONFIG: path.join(dir, 'client') };
    return { host, dir, env, pids: r.daemons.map((d) => d.pid), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Runs the docker CLI against `engine` and returns its stdout (ToolkitError with stderr tail on failure). */
export async function docker(args: readonly string[], engine: Pick<Engine, 'host' | 'env'>, timeoutMs?: number): Promise<string> {
  return run(dockerCli(), ['--host', engine.host, ...args], {
    env: engine.env,
    ...(timeoutMs === undefined ? {} : { timeout: timeoutMs }),
  });
}

export interface QemuStatus {
  /** Registered and enabled QEMU interpreters, by binfmt name without `qemu-` (aarch64, ppc64le…). */
  readonly arches: readonly string[];
  /** Those registered with the F (fix binary) flag, needed inside containers. */
  readonly fixBinary: readonly string[];
}

/** Mounts binfmt_misc when absent and enables the QEMU binfmt entries (`update-binfmts --enable`). */
export async function ensureQemu(log: Log = () => {}): Promise<QemuStatus> {
  if (!existsSync(path.join(BINFMT_DIR, 'status'))) {
    log(`mounting binfmt_misc on ${BINFMT_DIR}`);
    await run('mount', ['-t', 'binfmt_misc', 'binfmt_misc', BINFMT_DIR]);
  }
  const before = qemuStatus();
  if (!before.arches.includes('aarch64') || !before.arches.includes('ppc64le')) {
    log('update-binfmts --enable…');
    const result = await runUnchecked('update-binfmts', ['--enable']);
    if (result.exitCode !== 0) log(`update-binfmts --enable: exit code ${result.exitCode}: ${result.stderr.trim()}`);
  }
  const status = qemuStatus();
  log(`QEMU binfmt registered for: ${status.arches.join(', ') || '(none)'}`);
  return status;
}

export function qemuStatus(): QemuStatus {
  const enabled = qemuEntries().filter((entry) => entry.enabled);
  const arch = (entry: BinfmtEntry): string => entry.name.slice('qemu-'.length);
  return { arches: enabled.map(arch), fixBinary: enabled.filter((entry) => entry.flags.includes('F')).map(arch) };
}
