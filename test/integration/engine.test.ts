/**
 * The harness's local Docker engine, with real parts only: Debian's docker.io 26 + buildx (trixie),
 * containerd, QEMU user emulation, busybox-static images built FROM scratch. Nothing is pulled.
 *
 * As root, missing packages are installed. Not root (dockerd and binfmt need root): the tests are
 * skipped with the reason, unless CATALOG_REQUIRE_TOOLS=1, which turns the skip into a failure.
 * Each step prints its wall time.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot, missingPackages } from '../../harness/integration/apt.js';
import {
  docker,
  dockerCli,
  ENGINE_PACKAGES,
  ENGINE_TRIXIE_PACKAGES,
  ensureEnginePackages,
  ensureQemu,
  processesUsing,
  startEngine,
  type Engine,
} from '../../harness/integration/engine.js';
import { busyboxContext, DEFAULT_PLATFORMS, unameMachine } from '../../harness/integration/images.js';
import { isAlive } from '../../harness/integration/process.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const log = (line: string): void => console.log(`[engine] ${line}`);

async function step<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    return await fn();
  } finally {
    console.log(`[time] ${name}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}

async function skipReason(): Promise<string | undefined> {
  if (process.platform !== 'linux') return `needs Linux (this is ${process.platform})`;
  if (isRoot()) return undefined;
  const missing = await missingPackages(ENGINE_PACKAGES, ENGINE_TRIXIE_PACKAGES).catch(() => ['(dpkg not available)']);
  return missing.length > 0
    ? `not root and missing Debian packages ${missing.join(', ')}`
    : 'not root: dockerd, containerd and binfmt registration need root';
}

const reason = await skipReason();
const required = process.env['CATALOG_REQUIRE_TOOLS'] === '1';

// Registered only where the engine cannot run, so that a run that can run it counts no skipped test.
if (reason !== undefined) {
  describe('local Docker engine (unavailable)', () => {
    it('is skipped with the reason, or fails when CATALOG_REQUIRE_TOOLS=1', (context) => {
      if (required) throw new Error(`CATALOG_REQUIRE_TOOLS=1 but the engine cannot run here: ${reason}`);
      console.log(`[engine] skipped: ${reason}`);
      context.skip(reason);
    });
  });
}

describe.runIf(reason === undefined)('local Docker engine', () => {
  // Created in beforeAll: a skipped describe's body still runs at collection time.
  let base = '';
  let dir = '';
  let contextDir = '';
  const image = 'catalog-test/busybox:multiarch';
  let engine: Engine | undefined;
  let pids: readonly number[] = [];
  // containerd's shim socket dir and dockerd's plugin dir are hard-coded under /run; they must not outlive us.
  const runtimeDirs = ['/run/containerd', '/run/docker'].filter((d) => !existsSync(d));

  beforeAll(() => {
    base = mkdtempSync(path.join(os.tmpdir(), 'catalog-engine-test-'));
    dir = path.join(base, 'engine');
    contextDir = path.join(base, 'context');
  });

  afterAll(async () => {
    await engine?.stop();
    if (base !== '') rmSync(base, { recursive: true, force: true });
  });

  it('installs the missing packages, and a second run installs nothing', { timeout: 600_000 }, async () => {
    const installed = await step('ensure packages', () => ensureEnginePackages(log));
    log(installed.length === 0 ? 'all packages were already installed' : `installed ${installed.join(', ')}`);
    expect(await step('ensure packages again', () => ensureEnginePackages(log))).toEqual([]);
  });

  it('registers QEMU for arm64 and ppc64le', { timeout: 60_000 }, async () => {
    const qemu = await step('ensure qemu', () => ensureQemu(log));
    expect(qemu.arches).toEqual(expect.arrayContaining(['aarch64', 'ppc64le']));
    // Fix-binary: the interpreter is opened at registration, so it works inside containers.
    expect(qemu.fixBinary).toEqual(expect.arrayContaining(['aarch64', 'ppc64le']));
  });

  it('starts dockerd with the containerd image store, no bridge network, a private socket only', { timeout: 120_000 }, async () => {
    engine = await step('start engine', () => startEngine({ dir, log }));
    pids = engine.pids;
    expect(engine.host).toBe(`unix://${dir}/docker.sock`);
    const config = JSON.parse(readFileSync(path.join(dir, 'daemon.json'), 'utf8')) as Record<string, unknown>;
    expect(config['hosts']).toEqual([engine.host]);
    expect(config).toMatchObject({ bridge: 'none', iptables: false, ip6tables: false });
    const info = JSON.parse(await docker(['info', '--format', '{{json .}}'], engine)) as {
      ServerVersion: string;
      DriverStatus: [string, string][];
      DockerRootDir: string;
      ClientInfo?: { Plugins?: { Name: string }[] };
    };
    log(`dockerd ${info.ServerVersion}, storage ${JSON.stringify(info.DriverStatus)}`);
    expect(info.DriverStatus).toContainEqual(['driver-type', 'io.containerd.snapshotter.v1']);
    expect(info.DockerRootDir).toBe(path.join(dir, 'data'));
    expect(info.ClientInfo?.Plugins?.map((p) => p.Name)).toContain('buildx');
    const networks = (await docker(['network', 'ls', '--format', '{{.Name}}'], engine)).split('\n').sort();
    expect(networks).toEqual(['host', 'none']);
    expect(existsSync(path.join(dir, 'dockerd.log'))).toBe(true);
  });

  it('builds the busybox image for amd64, arm64 and ppc64le with the default driver', { timeout: 300_000 }, async () => {
    if (engine === undefined) throw new Error('engine not started');
    const context = await step('busybox context', () => busyboxContext(contextDir, DEFAULT_PLATFORMS, log));
    expect(context.platforms).toEqual([...DEFAULT_PLATFORMS]);
    const again = await step('busybox context again (cache)', () => busyboxContext(contextDir, DEFAULT_PLATFORMS, log));
    expect(again.downloaded).toEqual([]);
    const e = engine;
    await step('buildx build (3 platforms, --load)', () =>
      docker(
        ['buildx', 'build', '--builder', 'default', '--platform', DEFAULT_PLATFORMS.join(','), '--network', 'none',
          '--load', '--progress', 'plain', '-t', image, context.dir],
        e,
        240_000,
      ),
    );
    const builders = await docker(['buildx', 'ls'], e);
    expect(builders).toMatch(/^default\*?\s+docker\s*$/m);
  });

  it('runs each platform of the image, under QEMU for the foreign ones', { timeout: 120_000 }, async () => {
    if (engine === undefined) throw new Error('engine not started');
    const e = engine;
    for (const platform of DEFAULT_PLATFORMS) {
      const machine = await step(`run ${platform}`, () =>
        docker(['run', '--rm', '--pull', 'never', '--platform', platform, '--network', 'none', image, 'uname', '-m'], e, 60_000),
      );
      log(`${platform}: uname -m = ${machine.trim()}`);
      expect(machine.trim()).toBe(unameMachine(platform));
    }
  });

  it("buildx-ecr's TLS docker context and its builder get names buildx accepts together (docker/buildx#2345)", { timeout: 60_000 }, async () => {
    // The two assignments as the template writes them, evaluated by sh with a job id.
    const template = readFileSync(path.join(REPO_ROOT, 'templates/buildx-ecr.yml'), 'utf8');
    const assignment = (name: string): string => {
      const line = template.split('\n').find((l) => l.trim().startsWith(`${name}=buildx-ecr`));
      if (line === undefined) throw new Error(`templates/buildx-ecr.yml assigns no ${name}`);
      return line.trim();
    };
    const names = await execa('sh', ['-c', `CI_JOB_ID=4242; ${assignment('bx_builder')}; ${assignment('bx_context_name')}; printf '%s %s' "$bx_builder" "$bx_context_name"`]);
    const [builder = '', contextName = ''] = names.stdout.split(' ');
    const config = mkdtempSync(path.join(base, 'docker-config-'));
    const cli = async (args: readonly string[]) =>
      execa(dockerCli(), args, { env: { DOCKER_CONFIG: config }, reject: false, stdin: 'ignore' });
    const socket = engine!.host;
    // Control: equal names are refused by this buildx (>= 0.13), so the check below can fail.
    expect((await cli(['context', 'create', 'same-name', '--docker', `host=${socket}`])).exitCode).toBe(0);
    const refused = await cli(['buildx', 'create', '--name', 'same-name', '--driver', 'docker-container', 'same-name']);
    expect(refused.exitCode).not.toBe(0);
    // The component's names, the way its script uses them (the context as the builder's endpoint).
    expect((await cli(['context', 'create', contextName, '--docker', `host=${socket}`])).exitCode).toBe(0);
    const created = await cli(['buildx', 'create', '--name', builder, '--driver', 'docker-container', contextName]);
    expect(created.stderr).toBe('');
    expect(created.exitCode).toBe(0);
  });

  it('stops everything it started, unmounts and removes its directory; a second start works', { timeout: 120_000 }, async () => {
    if (engine === undefined) throw new Error('engine not started');
    const e = engine;
    await step('stop engine', () => e.stop());
    engine = undefined;
    expect(pids.length).toBe(2);
    expect(pids.filter(isAlive)).toEqual([]);
    expect(processesUsing(dir)).toEqual([]);
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(dir);
    expect(existsSync(dir)).toBe(false);
    expect(runtimeDirs.filter((d) => existsSync(d))).toEqual([]);

    const second = await step('second start', () => startEngine({ dir, log }));
    engine = second;
    expect((await docker(['info', '--format', '{{.ServerVersion}}'], second)).trim()).toMatch(/^26\./);
    await step('second stop', () => second.stop());
    engine = undefined;
    expect(second.pids.filter(isAlive)).toEqual([]);
    expect(existsSync(dir)).toBe(false);
  });

  it('stops the engine when the process gets SIGINT (handler registered by startEngine)', { timeout: 120_000 }, async () => {
    const script = fileURLToPath(new URL('../fixtures/integration/engine-signal.mjs', import.meta.url));
    const built = fileURLToPath(new URL('../../dist/harness/integration/engine.js', import.meta.url));
    if (!existsSync(built)) {
      await step('build toolkit (dist missing)', () => execa(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json']));
    }
    const signalDir = path.join(base, 'signal');
    const child = execa(process.execPath, [script, signalDir], { reject: false, stdin: 'ignore' });
    const ready = await step('start engine in a child process', async () => {
      let out = '';
      const pids = await new Promise<number[] | undefined>((resolve) => {
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const line = /^ready (.*)$/m.exec(out);
          if (line !== null) resolve((line[1] ?? '').split(' ').map(Number));
        });
        void child.then(() => resolve(undefined));
      });
      if (pids === undefined) throw new Error(`child exited before the engine was ready:\n${String((await child).stderr)}`);
      return pids;
    });
    expect(ready.every(isAlive)).toBe(true);
    child.kill('SIGINT');
    const result = await step('SIGINT → engine stopped, child exited', async () => child);
    expect(result.exitCode).toBe(130);
    expect(ready.filter(isAlive)).toEqual([]);
    expect(processesUsing(signalDir)).toEqual([]);
    expect(existsSync(signalDir)).toBe(false);
  });
});
