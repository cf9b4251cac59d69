/**
 * Running a command as root inside a fresh root (image.ts, provision.ts) as if it were the machine:
 * in a private mount namespace and a PID namespace of its own (`unshare --mount --pid --fork`) whose
 * root the fresh root becomes (`pivot_root`, the old root unmounted), with
 *
 * - the root bind-mounted onto itself first, so that it is a mount point that can become `/`. Not
 *   chroot: a chroot is only a process's view, and the harness's own mount namespaces made inside it
 *   (`unshare`, then `nsenter --mount`, which enters the namespace's real root) would land on this
 *   machine's / instead of the fresh root's;
 * - its own /proc and /sys, the machine's cgroup hierarchy (/sys/fs/cgroup, recursively: cgroup v1
 *   on this kind), binfmt_misc mounted where the machine has it, and /dev with /dev/pts and /dev/shm;
 * - /tmp and /run as the root's own directories (on a new machine of this kind they are on its disk,
 *   not tmpfs);
 * - `binds`: read-only bind mounts of this machine's directories (moto's Python);
 * - an environment of only `env` (`env -i`), no standard input, the root's own shell.
 *
 * When the command ends, the namespace's init lists the processes still alive in it (the command
 * must not leave any), then exits, which kills them; the namespace and every mount in it go with it.
 * If this process dies first, unshare dies with it (pdeathsig) and takes the namespace along
 * (`--kill-child`). Nothing is mounted outside the namespace.
 */
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { HarnessError } from '../errors.js';
import { dieWithParent, isAlive, run } from '../integration/process.js';

/**
 * The namespace's init: mounts, the root made `/`, the binfmt entries there are as the command
 * starts, the command, then the processes it left. Arguments: root, control dir, `ro:<dir>`…, `--`,
 * command.
 */
const NAMESPACE_INIT = `set -eu
root=$1 control=$2
shift 2
readlink /proc/self/ns/pid > "$control/pid-namespace"
exec 3> "$control/leftovers" 4> "$control/binfmt-at-start"
mount --bind "$root" "$root"
mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"
mount --rbind /sys/fs/cgroup "$root/sys/fs/cgroup"
if [ -e /proc/sys/fs/binfmt_misc/status ]; then mount -t binfmt_misc binfmt_misc "$root/proc/sys/fs/binfmt_misc"; fi
mount --rbind /dev "$root/dev"
while [ "$1" != -- ]; do
  dir=\${1#ro:}
  mount -o bind,ro "$dir" "$root$dir"
  shift
done
shift
cd "$root"
pivot_root . .
umount -l .
cd /
for entry in /proc/sys/fs/binfmt_misc/*; do
  case \${entry##*/} in register|status|'*') ;; *) echo "\${entry##*/}" ;; esac
done >&4
exec 4>&-
status=0
"$@" < /dev/null || status=$?
for p in /proc/[0-9]*; do
  pid=\${p##*/}
  [ "$pid" != 1 ] || continue
  cmd=$(tr '\\0' ' ' < "$p/cmdline" 2>/dev/null) || cmd=
  [ -z "$cmd" ] || echo "$pid $cmd"
done >&3
exit "$status"
`;

export interface RootRun {
  readonly exitCode: number;
  /** stdout and stderr interleaved, as a terminal shows them. */
  readonly output: string;
  readonly seconds: number;
  /** `pid command line` of every process the command left running in its namespace (killed since). */
  readonly leftovers: readonly string[];
  /** `pid:[inode]` of the run's PID namespace. */
  readonly pidNamespace: string;
  /** The binfmt_misc entries (interpreters for foreign binaries) registered when the command started. */
  readonly binfmtAtStart: readonly string[];
}

