/**
 * A private network (and mount) namespace for an engine whose containers need real networking:
 * user-defined networks with DNS aliases, as GitLab's docker executor gives `services:`. A holder
 * process (`unshare --mount --net --propagation private`, loopback up, then `sleep`) keeps the
 * namespace; `wrap(argv)` runs a command inside it (`nsenter --target <holder> --mount --net`,
 * which execs in place, so the pid is the command's), the way engine.ts's `wrap` option wants it
 * for containerd and dockerd. Bridges, veths and iptables rules the engine creates live and die in
 * that namespace: the machine's own network is never touched. Both daemons must share it: dockerd
 * creates the containers' network namespace files, which runc (under containerd) opens.
 *
 * A fresh network namespace keeps the machine's /sys, so cgroup v1 stays visible (`ip netns exec`
 * mounts a new sysfs, which hides it, and dockerd then fails with "Devices cgroup isn't mounted").
 */
import { execa } from 'execa';
import { HarnessError } from '../errors.js';
import { dieWithParent, stopOnExit, type Log } from './process.js';

export interface NetworkNamespace {
  /** The holder's pid. */
  readonly pid: number;
  wrap(argv: readonly [string, ...string[]]): [string, ...string[]];
  /** Kills the holder; the namespace goes when the last process in it (the engine) is gone. */
  stop(): Promise<void>;
}

const HOLD = 'ip link set lo up && echo ready && exec sleep infinity';

export async function privateNetworkNamespace(log: Log = () => {}): Promise<NetworkNamespace> {
  if (process.getuid?.() !== 0) throw new HarnessError('a private network namespace needs root (unshare --net): run as root');
  const [command, ...args] = dieWithParent(['unshare', '--mount', '--net', '--propagation', 'private', '--', 'sh', '-c', HOLD]);
  const child = execa(command, args, { stdin: 'ignore', reject: false, buffer: false });
  const pid = child.pid;
  let exited = false;
  const done = child.then(() => {
    exited = true;
  });
  const unregister = stopOnExit(() => {
    if (!exited && pid !== undefined) process.kill(pid, 'SIGKILL');
  });
  const stop = async (): Promise<void> => {
    unregister();
    if (!exited) {
      child.kill('SIGKILL');
      await done;
    }
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
    throw new HarnessError(`could not create a private network namespace (${stderr.trim() || 'unshare exited'}): it needs root, util-linux's unshare and iproute2's ip`);
  }
  log(`private network namespace held by pid ${pid}`);
  return {
    pid,
    wrap: (argv) => ['nsenter', `--target=${pid}`, '--mount', '--net', '--', ...argv],
    stop,
  };
}
