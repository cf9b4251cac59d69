import { createPublicKey, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';

export interface SigningKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** Key id, in the JWT header and the JWKS. */
  readonly kid: string;
}

/** A fresh RSA 2048 key pair for RS256 (GitLab signs its ID tokens with RS256). */
export function generateSigningKey(kid = randomUUID()): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKey, publicKey, kid };
}

/** The public key as a JWKS (what `<issuer>/oauth/discovery/keys` serves). */
export function jwks(key: SigningKey): { keys: Record<string, unknown>[] } {
  const jwk = createPublicKey(key.publicKey).export({ format: 'jwk' });
  return { keys: [{ ...jwk, kid: key.kid, use: 'sig', alg: 'RS256' }] };
}

const base64url = (data: string | Buffer): string => Buffer.from(data).toString('base64url');

/** A compact JWS (header.payload.signature), RS256. */
export function signJwt(claims: Record<string, unknown>, key: SigningKey): string {
  const header = { alg: 'RS256', typ: 'JWT', kid: key.kid };
  const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  const signature = sign('sha256', Buffer.from(input), key.privateKey);
  return `${input}.${base64url(signature)}`;
}

export interface GitlabTokenOptions {
  /** e.g. `https://gitlab.example.com` */
  readonly issuer: string;
  /** The `aud` of the `id_tokens` entry, e.g. `sts.amazonaws.com`. */
  readonly audience: string;
  /** `<group>/<project>` (groups may nest). */
  readonly projectPath: string;
  readonly ref: string;
  readonly refType?: 'branch' | 'tag';
  readonly ttlSeconds?: number;
  /** Seconds since the epoch (default now). */
  readonly now?: number;
  /** More claims (pipeline_id, user_login, …). */
  readonly extra?: Record<string, unknown>;
}

/** The claims of a GitLab CI ID token (`id_tokens:`), in GitLab's shape. */
export function gitlabIdTokenClaims(options: GitlabTokenOptions): Record<string, unknown> {
  const refType = options.refType ?? 'branch';
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const slash = options.projectPath.lastIndexOf('/');
  if (slash <= 0) throw new Error(`project path must be <group>/<project>: ${options.projectPath}`);
  return {
    iss: options.issuer,
    sub: `project_path:${options.projectPath}:ref_type:${refType}:ref:${options.ref}`,
    aud: options.audience,
    namespace_path: options.projectPath.slice(0, slash),
    project_path: options.projectPath,
    ref: options.ref,
    ref_type: refType,
    ref_protected: 'false',
    iat: now,
    nbf: now,
    exp: now + (options.ttlSeconds ?? 3600),
    jti: randomUUID(),
    ...options.extra,
  };
}

/** A signed GitLab-shaped ID token. */
export function gitlabIdToken(options: GitlabTokenOptions, key: SigningKey): string {
  return signJwt(gitlabIdTokenClaims(options), key);
}
