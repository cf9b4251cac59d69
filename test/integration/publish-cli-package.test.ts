/**
 * The `publish-cli-package` job of the catalog's own `.gitlab-ci.yml`, run for real against an npm
 * registry: its script as the catalog's parser reads it from the file (extends resolved), in a
 * clean clone of the repository checked out at a temporary semver tag, with the variables GitLab
 * gives a tag pipeline's job (CI_COMMIT_TAG, CI_API_V4_URL, CI_PROJECT_ID, CI_JOB_TOKEN,
 * CI_PROJECT_DIR and the file's own `variables:`).
 *
 * The registry is a stand-in: GitLab's package registry cannot run here, so Verdaccio (a real npm
 * registry) serves under the project's endpoint `/api/v4/projects/<id>/packages/npm/`. Verdaccio's
 * `url_prefix` only makes the URLs it hands out carry that path; it does not route it (its docs put
 * a reverse proxy that strips the prefix in front), so a small proxy here does that, and the job's
 * own arithmetic (`$CI_API_V4_URL/projects/$CI_PROJECT_ID/packages/npm/`) is used unchanged. The
 * token of a user created in Verdaccio stands for CI_JOB_TOKEN. Everything asserted about the
 * registry is read from the registry (HTTP with the token), not from the job's output.
 *
 * Each run is a fresh clone, as each GitLab job is a fresh checkout. The job's first step,
 * `install_node_packages` (scripts/bootstrap.sh), skips `npm ci` when node_modules carries the stamp
 * of this package-lock.json. The clone gets a node_modules of its own whose entries link to this
 * checkout's installed packages, and the stamp only when this checkout's node_modules holds what
 * package-lock.json pins (npm's own record, node_modules/.package-lock.json, compared entry by
 * entry): then the job uses what is installed, honestly; otherwise it runs its `npm ci` (slow, and
 * it only replaces the links: the shared node_modules is never written).
 *
 * Needs Verdaccio (the devDependency verdaccio@6.8.0; CATALOG_VERDACCIO may name its bin instead),
 * bash, git and npm. Without them: skipped with the reason, unless CATALOG_REQUIRE_TOOLS=1, which
 * turns the skip into a failure.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, waitForPort } from '../../harness/integration/ports.js';
import { startManagedDaemon, type ManagedDaemon } from '../../harness/integration/process.js';
import { JobResolver } from '../../scripts/gitlab/jobs/located.js';
import { isValueMap, type Value } from '../../scripts/gitlab/ruby/value.js';
import { parseYaml } from '../components/catalog.js';
import { REPO_ROOT } from '../helpers/cli.js';

const JOB = 'publish-cli-package';
const PROJECT_ID = '4242';
const ENDPOINT = `/api/v4/projects/${PROJECT_ID}/packages/npm/`;
const packageJson = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { name: string };
const NAME = packageJson.name;
const log = (line: string): void => console.log(`[publish] ${line}`);

/** Verdaccio's bin: the installed devDependency, or CATALOG_VERDACCIO. */
function verdaccioBin(): string | undefined {
  const named = process.env['CATALOG_VERDACCIO'];
  if (named !== undefined && named !== '') return existsSync(named) ? named : undefined;
  try {
    const manifest = createRequire(path.join(REPO_ROOT, 'package.json')).resolve('verdaccio/package.json');
    const { bin } = JSON.parse(readFileSync(manifest, 'utf8')) as { bin: string | Record<string, string> };
    const relative = typeof bin === 'string' ? bin : bin['verdaccio'];
    return relative === undefined ? undefined : path.join(path.dirname(manifest), relative);
  } catch {
    return undefined;
  }
}

