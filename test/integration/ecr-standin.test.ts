/**
 * The ECR stand-in, for real: moto_server (ECR + STS), a Distribution registry with TLS and
 * htpasswd (user AWS, moto's token password), reached under the real ECR hostname through a
 * private /etc/hosts that only the harness's processes see. Needs root (mount namespaces; apt).
 */
import { createHash, verify } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assumeRoleWithWebIdentity, awsEnv, ecrToken, MOTO_ACCOUNT, startMoto, type Moto } from '../../harness/integration/moto.js';
import { generateSigningKey, gitlabIdToken } from '../../harness/integration/oidc.js';
import {
  hostsNamespace,
  startRegistry,
  withPrivateHosts,
  type HostsNamespace,
  type Registry,
} from '../../harness/integration/registry.js';
import { generateTls, type TlsFiles } from '../../harness/integration/tls.js';

const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
const REGION = 'eu-west-1';
const ECR_HOST = `${MOTO_ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`;
/** Not 127.0.0.1: proves the name resolves through our entry, not some default. */
const ADDRESS = '127.0.0.2';
const REQUIRE = process.env['CATALOG_REQUIRE_TOOLS'] === '1';

// ---------------------------------------------------------------------------------------------
// Tools: installed with apt when root and missing; otherwise skip (or fail when required)
// ---------------------------------------------------------------------------------------------

const DEBIAN_PACKAGES: Record<string, string> = { 'docker-registry': 'docker-registry', htpasswd: 'apache2-utils' };
const OTHER_TOOLS = ['openssl', 'moto_server', 'aws', 'curl', 'getent', 'unshare', 'nsenter', 'mount'];

async function has(tool: string): Promise<boolean> {
  const result = await execa('sh', ['-c', 'command -v "$1"', 'sh', tool], { reject: false });
  return result.exitCode === 0;
}

/** Returns why the suite cannot run, or undefined when everything is there (installing if root). */
async function ensureTools(): Promise<string | undefined> {
  const root = process.getuid?.() === 0;
  const missingPackages: string[] = [];
  for (const [tool, pkg] of Object.entries(DEBIAN_PACKAGES)) if (!(await has(tool))) missingPackages.push(pkg);
  if (missingPackages.length > 0) {
    if (!root) return `not root and missing Debian packages: ${missingPackages.join(', ')}`;
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const args = ['install', '-y', '--no-install-recommends', ...missingPackages];
    const aptGet = async (argv: string[]): Promise<{ ok: boolean; stderr: string }> => {
      const result = await execa('apt-get', argv, { env, reject: false, stdin: 'ignore' });
      return { ok: result.exitCode === 0, stderr: String(result.stderr) };
    };
    let install = await aptGet(args);
    if (!install.ok) {
      // Stale or missing package lists: refresh once and retry.
      await aptGet(['update']);
      install = await aptGet(args);
    }
    if (!install.ok) return `apt-get install ${missingPackages.join(' ')} failed: ${install.stderr.slice(-500)}`;
  }
  const missing: string[] = [];
  for (const tool of OTHER_TOOLS) if (!(await has(tool))) missing.push(tool);
  if (missing.length > 0) return `missing tools: ${missing.join(', ')}`;
  if (!root) return 'not root: a private /etc/hosts needs a mount namespace (CAP_SYS_ADMIN)';
  return undefined;
}

// ---------------------------------------------------------------------------------------------

const timings: { step: string; ms: number }[] = [];
async function step<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await fn();
  } finally {
    timings.push({ step: name, ms: Math.round(performance.now() - start) });
  }
}

const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');
const hostsBefore = readFileSync('/etc/hosts');
const hostsHashBefore = sha256('/etc/hosts');

