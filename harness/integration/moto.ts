import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { freePort } from './ports.js';
import { startManagedDaemon } from './process.js';
import { HarnessError } from '../errors.js';

export interface MotoOptions {
  /** Directory for moto's log (created; left in place for the caller's cleanup). */
  readonly dir: string;
  readonly host?: string;
  readonly binary?: string;
  readonly readyTimeoutMs?: number;
}

export interface Moto {
  /** `http://127.0.0.1:<port>`: the `--endpoint-url` of every AWS CLI call. */
  readonly endpoint: string;
  readonly port: number;
  readonly pid: number;
  readonly logFile: string;
  stop(): Promise<void>;
}

/** moto's account when none is configured: the one in its ECR tokens and repository URIs. */
export const MOTO_ACCOUNT = '123456789012';

/** Starts `moto_server` (ECR, STS, … in one process) on a free loopback port; ready when it answers HTTP. */
export async function startMoto(options: MotoOptions): Promise<Moto> {
  const host = options.host ?? '127.0.0.1';
  await mkdir(options.dir, { recursive: true, mode: 0o700 });
  const logFile = path.join(options.dir, 'moto.log');
  const port = await freePort(host);
  const child = startManagedDaemon('moto_server', [options.binary ?? 'moto_server', '-H', host, '-p', String(port)], logFile);
  const endpoint = `http://${host}:${port}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  while (!child.hasExited()) {
    try {
      const response = await fetch(`${endpoint}/moto-api/data.json`, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.ok) return { endpoint, port, pid: child.pid, logFile, stop: () => child.stop() };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  await child.stop();
  throw new HarnessError(`moto_server did not become ready on ${endpoint}: see ${logFile}`);
}

/**
 * The environment of an AWS CLI call against moto: fake static credentials, no profile, config
 * or credentials file of the caller, no pager, no instance metadata lookups.
 */
export function awsEnv(region: string, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('AWS_')) env[key] = value;
  }
  return {
    ...env,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_PAGER: '',
    AWS_EC2_METADATA_DISABLED: 'true',
    ...extra,
  };
}

/** Runs `aws <args> --endpoint-url <endpoint> --region <region> --output json` and parses stdout. */
export async function awsJson(
  endpoint: string,
  region: string,
  args: readonly string[],
  extraEnv: Record<string, string> = {},
): Promise<unknown> {
  const result = await execa('aws', [...args, '--endpoint-url', endpoint, '--region', region, '--output', 'json'], {
    env: awsEnv(region, extraEnv),
    extendEnv: false,
    stdin: 'ignore',
  });
  return JSON.parse(result.stdout) as unknown;
}

export interface EcrToken {
  readonly user: string;
  readonly password: string;
  /** `https://<account>.dkr.ecr.<region>.amazonaws.com` */
  readonly proxyEndpoint: string;
  readonly registryHost: string;
}

/** `aws ecr get-authorization-token` against `endpoint`, decoded (the token is base64 `user:password`). */
export async function ecrToken(endpoint: string, region: string): Promise<EcrToken> {
  const output = (await awsJson(endpoint, region, ['ecr', 'get-authorization-token'])) as {
    authorizationData?: { authorizationToken?: string; proxyEndpoint?: string }[];
  };
  const data = output.authorizationData?.[0];
  if (data?.authorizationToken === undefined || data.proxyEndpoint === undefined) {
    throw new HarnessError('aws ecr get-authorization-token against moto returned no authorizationData: check the moto and aws-cli versions');
  }
  const decoded = Buffer.from(data.authorizationToken, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw new HarnessError('the ECR authorization token from moto is not base64 user:password: check the moto version');
  return {
    user: decoded.slice(0, colon),
    password: decoded.slice(colon + 1),
    proxyEndpoint: data.proxyEndpoint,
    registryHost: new URL(data.proxyEndpoint).host,
  };
}

/** `aws ecr create-repository`; returns the repository URI (`<account>.dkr.ecr.<region>.amazonaws.com/<name>`). */
export async function createRepository(endpoint: string, region: string, name: string): Promise<string> {
  const output = (await awsJson(endpoint, region, ['ecr', 'create-repository', '--repository-name', name])) as {
    repository?: { repositoryUri?: string };
  };
  const uri = output.repository?.repositoryUri;
  if (uri === undefined) throw new HarnessError(`aws ecr create-repository ${name} against moto returned no repositoryUri: check the moto and aws-cli versions`);
  return uri;
}

export interface StsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: string;
}

/**
 * `aws sts assume-role-with-web-identity` with the JWT read from `tokenFile` (`file://`: the token
 * never appears on a command line). Needs no credentials, as in GitLab's OIDC flow.
 */
export async function assumeRoleWithWebIdentity(
  endpoint: string,
  region: string,
  options: { roleArn: string; tokenFile: string; sessionName: string; durationSeconds?: number },
): Promise<StsCredentials> {
  const args = [
    'sts', 'assume-role-with-web-identity', '--role-arn', options.roleArn,
    '--role-session-name', options.sessionName, '--web-identity-token', `file://${options.tokenFile}`,
    ...(options.durationSeconds === undefined ? [] : ['--duration-seconds', String(options.durationSeconds)]),
  ];
  const output = (await awsJson(endpoint, region, args)) as {
    Credentials?: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string; Expiration?: string };
  };
  const c = output.Credentials;
  if (c?.AccessKeyId === undefined || c.SecretAccessKey === undefined || c.SessionToken === undefined) {
    throw new HarnessError('aws sts assume-role-with-web-identity against moto returned no credentials: check the moto and aws-cli versions');
  }
  return {
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    sessionToken: c.SessionToken,
    expiration: c.Expiration ?? '',
  };
}