async function skipReason(): Promise<string | undefined> {
  if (process.platform !== 'linux') return `needs Linux for /proc (this is ${process.platform})`;
  if (verdaccioBin() === undefined) return 'Verdaccio is not installed: it is the devDependency verdaccio@6.8.0 (or set CATALOG_VERDACCIO to its bin)';
  for (const tool of ['bash', 'git', 'npm']) {
    const found = await execa(tool, ['--version'], { reject: false });
    if (found.exitCode !== 0) return `${tool} is not available`;
  }
  return undefined;
}

const reason = await skipReason();
const required = process.env['CATALOG_REQUIRE_TOOLS'] === '1';

// Registered only where the job cannot run, so that a run that can run it counts no skipped test.
if (reason !== undefined) {
  describe(`${JOB} against an npm registry (unavailable)`, () => {
    it('is skipped with the reason, or fails when CATALOG_REQUIRE_TOOLS=1', (context) => {
      if (required) throw new Error(`CATALOG_REQUIRE_TOOLS=1 but ${JOB} cannot run here: ${reason}`);
      log(`skipped: ${reason}`);
      context.skip(reason);
    });
  });
}

/** The job's script: its items (nested lists flattened, as GitLab does) in one shell. */
function jobScript(): string {
  const content = parseYaml(readFileSync(path.join(REPO_ROOT, '.gitlab-ci.yml'), 'utf8'), '.gitlab-ci.yml');
  const items = new JobResolver(content).get(JOB, 'script')?.value;
  const flat = (value: Value | undefined): string[] => (Array.isArray(value) ? value.flatMap(flat) : typeof value === 'string' ? [value] : []);
  const lines = flat(items ?? undefined);
  if (lines.length === 0) throw new Error(`.gitlab-ci.yml: ${JOB} has no script`);
  return lines.join('\n');
}

/** The file's global `variables:` as the job sees them (only $CI_PROJECT_DIR is referenced). */
function globalVariables(projectDir: string): Record<string, string> {
  const content = parseYaml(readFileSync(path.join(REPO_ROOT, '.gitlab-ci.yml'), 'utf8'), '.gitlab-ci.yml');
  const variables = isValueMap(content) ? content.get('variables') : undefined;
  const result: Record<string, string> = {};
  if (!isValueMap(variables ?? null)) return result;
  for (const [key, value] of variables as Map<string, Value>) {
    if (typeof value === 'string') result[key] = value.replaceAll('$CI_PROJECT_DIR', projectDir);
  }
  return result;
}

/**
 * Why this checkout's node_modules is not what `npm ci` of package-lock.json installs here, or
 * undefined when it is: every installed package at the locked version and integrity, and every
 * locked package that is absent an optional one (another platform's).
 */
function nodeModulesMismatch(): string | undefined {
  type Entries = Record<string, { version?: string; integrity?: string; optional?: boolean }>;
  const read = (file: string): Entries | undefined => {
    try {
      return (JSON.parse(readFileSync(path.join(REPO_ROOT, file), 'utf8')) as { packages: Entries }).packages;
    } catch {
      return undefined;
    }
  };
  const locked = read('package-lock.json');
  const installed = read('node_modules/.package-lock.json');
  if (locked === undefined || installed === undefined) return 'package-lock.json or node_modules/.package-lock.json is missing';
  for (const [key, entry] of Object.entries(installed)) {
    const want = locked[key];
    if (want === undefined || want.version !== entry.version || want.integrity !== entry.integrity) return `${key} is not the locked one`;
  }
  const absent = Object.keys(locked).filter((key) => key !== '' && installed[key] === undefined && locked[key]?.optional !== true);
  return absent.length > 0 ? `not installed: ${absent.join(', ')}` : undefined;
}

/** The clone's own node_modules: one link per installed entry, plus the stamp when it is earned. */
function linkNodeModules(clone: string, stamp: boolean): void {
  const shared = path.join(REPO_ROOT, 'node_modules');
  const own = path.join(clone, 'node_modules');
  mkdirSync(own);
  for (const entry of readdirSync(shared)) {
    if (entry !== '.catalog-lock-sha256') symlinkSync(path.join(shared, entry), path.join(own, entry));
  }
  if (stamp) {
    const sha = createHash('sha256').update(readFileSync(path.join(clone, 'package-lock.json'))).digest('hex');
    writeFileSync(path.join(own, '.catalog-lock-sha256'), `${sha}\n`);
  }
}