export interface RootRunOptions {
  readonly root: string;
  /** Run as `/usr/bin/env -i <env> <command…>` inside the root. */
  readonly command: readonly [string, ...string[]];
  readonly env: Readonly<Record<string, string>>;
  /** Directories of this machine bind-mounted read-only at the same path inside the root (the target must exist). */
  readonly binds?: readonly string[];
  /** Each line of output as it comes. */
  readonly onLine?: (line: string) => void;
  readonly timeoutMs?: number;
}

export async function runInRoot(options: RootRunOptions): Promise<RootRun> {
  const control = mkdtempSync(path.join(os.tmpdir(), 'catalog-fresh-control-'));
  try {
    const argv = dieWithParent([
      'unshare', '--mount', '--pid', '--fork', '--kill-child', '--propagation', 'private', '--',
      '/bin/sh', '-c', NAMESPACE_INIT, 'sh', options.root, control,
      ...(options.binds ?? []).map((dir) => `ro:${dir}`), '--',
      '/usr/bin/env', '-i', ...Object.entries(options.env).map(([k, v]) => `${k}=${v}`), ...options.command,
    ]);
    const started = Date.now();
    const child = execa(argv[0], argv.slice(1), {
      reject: false,
      all: true,
      stdin: 'ignore',
      extendEnv: false,
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
      ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
    });
    let output = '';
    let partial = '';
    child.all?.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      output += text;
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) options.onLine?.(line);
    });
    const result = await child;
    if (partial !== '') options.onLine?.(partial);
    const seconds = (Date.now() - started) / 1000;
    const read = (name: string): string => {
      try {
        return readFileSync(path.join(control, name), 'utf8').trim();
      } catch {
        return '';
      }
    };
    if (result.timedOut) throw new HarnessError(`the command in the fresh root did not finish in ${(options.timeoutMs ?? 0) / 1000} s; last output:\n${output.split('\n').slice(-30).join('\n')}`);
    if (result.exitCode === undefined) throw new HarnessError(`unshare could not run the fresh root: ${result.shortMessage}`);
    return {
      exitCode: result.exitCode,
      output,
      seconds,
      leftovers: read('leftovers').split('\n').filter((l) => l !== ''),
      pidNamespace: read('pid-namespace'),
      binfmtAtStart: read('binfmt-at-start').split('\n').filter((l) => l !== ''),
    };
  } finally {
    rmSync(control, { recursive: true, force: true });
  }
}

/**
 * The mounts of this process's mount namespace that belong to `dir`: mounted at or under it, or a
 * bind mount of it or of something in it (mountinfo's root field), as `mount point <- root`.
 */
export function mountsOf(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ').map((field) => field.replace(/\\040/g, ' ')))
    .filter((fields) => isUnder(fields[4] ?? '', dir) || isUnder(fields[3] ?? '', dir))
    .map((fields) => `${fields[4]} <- ${fields[3]}`);
}

function isUnder(file: string, dir: string): boolean {
  return file === dir || file.startsWith(`${dir}/`);
}

/** `pid command line` of live processes in the PID namespace `pidNamespace`, or whose root directory or command line lies under `root`. */
export function processesOf(root: string, pidNamespace: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      const inRun =
        (pidNamespace !== '' && readlinkSync(`/proc/${entry}/ns/pid`) === pidNamespace) ||
        isUnder(readlinkSync(`/proc/${entry}/root`), root) ||
        cmdline.includes(root);
      if (inRun && isAlive(Number(entry))) found.push(`${entry} ${cmdline}`);
    } catch {
      // gone, or a kernel thread
    }
  }
  return found;
}

/**
 * Removes the root, never across a mount point (`rm --one-file-system`), and not at all while
 * anything is mounted under it in this namespace (the run's mounts live only in its own).
 */
export async function removeRoot(root: string): Promise<void> {
  const mounted = mountsOf(root);
  if (mounted.length > 0) throw new HarnessError(`not removing ${root}: still mounted under it: ${mounted.join(', ')}`);
  await run('rm', ['-rf', '--one-file-system', '--', root]);
}
