/**
 * An integration environment leaves nothing of its own behind once stopped, also after a job
 * failed: no process it started (the engine, the registry, moto, the namespace holder), no process
 * left in its private mount namespace, no mount and no file under its directories. Compared through
 * /proc before and after, so it holds however the environment stops its parts. Other test files run
 * their own environments at the same time: only what belongs to this one is compared.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mountsOf } from '../../harness/fresh-machine/run.js';
import { startEnvironment, type Environment } from '../../harness/integration/environment.js';
import { describeUnavailable, integrationUnavailable } from '../helpers/integration.js';

const FAILING_PIPELINE = `stages: [build, test]
build:
  stage: build
  script:
    - echo building
    - exit 3
never-reached:
  stage: test
  script:
    - echo "not run after a failed stage"
`;

interface ProcessEntry {
  readonly pid: number;
  readonly cmdline: string;
  readonly mountNamespace: string | undefined;
}

function processes(): ProcessEntry[] {
  const found: ProcessEntry[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      let mountNamespace: string | undefined;
      try {
        mountNamespace = readlinkSync(`/proc/${name}/ns/mnt`);
      } catch {
        mountNamespace = undefined;
      }
      found.push({ pid: Number(name), cmdline, mountNamespace });
    } catch {
      // The process ended while the list was read.
    }
  }
  return found;
}

const isAlive = (pid: number): boolean => {
  try {
    // A zombie has ended: only its parent's wait is missing.
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

describeUnavailable('environment cleanup');

describe.skipIf(integrationUnavailable !== undefined)('an integration environment after a failed job', () => {
  it('leaves no process, namespace member, mount or directory of its own', { timeout: 600_000 }, async () => {
    const workDir = mkdtempSync(path.join(tmpdir(), 'catalog-cleanup-'));
    const log = (line: string) => console.log(`[cleanup] ${line}`);
    const before = new Set(processes().map((p) => `${p.pid} ${p.cmdline}`));
    let env: Environment | undefined;
    let started: { pids: number[]; mountNamespace: string; dirs: string[] } | undefined;
    try {
      env = await startEnvironment({ workDir, log });
      const mountNamespace = readlinkSync(`/proc/${env.namespace.pid}/ns/mnt`);
      started = {
        pids: [...env.engine.pids, env.registry.pid, env.moto.pid, env.namespace.pid],
        mountNamespace,
        dirs: [workDir, env.engine.dir],
      };
      const run = await env.runner.run(FAILING_PIPELINE, { name: 'failing' });
      expect(run.pipeline.jobs.map((j) => [j.name, j.status])).toEqual([
        ['build', 'failed'],
        ['never-reached', 'skipped'],
      ]);
      // While it runs, the parts are there to be found: the comparison below can fail.
      expect(started.pids.filter(isAlive)).toEqual(started.pids);
      expect(processes().filter((p) => p.mountNamespace === mountNamespace).length).toBeGreaterThan(0);
    } finally {
      await env?.stop();
    }
    expect(started).toBeDefined();
    const { pids, mountNamespace, dirs } = started!;
    const ours = (p: ProcessEntry) =>
      pids.includes(p.pid) || p.mountNamespace === mountNamespace || dirs.some((dir) => p.cmdline.includes(dir));
    const leftover = processes().filter((p) => ours(p) && !before.has(`${p.pid} ${p.cmdline}`));
    expect(leftover.map((p) => `${p.pid} ${p.cmdline}`)).toEqual([]);
    expect(pids.filter(isAlive)).toEqual([]);
    expect(dirs.flatMap((dir) => mountsOf(dir))).toEqual([]);
    expect(dirs.filter((dir) => existsSync(dir))).toEqual([]);
  });
});