const sri = (bytes: Buffer): string => `sha512-${createHash('sha512').update(bytes).digest('base64')}`;

/** What a watcher saw while a job ran: token in argv, and each temporary .npmrc's mode and text. */
interface Watch {
  samples: number;
  argvWithToken: string[];
  npmrcs: Map<string, { mode: number; text: string }>;
}

/** Samples /proc/<pid>/cmdline and the job's TMPDIR every 25 ms until stopped. */
function watchJob(token: string, tmp: string): { stop: () => Watch } {
  const seen: Watch = { samples: 0, argvWithToken: [], npmrcs: new Map() };
  const sample = (): void => {
    seen.samples += 1;
    for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
      try {
        const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        if (argv.includes(token)) seen.argvWithToken.push(argv.replaceAll('\0', ' ').replaceAll(token, '<token>'));
      } catch {
        // the process ended between readdir and read
      }
    }
    for (const entry of readdirSync(tmp)) {
      const file = path.join(tmp, entry);
      try {
        const text = readFileSync(file, 'utf8');
        if (text.includes('_authToken')) seen.npmrcs.set(entry, { mode: statSync(file).mode & 0o777, text });
      } catch {
        // a directory, or removed meanwhile
      }
    }
  };
  const timer = setInterval(sample, 25);
  return {
    stop: () => {
      clearInterval(timer);
      return seen;
    },
  };
}

/** Verdaccio's storage: every file with its size and modification time. */
function storageSnapshot(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((entry) => path.join(dir, entry))
    .filter((file) => statSync(file).isFile())
    .map((file) => `${path.relative(dir, file)} ${statSync(file).size} ${statSync(file).mtimeMs}`)
    .sort();
}

interface JobRun {
  readonly clone: string;
  readonly tmp: string;
  readonly exitCode: number;
  readonly output: string;
  readonly watch: Watch;
}

