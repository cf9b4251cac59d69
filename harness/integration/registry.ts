import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { stringifyPlainYaml } from '../../scripts/gitlab/yaml/psych.js';
import { freePort } from './ports.js';
import { startHolder, startManagedDaemon } from './process.js';
import type { TlsFiles } from './tls.js';
import { HarnessError } from '../errors.js';

// ---------------------------------------------------------------------------------------------
// The registry: Distribution with TLS and htpasswd, the ECR stand-in
// ---------------------------------------------------------------------------------------------

export interface RegistryOptions {
  /** Directory for config, storage and log; created, and removed by `stop()`. */
  readonly dir: string;
  /** Names the registry is reached under (e.g. `123456789012.dkr.ecr.eu-west-1.amazonaws.com`). */
  readonly hostnames: readonly string[];
  /** Server certificate and key (from `generateTls`); its CA is what clients must trust. */
  readonly tls: TlsFiles;
  /** htpasswd user (ECR's is `AWS`) and its password: a value or a file holding it (never argv). */
  readonly htpasswd: { readonly user: string } & ({ readonly password: string } | { readonly passwordFile: string });
  /** Loopback address to listen on (default 127.0.0.1); the hosts entries must point at it. */
  readonly address?: string;
  /** Port to listen on (default: a free one). A fixed port (443 for registry names without a port) is not retried on EADDRINUSE. */
  readonly port?: number;
  /** Path of the registry binary (default Debian's `docker-registry`). */
  readonly binary?: string;
  readonly readyTimeoutMs?: number;
}