/** Running (a zombie waiting for its reaper counts as gone: it holds no socket, mount or file). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

let skipReason: string | undefined;
let work = '';
let tls: TlsFiles;
let moto: Moto | undefined;
let registry: Registry | undefined;
let ns: HostsNamespace | undefined;
let password = '';
const pids: number[] = [];

describe('ECR stand-in (moto + Distribution + private hosts)', () => {
  beforeAll(async () => {
    skipReason = await step('tools (apt when missing)', ensureTools);
    if (skipReason !== undefined) {
      if (REQUIRE) throw new Error(`CATALOG_REQUIRE_TOOLS=1: ${skipReason}`);
      return;
    }
    work = mkdtempSync(path.join(tmpdir(), 'catalog-ecr-'));
    tls = await step('tls: CA + server cert', () =>
      generateTls({ dir: path.join(work, 'tls'), dnsNames: [ECR_HOST, 'localhost'], ips: [ADDRESS, '127.0.0.1'] }),
    );
    moto = await step('moto_server start', () => startMoto({ dir: path.join(work, 'moto') }));
    pids.push(moto.pid);
    const token = await step('moto: ecr get-authorization-token', () => ecrToken(moto!.endpoint, REGION));
    expect(token.user).toBe('AWS');
    expect(token.registryHost).toBe(ECR_HOST);
    password = token.password;
    registry = await step('registry start (TLS + htpasswd)', () =>
      startRegistry({
        dir: path.join(work, 'registry'),
        hostnames: [ECR_HOST],
        tls,
        htpasswd: { user: 'AWS', password },
        address: ADDRESS,
      }),
    );
    pids.push(registry.pid);
    ns = await step('private hosts namespace', () => hostsNamespace([{ address: ADDRESS, names: [ECR_HOST] }]));
    pids.push(ns.pid);
  }, 300_000);

  afterAll(async () => {
    // Only when a test failed before the last one stopped everything.
    await registry?.stop();
    await moto?.stop();
    await ns?.stop();
    if (work !== '') rmSync(work, { recursive: true, force: true });
    if (timings.length > 0) {
      console.log(`ECR stand-in step timings:\n${timings.map((t) => `  ${String(t.ms).padStart(6)} ms  ${t.step}`).join('\n')}`);
    }
  });

  it('resolves the ECR hostname to loopback only inside the private namespace', async (ctx) => {
    if (skipReason !== undefined) return ctx.skip(skipReason);
    const inside = await step('getent inside (one-shot withPrivateHosts)', () =>
      withPrivateHosts([{ address: ADDRESS, names: [ECR_HOST] }], ['getent', 'hosts', ECR_HOST]),
    );
    expect(inside.exitCode).toBe(0);
    expect(inside.stdout.split(/\s+/)[0]).toBe(ADDRESS);
    const held = await execa(ns!.wrap(['getent', 'hosts', ECR_HOST])[0], ns!.wrap(['getent', 'hosts', ECR_HOST]).slice(1));
    expect(held.stdout.split(/\s+/)[0]).toBe(ADDRESS);
    const outside = await execa('getent', ['hosts', ECR_HOST], { reject: false });
    expect(outside.exitCode).not.toBe(0);
    expect(outside.stdout).toBe('');
    expect(sha256('/etc/hosts')).toBe(hostsHashBefore);
  });

  it('serves /v2/ under the ECR hostname: 401 without credentials, 200 with AWS:<moto token password>', async (ctx) => {
    if (skipReason !== undefined) return ctx.skip(skipReason);
    const url = `${registry!.url}/v2/`;
    expect(url).toBe(`https://${ECR_HOST}:${registry!.port}/v2/`);
    const curl = ['curl', '-sS', '-o', '/dev/null', '-w', '%{http_code}', '--cacert', registry!.caFile] as const;

    const anonymous = await step('curl /v2/ without credentials (in namespace)', () =>
      execa(ns!.wrap([...curl, url])[0], ns!.wrap([...curl, url]).slice(1), { reject: false }),
    );
    expect(anonymous.stdout).toBe('401');

    // The password goes through a 0600 netrc file, never through argv.
    const netrc = path.join(work, 'netrc');
    writeFileSync(netrc, `machine ${ECR_HOST}\nlogin AWS\npassword ${password}\n`, { mode: 0o600 });
    const argv = ns!.wrap([...curl, '--netrc-file', netrc, url]);
    const authed = await step('curl /v2/ with netrc credentials (in namespace)', () =>
      execa(argv[0], argv.slice(1), { reject: false }),
    );
    expect(authed.stdout).toBe('200');
    expect(argv.join(' ')).not.toContain(password);

    const wrong = path.join(work, 'netrc-wrong');
    writeFileSync(wrong, `machine ${ECR_HOST}\nlogin AWS\npassword not-the-token\n`, { mode: 0o600 });
    const rejected = ns!.wrap([...curl, '--netrc-file', wrong, url]);
    expect((await execa(rejected[0], rejected.slice(1), { reject: false })).stdout).toBe('401');

    // Outside the namespace the name does not resolve (curl exit 6).
    const outside = await execa(curl[0], [...curl.slice(1), url], { reject: false });
    expect(outside.exitCode).toBe(6);
  });

  it('aws ecr get-authorization-token (run in the namespace) returns the registry password', async (ctx) => {
    if (skipReason !== undefined) return ctx.skip(skipReason);
    const argv = ns!.wrap(['aws', 'ecr', 'get-authorization-token', '--endpoint-url', moto!.endpoint, '--region', REGION, '--output', 'json']);
    const result = await step('aws ecr get-authorization-token (in namespace)', () =>
      execa(argv[0], argv.slice(1), { env: awsEnv(REGION), extendEnv: false }),
    );
    const data = (JSON.parse(result.stdout) as { authorizationData: { authorizationToken: string; proxyEndpoint: string }[] })
      .authorizationData[0]!;
    expect(Buffer.from(data.authorizationToken, 'base64').toString()).toBe(`AWS:${password}`);
    expect(data.proxyEndpoint).toBe(`https://${ECR_HOST}`);
  });

  it('STS AssumeRoleWithWebIdentity accepts a GitLab-shaped RS256 ID token', async (ctx) => {
    if (skipReason !== undefined) return ctx.skip(skipReason);
    const key = generateSigningKey();
    const jwt = gitlabIdToken(
      { issuer: 'https://gitlab.example.com', audience: 'sts.amazonaws.com', projectPath: 'platform/catalog', ref: 'main' },
      key,
    );
    const [header, payload, signature] = jwt.split('.') as [string, string, string];
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toMatchObject({ alg: 'RS256', kid: key.kid });
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({
      sub: 'project_path:platform/catalog:ref_type:branch:ref:main',
      namespace_path: 'platform',
      project_path: 'platform/catalog',
      ref: 'main',
      ref_type: 'branch',
    });
    expect(verify('sha256', Buffer.from(`${header}.${payload}`), key.publicKey, Buffer.from(signature, 'base64url'))).toBe(true);

    const tokenFile = path.join(work, 'id_token');
    writeFileSync(tokenFile, jwt, { mode: 0o600 });
    const credentials = await step('sts assume-role-with-web-identity', () =>
      assumeRoleWithWebIdentity(moto!.endpoint, REGION, {
        roleArn: `arn:aws:iam::${MOTO_ACCOUNT}:role/gitlab-ci`,
        tokenFile,
        sessionName: 'gitlab-ci',
      }),
    );
    expect(credentials.accessKeyId).toMatch(/^ASIA/);
    expect(credentials.secretAccessKey.length).toBeGreaterThan(10);
    expect(credentials.sessionToken.length).toBeGreaterThan(10);
    expect((statSync(tokenFile).mode & 0o777).toString(8)).toBe('600');
    expect((statSync(tls.serverKey).mode & 0o777).toString(8)).toBe('600');
    expect((statSync(tls.caKey).mode & 0o777).toString(8)).toBe('600');
  });

  it('a harness killed with SIGKILL leaves no daemon and no namespace behind (pdeathsig)', async (ctx) => {
    if (skipReason !== undefined) return ctx.skip(skipReason);
    const dist = path.join(REPO_ROOT, 'dist/harness/integration/registry.js');
    const processDist = path.join(REPO_ROOT, 'dist/harness/integration/process.js');
    if (!existsSync(dist)) throw new Error(`${dist} is missing: run the build first`);
    const log = path.join(work, 'sleeper.log');
    const script = `
      const m = await import(${JSON.stringify(dist)});
      const p = await import(${JSON.stringify(processDist)});
      const ns = await m.hostsNamespace([{ address: '127.0.0.3', names: ['killed.example'] }]);
      const d = p.startManagedDaemon('sleeper', ['sleep', '1000'], ${JSON.stringify(log)});
      console.log(JSON.stringify([ns.pid, d.pid]));
      setInterval(() => {}, 1000);`;
    const harness = execa(process.execPath, ['--input-type=module', '-e', script], { buffer: false, reject: false });
    const started = await new Promise<number[]>((resolve, reject) => {
      let out = '';
      harness.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('\n')) resolve(JSON.parse(out) as number[]);
      });
      void harness.then((r) => reject(new Error(`harness exited: ${String(r.stderr)}`)));
    });
    expect(started.every(alive)).toBe(true);
    await step('SIGKILL harness -> children gone', async () => {
      harness.kill('SIGKILL');
      await harness;
      for (let i = 0; i < 50 && started.some(alive); i++) await new Promise((r) => setTimeout(r, 50));
    });
    for (const pid of started) expect(alive(pid), `pid ${pid} survived its harness`).toBe(false);
    expect(readFileSync('/etc/hosts').equals(hostsBefore)).toBe(true);
    expect(readdirSync(tmpdir()).filter((name) => name.startsWith('catalog-hosts-'))).toEqual([]);
  });

  it('stops everything and leaves the machine as it was', async (ctx) => {
    if (skipReason !== undefined) return ctx.skip(skipReason);
    const registryDir = path.join(work, 'registry');
    await step('stop registry, moto, namespace', async () => {
      await registry!.stop();
      await moto!.stop();
      await ns!.stop();
    });
    registry = undefined;
    moto = undefined;
    ns = undefined;
    for (const pid of pids) expect(alive(pid), `pid ${pid} still running`).toBe(false);
    const leftover = await execa('pgrep', ['-f', work], { reject: false });
    expect(leftover.stdout).toBe('');
    expect(existsSync(registryDir)).toBe(false);
    expect(readFileSync('/etc/hosts').equals(hostsBefore)).toBe(true);
    expect(sha256('/etc/hosts')).toBe(hostsHashBefore);
    const mounts = readFileSync('/proc/self/mountinfo', 'utf8');
    expect(mounts).not.toContain('catalog-hosts-');
    expect((await execa('getent', ['hosts', ECR_HOST], { reject: false })).stdout).toBe('');
  });
});
