/**
 * The README's main command on a new machine of this kind: a fresh Debian bookworm root made with
 * mmdebstrap from Debian's packages (harness/fresh-machine/image.ts: minbase plus what a new machine
 * has from Debian), given this machine's Node, npm, npm configuration and trust store, and moto_server
 * (a prerequisite the README names, not from Debian: this machine's pyenv Python, read-only), with
 * a clone of this repository's HEAD at /repo (provision.ts). `bash scripts/main.sh` runs there as
 * root in private mount and PID namespaces with the root's own /proc and /sys, the machine's cgroups
 * and /dev (run.ts), and an environment of a fresh root shell only.
 *
 * The kernel's QEMU entries are taken away for the run (binfmt.ts): a new machine has none, so
 * main.sh must install QEMU and register it itself. They are registered again exactly as before when
 * the run ends, however it ends. Meanwhile nothing else on the machine can run a foreign binary: this
 * project runs after every other one (vitest.config.ts).
 *
 * The root's tarball is kept in /var/cache/catalog-harness/fresh-machine (CATALOG_FRESH_MACHINE_CACHE)
 * keyed by its recipe; each run unpacks a fresh copy and removes it afterwards.
 *
 * Needs root on Linux and moto_server on PATH; otherwise skipped with the reason, or failed under
 * CATALOG_REQUIRE_TOOLS=1.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { qemuEntries, takeAwayQemu } from '../../harness/fresh-machine/binfmt.js';
import { freshMachineCacheDir, freshRootImage, freshRootRecipe, unpackRoot } from '../../harness/fresh-machine/image.js';
import { freshMachineEnv, hostTools, provisionRoot, type HostTools } from '../../harness/fresh-machine/provision.js';
import { mountsOf, processesOf, removeRoot, runInRoot, type RootRun } from '../../harness/fresh-machine/run.js';
import { describeUnavailable, integrationUnavailable, REPO_ROOT } from '../helpers/integration.js';
import { QEMU_STATE_FILE } from './global-setup.js';

const tools: HostTools | string | undefined = integrationUnavailable === undefined ? await hostTools() : undefined;
const reason = integrationUnavailable ?? (typeof tools === 'string' ? tools : undefined);

describeUnavailable('fresh machine', reason);

/** Each mount as `mount point, root in its file system, type, source`, as /proc/self/mountinfo lists them (without the ids, which are not stable). */
function mountTable(): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const fields = line.split(' ');
      const dash = fields.indexOf('-');
      return `${fields[4]} ${fields[3]} ${fields[dash + 1]} ${fields[dash + 2]}`;
    })
    .sort();
}

/** Lines kept until `flush` prints them as one block. */
function lineBuffer(): { push(line: string): void; flush(): void } {
  let lines: string[] = [];
  return {
    push: (line) => void lines.push(line),
    flush: () => {
      if (lines.length > 0) console.log(lines.join('\n'));
      lines = [];
    },
  };
}

const MACHINE: Readonly<Record<string, string>> = { 'linux/amd64': 'x86_64', 'linux/arm64': 'aarch64', 'linux/ppc64le': 'ppc64le' };

describe.runIf(reason === undefined)('the README main command on a fresh Debian bookworm machine', () => {
  it('bash scripts/main.sh installs what it needs, runs buildx-ecr end to end and prints the image index; nothing of the run is left', { timeout: 45 * 60_000 }, async () => {
    const host = tools as HostTools;
    const log = (line: string): void => console.log(`[fresh-machine] ${line}`);
    const output = lineBuffer();
    const mountsBefore = mountTable();
    const qemuBefore = qemuEntries();

    const preparing = Date.now();
    const recipe = await freshRootRecipe(host.pythonPrefix, log);
    const image = await freshRootImage(recipe, freshMachineCacheDir(), log);
    const root = mkdtempSync(path.join(os.tmpdir(), 'catalog-fresh-root-'));
    let run: RootRun | undefined;
    try {
      await unpackRoot(image, root);
      await provisionRoot(root, host, REPO_ROOT);
      log(`root ${root} ready in ${((Date.now() - preparing) / 1000).toFixed(1)} s; QEMU entries taken away: ${qemuBefore.map((e) => e.name).join(' ') || '(none)'}`);
      const qemu = takeAwayQemu(QEMU_STATE_FILE);
      // main.sh's output as it comes, a few seconds at a time (vitest heads each console.log with the test's name).
      const flush = setInterval(() => output.flush(), 5_000);
      try {
        run = await runInRoot({
          root,
          command: ['/bin/bash', '-c', 'cd /repo && bash scripts/main.sh'],
          env: freshMachineEnv(host),
          binds: [host.pythonPrefix],
          onLine: (line) => output.push(`[main.sh] ${line}`),
          timeoutMs: 40 * 60_000,
        });
      } finally {
        clearInterval(flush);
        output.flush();
        qemu.restore();
      }
    } finally {
      await removeRoot(root);
    }
    if (run === undefined) throw new Error('unreachable: the run either returned or threw');
    log(`bash scripts/main.sh in the fresh root: exit code ${run.exitCode}, ${run.seconds.toFixed(1)} s (the root's preparation before it: ${((Date.now() - preparing) / 1000 - run.seconds).toFixed(1)} s)`);

    // As on a new machine, the run started with no QEMU interpreter registered.
    expect(run.binfmtAtStart.filter((entry) => entry.startsWith('qemu-'))).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(run.output).toMatch(/^image index \S+@sha256:[0-9a-f]{64}$/m);
    for (const [platform, uname] of Object.entries(MACHINE)) {
      expect(run.output).toMatch(new RegExp(`^\\| ${platform.replace('/', '\\/')} +\\| sha256:[0-9a-f]{64} +\\| ${uname} +\\|$`, 'm'));
    }
    expect(run.output).toMatch(/^latest: same index$/m);

    // Nothing of the run is left: no process it started, no mount, no root; QEMU as it was.
    expect(run.leftovers).toEqual([]);
    expect(processesOf(root, run.pidNamespace)).toEqual([]);
    // The machine's mount table against the one before: nothing added belongs to the run (other
    // work on the machine may mount meanwhile: shown, not failed).
    const added = mountTable().filter((m) => !mountsBefore.includes(m));
    if (added.length > 0) log(`mounts added on the machine during the run (by other work; checked below): ${added.join(', ')}`);
    expect(added.filter((m) => m.includes(root))).toEqual([]);
    expect(mountsOf(root)).toEqual([]);
    expect(() => readFileSync(path.join(root, 'etc', 'os-release'))).toThrow();
    expect(qemuEntries()).toEqual(qemuBefore);
  });
});
