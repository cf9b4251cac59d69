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
import { HarnessError } from '../errors.js';
import { startHolder, type Log } from './process.js';

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
  const { pid, stop } = await startHolder(
    ['unshare', '--mount', '--net', '--propagation', 'private', '--', 'sh', '-c', HOLD],
    (stderr) => new HarnessError(`could not create a private network namespace (${stderr || 'unshare exited'}): it needs root, util-linux's unshare and iproute2's ip`),
  );
  log(`private network namespace held by pid ${pid}`);
  return {
    pid,
    wrap: (argv) => ['nsenter', `--target=${pid}`, '--mount', '--net', '--', ...argv],
    stop,
  };
}