describe.runIf(reason === undefined)(`${JOB} against an npm registry (Verdaccio standing in for GitLab's)`, () => {
  let base = '';
  let origin = '';
  let storage = '';
  let verdaccioLog = '';
  let verdaccio: ManagedDaemon | undefined;
  let proxy: http.Server | undefined;
  let apiV4 = '';
  let token = '';
  let stampNodeModules = false;
  const runs: JobRun[] = [];

  const registryUrl = (): string => `${apiV4}/projects/${PROJECT_ID}/packages/npm/`;

  /** The package's document, from the registry. */
  async function packument(): Promise<{ 'dist-tags': Record<string, string>; versions: Record<string, { dist: { integrity: string; tarball: string } }> }> {
    const response = await fetch(`${registryUrl()}${NAME.replace('/', '%2f')}`, { headers: { authorization: `Bearer ${token}` } });
    if (response.status !== 200) throw new Error(`the registry answers ${response.status} for ${NAME}: ${await response.text()}`);
    return (await response.json()) as Awaited<ReturnType<typeof packument>>;
  }

  async function download(url: string): Promise<{ status: number; bytes: Buffer }> {
    const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, bytes: Buffer.from(await response.arrayBuffer()) };
  }

  /** `npm pack` of the clone as the job left it: the tarball's bytes. */
  async function npmPack(clone: string): Promise<Buffer> {
    const destination = mkdtempSync(path.join(base, 'pack-'));
    const packed = await execa('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', destination], {
      cwd: clone,
      env: { PATH: process.env['PATH'] ?? '', HOME: path.join(base, 'home'), npm_config_cache: path.join(clone, '.npm') },
      extendEnv: false,
    });
    const [{ filename }] = JSON.parse(packed.stdout) as [{ filename: string }];
    return readFileSync(path.join(destination, path.basename(filename)));
  }

  /** The job, as a GitLab runner runs it: a fresh clone at `tag`, the script in one bash. */
  async function runJob(tag: string, prepare?: (clone: string) => Promise<void>): Promise<JobRun> {
    const name = `run-${runs.length + 1}`;
    const clone = path.join(base, name);
    await execa('git', ['clone', '--quiet', '--branch', tag, origin, clone]);
    await prepare?.(clone);
    linkNodeModules(clone, stampNodeModules);
    const tmp = path.join(base, `${name}-tmp`);
    mkdirSync(tmp);
    const script = path.join(base, `${name}.sh`);
    // The runner's bash prologue for a script (set -eo pipefail), then the items.
    writeFileSync(script, `set -eo pipefail\n${jobScript()}\n`);
    const watcher = watchJob(token, tmp);
    const started = Date.now();
    const result = await execa('bash', [script], {
      cwd: clone,
      reject: false,
      all: true,
      stdin: 'ignore',
      extendEnv: false,
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: path.join(base, 'home'),
        TMPDIR: tmp,
        LANG: 'C.UTF-8',
        CI: 'true',
        GITLAB_CI: 'true',
        CI_PROJECT_DIR: clone,
        CI_COMMIT_TAG: tag,
        CI_API_V4_URL: apiV4,
        CI_PROJECT_ID: PROJECT_ID,
        CI_JOB_TOKEN: token,
        ...globalVariables(clone),
      },
    });
    const watch = watcher.stop();
    const run: JobRun = { clone, tmp, exitCode: result.exitCode ?? -1, output: result.all ?? '', watch };
    runs.push(run);
    log(`${name} (${tag}): exit ${run.exitCode} in ${((Date.now() - started) / 1000).toFixed(1)} s, ${watch.samples} samples of argv, ${watch.npmrcs.size} .npmrc seen`);
    log(`${name} output:\n${run.output.replaceAll(token, '<token>')}`);
    return run;
  }

  beforeAll(async () => {
    base = mkdtempSync(path.join(os.tmpdir(), 'catalog-publish-'));
    mkdirSync(path.join(base, 'home'));
    storage = path.join(base, 'storage');
    verdaccioLog = path.join(base, 'verdaccio.log');
    const config = path.join(base, 'verdaccio.yaml');
    writeFileSync(
      config,
      [
        `storage: ${storage}`,
        `url_prefix: ${ENDPOINT}`,
        'auth:',
        '  htpasswd:',
        `    file: ${path.join(base, 'htpasswd')}`,
        '    max_users: 1',
        'uplinks: {}',
        'packages:',
        "  '**':",
        '    access: $authenticated',
        '    publish: $authenticated',
        'max_body_size: 100mb',
        'web:',
        '  enable: false',
        'log: { type: stdout, format: pretty, level: http }',
        '',
      ].join('\n'),
    );
    const port = await freePort();
    verdaccio = startManagedDaemon('verdaccio', [process.execPath, verdaccioBin() ?? 'verdaccio', '--config', config, '--listen', `127.0.0.1:${port}`], verdaccioLog);
    await waitForPort('127.0.0.1', port, 60_000);

    // GitLab's endpoint path in front of Verdaccio's root; the Host header is kept, so the tarball
    // URLs Verdaccio writes (its url_prefix) point back through this proxy.
    proxy = http.createServer((request, response) => {
      const url = request.url ?? '/';
      if (!url.startsWith(ENDPOINT)) {
        response.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"404 Not Found"}');
        return;
      }
      const upstream = http.request({ host: '127.0.0.1', port, method: request.method, path: `/${url.slice(ENDPOINT.length)}`, headers: { ...request.headers, 'x-forwarded-proto': 'http' } }, (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      });
      upstream.on('error', (error) => response.writeHead(502).end(String(error)));
      request.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy?.listen(0, '127.0.0.1', resolve));
    apiV4 = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/api/v4`;

    // The user whose token stands for CI_JOB_TOKEN (npm's adduser request).
    const user = await fetch(`${registryUrl()}-/user/org.couchdb.user:ci`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'ci', password: randomBytes(18).toString('base64url') }),
    });
    const created = (await user.json()) as { token?: string };
    if (user.status !== 201 || created.token === undefined) throw new Error(`Verdaccio did not create the user (${user.status}): ${JSON.stringify(created)}`);
    token = created.token;

    // The repository's HEAD as an origin carrying the release tags (annotated, as catalog release makes them).
    origin = path.join(base, 'origin');
    await execa('git', ['clone', '--quiet', REPO_ROOT, origin]);
    for (const tag of ['1.0.0', '1.0.0-rc.1']) await execa('git', ['-C', origin, '-c', 'user.name=ci', '-c', 'user.email=ci@example.com', 'tag', '-a', tag, '-m', tag]);

    const mismatch = nodeModulesMismatch();
    stampNodeModules = mismatch === undefined;
    log(stampNodeModules ? 'node_modules holds what package-lock.json pins: the job skips npm ci' : `node_modules differs from package-lock.json (${mismatch}): the job runs npm ci`);
  }, 300_000);

  afterAll(async () => {
    await new Promise<void>((resolve) => (proxy ? proxy.close(() => resolve()) : resolve()));
    await verdaccio?.stop();
    if (base !== '') rmSync(base, { recursive: true, force: true });
  });

  it('(1) publishes name@1.0.0 under `latest`, the tarball npm pack makes; 1.0.0-rc.1 under `next`', { timeout: 900_000 }, async () => {
    const release = await runJob('1.0.0');
    expect(release.exitCode, release.output).toBe(0);
    const afterRelease = await packument();
    expect(Object.keys(afterRelease.versions)).toEqual(['1.0.0']);
    expect(afterRelease['dist-tags']).toEqual({ latest: '1.0.0' });
    const packed = await npmPack(release.clone);
    const served = await download(afterRelease.versions['1.0.0']?.dist.tarball ?? '');
    expect(served.status).toBe(200);
    expect(afterRelease.versions['1.0.0']?.dist.integrity).toBe(sri(packed));
    expect(sri(served.bytes)).toBe(sri(packed));
    log(`1.0.0: ${afterRelease.versions['1.0.0']?.dist.integrity}, npm pack ${packed.length} bytes`);

    const preRelease = await runJob('1.0.0-rc.1');
    expect(preRelease.exitCode, preRelease.output).toBe(0);
    const afterPreRelease = await packument();
    expect(Object.keys(afterPreRelease.versions).sort()).toEqual(['1.0.0', '1.0.0-rc.1']);
    expect(afterPreRelease['dist-tags']).toEqual({ latest: '1.0.0', next: '1.0.0-rc.1' });
    expect(afterPreRelease.versions['1.0.0-rc.1']?.dist.integrity).toBe(sri(await npmPack(preRelease.clone)));
  });

  it('(2) writes cli-package.env with the name, the version and a tarball URL that answers 200', async () => {
    const [release, preRelease] = runs;
    if (release === undefined || preRelease === undefined) throw new Error('(1) did not run the job');
    const registry = await packument();
    for (const [run, version] of [[release, '1.0.0'], [preRelease, '1.0.0-rc.1']] as const) {
      const dotenv = readFileSync(path.join(run.clone, 'cli-package.env'), 'utf8');
      const tarball = registry.versions[version]?.dist.tarball ?? '';
      expect(dotenv).toBe(`CATALOG_PACKAGE_NAME=${NAME}\nCATALOG_PACKAGE_VERSION=${version}\nCATALOG_PACKAGE_TARBALL=${tarball}\n`);
      expect(tarball.startsWith(`${registryUrl()}${NAME}/-/`)).toBe(true);
      const served = await download(tarball);
      expect(served.status).toBe(200);
      expect(sri(served.bytes)).toBe(registry.versions[version]?.dist.integrity);
      log(`${version}: ${tarball} answers ${served.status}, ${served.bytes.length} bytes`);
    }
  });

  it('(3) a second run of the same tag publishes nothing, says so and exits 0', { timeout: 600_000 }, async () => {
    const before = { document: await packument(), files: storageSnapshot(storage) };
    const again = await runJob('1.0.0');
    expect(again.exitCode, again.output).toBe(0);
    expect(again.output).toMatch(new RegExp(`${NAME}@1\\.0\\.0 is already in the package registry, the same tarball: not published again`));
    expect(await packument()).toEqual(before.document);
    expect(storageSnapshot(storage)).toEqual(before.files);
    expect(readFileSync(path.join(again.clone, 'cli-package.env'), 'utf8')).toContain(`CATALOG_PACKAGE_TARBALL=${before.document.versions['1.0.0']?.dist.tarball}\n`);
    log(`second run: ${before.files.length} files in the registry's storage, unchanged`);
  });

  it('(4) a run with other contents for a published version exits 1, naming both integrities, and changes nothing', { timeout: 600_000 }, async () => {
    const before = { document: await packument(), files: storageSnapshot(storage) };
    const changed = await runJob('1.0.0', async (clone) => {
      // Another commit released as the same version: the README is in every npm tarball.
      writeFileSync(path.join(clone, 'README.md'), `${readFileSync(path.join(clone, 'README.md'), 'utf8')}\nChanged after 1.0.0 was published.\n`);
      const git = ['-C', clone, '-c', 'user.name=ci', '-c', 'user.email=ci@example.com'];
      await execa('git', [...git, 'commit', '--quiet', '-am', 'changed']);
      await execa('git', [...git, 'tag', '--force', '-a', '1.0.0', '-m', '1.0.0']);
    });
    expect(changed.exitCode, changed.output).toBe(1);
    const published = before.document.versions['1.0.0']?.dist.integrity ?? '';
    const rebuilt = sri(await npmPack(changed.clone));
    expect(rebuilt).not.toBe(published);
    expect(changed.output).toContain(`${NAME}@1.0.0 is already in the package registry with other contents (${published}, this build ${rebuilt})`);
    expect(changed.output).toContain('a published version is never replaced');
    expect(await packument()).toEqual(before.document);
    expect(storageSnapshot(storage)).toEqual(before.files);
    expect(existsSync(path.join(changed.clone, 'cli-package.env'))).toBe(false);
  });

  it('(5) the token is in no log line and no argv; the .npmrc is 0600, holds no token and is gone after', () => {
    expect(runs).toHaveLength(4);
    const logs = [verdaccioLog, ...runs.flatMap((run) => {
      const npmLogs = path.join(run.clone, '.npm', '_logs');
      return existsSync(npmLogs) ? readdirSync(npmLogs).map((file) => path.join(npmLogs, file)) : [];
    })];
    for (const file of logs) expect(readFileSync(file, 'utf8').includes(token), `${file} holds the token`).toBe(false);
    for (const run of runs) {
      expect(run.output.includes(token), `${run.clone}: the job's log holds the token`).toBe(false);
      expect(run.watch.argvWithToken).toEqual([]);
      expect(run.watch.npmrcs.size).toBe(1);
      for (const { mode, text } of run.watch.npmrcs.values()) {
        expect(mode.toString(8)).toBe('600');
        expect(text).toBe(`//127.0.0.1:${new URL(apiV4).port}${ENDPOINT}:_authToken=\${CI_JOB_TOKEN}\n`);
      }
      expect(readdirSync(run.tmp).filter((entry) => run.watch.npmrcs.has(entry))).toEqual([]);
    }
    log(`${logs.length} log files and ${runs.length} job logs without the token; ${runs.reduce((n, run) => n + run.watch.samples, 0)} argv samples`);
  });
});