export interface Registry {
  /** `https://<first hostname>:<port>`: what clients use (the hostname must resolve to `address`). */
  readonly url: string;
  /** `<first hostname>:<port>`: the registry part of image references. */
  readonly host: string;
  readonly address: string;
  readonly port: number;
  readonly caFile: string;
  readonly logFile: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** One GET of `https://address:port/v2/` with the CA, verifying the certificate for `servername`. */
export function probeV2(
  address: string,
  port: number,
  ca: string,
  servername: string,
): Promise<{ status: number; apiVersion: string | undefined }> {
  return new Promise((resolve, reject) => {
    const request = https.get(
      { host: address, port, path: '/v2/', ca, servername, timeout: 2_000, agent: false },
      (response) => {
        response.resume();
        const header = response.headers['docker-distribution-api-version'];
        resolve({ status: response.statusCode ?? 0, apiVersion: Array.isArray(header) ? header[0] : header });
      },
    );
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', reject);
  });
}

export async function startRegistry(options: RegistryOptions): Promise<Registry> {
  const { dir, hostnames, tls, htpasswd } = options;
  const address = options.address ?? '127.0.0.1';
  const binary = options.binary ?? 'docker-registry';
  const hostname = hostnames[0];
  if (hostname === undefined) throw new Error('startRegistry needs at least one hostname');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const storage = path.join(dir, 'storage');
  await mkdir(storage, { recursive: true });
  const logFile = path.join(dir, 'registry.log');
  const htpasswdFile = path.join(dir, 'htpasswd');
  const configFile = path.join(dir, 'config.yml');
  const ca = await readFile(tls.caCert, 'utf8');

  // htpasswd reads the password on stdin (-i), bcrypt (-B), creating the file (-c).
  const password =
    'password' in htpasswd ? htpasswd.password : (await readFile(htpasswd.passwordFile, 'utf8')).replace(/\r?\n$/, '');
  await writeFile(htpasswdFile, '', { mode: 0o600 });
  await execa('htpasswd', ['-i', '-B', '-c', htpasswdFile, htpasswd.user], { input: password });

  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await freePort(address));
    const config = {
      version: 0.1,
      log: { level: 'info', formatter: 'text', accesslog: { disabled: false }, fields: { service: 'registry' } },
      storage: {
        filesystem: { rootdirectory: storage },
        delete: { enabled: true },
        cache: { blobdescriptor: 'inmemory' },
        maintenance: { uploadpurging: { enabled: false } },
      },
      http: {
        addr: `${address}:${port}`,
        secret: randomBytes(24).toString('hex'),
        tls: { certificate: tls.serverCert, key: tls.serverKey },
        headers: { 'X-Content-Type-Options': ['nosniff'] },
      },
      auth: { htpasswd: { realm: 'basic-realm', path: htpasswdFile } },
      health: { storagedriver: { enabled: false } },
    };
    await writeFile(configFile, stringifyPlainYaml(config), { mode: 0o600 });
    // A clean environment: REGISTRY_* variables of the caller would override the config.
    const env: Record<string, string> = { PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin' };
    const child = startManagedDaemon('registry', [binary, 'serve', configFile], logFile, {
      env,
      cwd: dir,
      onExit: () => rmSync(dir, { recursive: true, force: true }),
    });
    const deadline = Date.now() + readyTimeoutMs;
    let lastError = 'not started';
    while (!child.hasExited() && Date.now() < deadline) {
      try {
        const { status, apiVersion } = await probeV2(address, port, ca, hostname);
        if (status === 401 && apiVersion !== undefined) {
          const authority = port === 443 ? hostname : `${hostname}:${port}`;
          return {
            url: `https://${authority}`,
            host: authority,
            address,
            port,
            caFile: tls.caCert,
            logFile,
            pid: child.pid,
            stop: () => child.stop(),
          };
        }
        lastError = `GET /v2/ answered ${status} (Docker-Distribution-Api-Version: ${apiVersion ?? 'absent'})`;
      } catch (error) {
        lastError = (error as Error).message;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
    // Keep the log of a failed start: stop() would remove the directory with it.
    await child.stop().catch(() => undefined);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeFile(logFile, log);
    if (/address already in use/.test(log) && attempt < 3 && options.port === undefined) continue;
    const tail = log.split('\n').slice(-15).join('\n');
    throw new HarnessError(`registry did not become ready on ${address}:${port}: ${lastError}; the last lines of its log say why:\n${tail}`);
  }
}

// ---------------------------------------------------------------------------------------------
// The ECR hostname: private /etc/hosts in a private mount namespace
//
// The registry must answer as `<account>.dkr.ecr.<region>.amazonaws.com` (the name moto's
// proxyEndpoint and repository URIs carry, and what the components log in to) for the Docker
// daemon (BuildKit pushes from inside dockerd), podman/buildah, curl and the AWS CLI, and resolve
// to loopback, without leaving the machine changed. Options weighed:
//
// - Edit /etc/hosts and restore it afterwards: the change is visible machine-wide during the run
//   (other users, a second concurrent harness run racing on the same file) and survives a crash,
//   SIGKILL, OOM kill or power loss, whatever the restore logic. In containers /etc/hosts is itself a
//   bind mount (rename-based editing fails with EBUSY). Rejected.
// - Per-tool overrides (curl --resolve, docker --add-host, podman --add-host): each tool differs,
//   the daemon's own push path has none, and jobs' scripts would need to be changed. Rejected.
// - A DNS server on loopback + resolv.conf: changes a machine file again and does not beat
//   /etc/hosts ordering. Rejected.
// - Chosen: a mount namespace (`unshare --mount --propagation private`) in which a temporary copy
//   of /etc/hosts plus our entries is bind-mounted over /etc/hosts. glibc (getent, curl, podman via
//   cgo or Go's own resolver, which also reads /etc/hosts) sees the entries; processes outside do
//   not; /etc/hosts itself is never written; the mount vanishes with the last process of the
//   namespace, even when the harness is SIGKILLed (holder and daemons carry PR_SET_PDEATHSIG).
//   The harness starts dockerd (hence BuildKit), podman and the job shells through
//   `HostsNamespace.wrap()`, so they all share one view. Needs root (CAP_SYS_ADMIN), which the
//   harness needs anyway to run dockerd. Limits: a running nscd or systemd-resolved caching
//   /etc/hosts outside the namespace would bypass it (neither runs here: `getent` proves it);
//   containers started by the engine get their own /etc/hosts (they need --add-host, or
//   network=host builds use the daemon's resolver only for pushes, which happen in dockerd).
// ---------------------------------------------------------------------------------------------

export interface HostsEntry {
  readonly address: string;
  readonly names: readonly string[];
}

/** The current /etc/hosts followed by `entries`: the text bind-mounted over /etc/hosts. */
export function hostsText(entries: readonly HostsEntry[], base = readFileSync('/etc/hosts', 'utf8')): string {
  for (const { address, names } of entries) {
    if (!/^[0-9a-fA-F.:]+$/.test(address)) throw new Error(`not an address: ${address}`);
    for (const name of names) if (!/^[A-Za-z0-9.-]+$/.test(name)) throw new Error(`not a hostname: ${name}`);
  }
  const extra = entries.map(({ address, names }) => `${address}\t${names.join(' ')}`).join('\n');
  return `${base.replace(/\n?$/, '\n')}# catalog integration harness (private to its mount namespace)\n${extra}\n`;
}

// `sh -c` scripts get the hosts file as "$1": no path or value is ever pasted into shell text.
const MOUNT_AND_EXEC = 'mount --bind "$1" /etc/hosts && shift && exec "$@"';
const MOUNT_AND_HOLD = 'mount --bind "$1" /etc/hosts && echo ready && exec sleep infinity';

function requireRoot(): void {
  if (process.getuid?.() !== 0) {
    throw new HarnessError('a private /etc/hosts needs root (CAP_SYS_ADMIN for unshare --mount and mount --bind): run as root');
  }
}

/**
 * Runs `argv` with `entries` added to /etc/hosts for it and its children only: in a new mount
 * namespace (`unshare --mount --propagation private`) where a temporary file is bind-mounted over
 * /etc/hosts. Nothing outside the namespace sees the entries, and nothing is left behind: the mount
 * dies with the namespace, even on SIGKILL; the temporary file is removed here.
 */
export async function withPrivateHosts(
  entries: readonly HostsEntry[],
  argv: readonly [string, ...string[]],
  options: { env?: Record<string, string>; input?: string; cwd?: string } = {},
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  requireRoot();
  const dir = await mkdtemp(path.join(tmpdir(), 'catalog-hosts-'));
  try {
    const file = path.join(dir, 'hosts');
    await writeFile(file, hostsText(entries), { mode: 0o644 });
    const result = await execa(
      'unshare',
      ['--mount', '--propagation', 'private', '--', 'sh', '-c', MOUNT_AND_EXEC, 'sh', file, ...argv],
      {
        reject: false,
        input: options.input ?? '',
        ...(options.env ? { env: options.env, extendEnv: false } : {}),
        ...(options.cwd ? { cwd: options.cwd } : {}),
      },
    );
    return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * A long-lived private-hosts namespace for a whole harness run: a holder process (`sleep`) keeps a
 * mount namespace with the private /etc/hosts alive; `wrap(argv)` gives the argv that runs a command
 * inside it (`nsenter --mount=/proc/<pid>/ns/mnt -- …`), so the Docker daemon (and BuildKit in it),
 * podman, curl and the jobs' shells all resolve the ECR hostname to loopback. `stop()` kills the
 * holder; the namespace, and its mount, go away with the last process in it.
 */
export interface HostsNamespace {
  readonly pid: number;
  wrap(argv: readonly [string, ...string[]]): [string, ...string[]];
  stop(): Promise<void>;
}

export async function hostsNamespace(entries: readonly HostsEntry[]): Promise<HostsNamespace> {
  requireRoot();
  const dir = await mkdtemp(path.join(tmpdir(), 'catalog-hosts-'));
  const file = path.join(dir, 'hosts');
  await writeFile(file, hostsText(entries), { mode: 0o644 });
  const removeDir = (): void => rmSync(dir, { recursive: true, force: true });
  const { pid, stop } = await startHolder(
    ['unshare', '--mount', '--propagation', 'private', '--', 'sh', '-c', MOUNT_AND_HOLD, 'sh', file],
    (stderr) => new HarnessError(`could not set up a private /etc/hosts (${stderr || 'unshare exited'}): it needs root and util-linux's unshare and mount`),
    removeDir,
  );
  // The bind mount holds the file's inode: the path is no longer needed, so nothing is left in
  // the temporary directory even if this process is SIGKILLed later.
  removeDir();
  return {
    pid,
    wrap: (argv) => ['nsenter', `--mount=/proc/${pid}/ns/mnt`, '--', ...argv],
    stop,
  };
}
