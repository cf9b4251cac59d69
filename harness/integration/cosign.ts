/**
 * cosign on this machine, for the signing runs: Debian trixie's cosign 2.5 (installed through the
 * pinned trixie source of apt.ts, as docker.io 26 is), the key pairs the tests generate, and the
 * host-side reads of what a signing job left in the registry. The jobs of the shell-executor
 * emulation use the same binary (it is on their PATH); the job containers of the pipelines suite
 * get the same package staged in the stand-ins (stand-ins.ts).
 *
 * Passwords reach cosign in its environment only (`COSIGN_PASSWORD`), never on a command line.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { HarnessError } from '../errors.js';
import { ensurePackages } from './apt.js';
import { run, type Log, type RunResult } from './process.js';
import type { ExtraVariable } from './runner.js';

/** The trixie package: Debian's only cosign (bookworm has none). */
export const COSIGN_TRIXIE_PACKAGES = ['cosign>=2.5'] as const;

/** Installs cosign from trixie when missing (root only). */
export async function ensureCosign(log: Log = () => {}): Promise<void> {
  await ensurePackages([], { trixie: COSIGN_TRIXIE_PACKAGES, log });
}

export interface CosignKeyPair {
  /** `cosign.key`: the private key, encrypted with `password`. */
  readonly privateKey: string;
  /** `cosign.pub`. */
  readonly publicKey: string;
  readonly password: string;
}

/** `cosign generate-key-pair` in `dir` (created), the password given in its environment. */
export async function generateKeyPair(dir: string, password: string): Promise<CosignKeyPair> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  await run('cosign', ['generate-key-pair'], { cwd: dir, env: { COSIGN_PASSWORD: password } });
  return { privateKey: path.join(dir, 'cosign.key'), publicKey: path.join(dir, 'cosign.pub'), password };
}

/**
 * The project CI/CD variables a signing pipeline is given, as a project would set them: the
 * private key and the public key as file-type variables, the password masked.
 */
export function keyPairVariables(keys: CosignKeyPair): ExtraVariable[] {
  return [
    { key: 'COSIGN_PRIVATE_KEY', value: readFileSync(keys.privateKey, 'utf8'), file: true },
    { key: 'COSIGN_PASSWORD', value: keys.password, masked: true },
    { key: 'COSIGN_PUBLIC_KEY', value: readFileSync(keys.publicKey, 'utf8'), file: true },
  ];
}

/** The tag cosign stores the signatures of `digest` under, in the image's own repository: `sha256-<hex>.sig`. */
export function signatureTag(digest: string): string {
  if (!/^sha256:[0-9a-f]{64}$/.test(digest)) throw new HarnessError(`${digest} is not a sha256 digest`);
  return `${digest.replace(':', '-')}.sig`;
}

/** Runs cosign (argv) where the registry is reachable (an environment's namespace). */
export type CosignRunner = (argv: readonly [string, ...string[]]) => Promise<RunResult>;

/** What the registry says about the signatures of one digest, read with cosign. */
export interface SignatureFacts {
  /** `cosign triangulate`: where cosign stores the signatures of the digest (`<repo>:sha256-<hex>.sig`). */
  readonly signatureRef: string;
  /** `cosign verify --key <the signing public key>`: exit code 0. */
  readonly verifiedWithKey: boolean;
  /** The `critical.image.docker-manifest-digest` of each payload `cosign verify` checked. */
  readonly signedDigests: readonly string[];
  /** `cosign verify --key <another key>`: exit code and its error line. */
  readonly otherKey: { readonly exitCode: number; readonly error: string };
}

/**
 * Reads the signature facts of `image@digest` with `cosign` run by `cosign` (the registry's
 * namespace): triangulate, verify with `publicKey` (offline: no transparency log), verify with
 * `otherPublicKey`, which must fail.
 */
export async function signatureFacts(
  cosign: CosignRunner,
  imageRef: string,
  publicKey: string,
  otherPublicKey: string,
): Promise<SignatureFacts> {
  if (!/@sha256:[0-9a-f]{64}$/.test(imageRef)) throw new HarnessError(`${imageRef} is not a reference by digest`);
  const triangulate = await cosign(['cosign', 'triangulate', imageRef]);
  if (triangulate.exitCode !== 0) throw new HarnessError(`cosign triangulate ${imageRef}: ${triangulate.stderr}`);
  const verify = await cosign(['cosign', 'verify', '--key', publicKey, '--insecure-ignore-tlog', '--output', 'json', imageRef]);
  const other = await cosign(['cosign', 'verify', '--key', otherPublicKey, '--insecure-ignore-tlog', imageRef]);
  const payloads = verify.exitCode === 0 ? (JSON.parse(verify.stdout) as { critical?: { image?: { 'docker-manifest-digest'?: string } } }[]) : [];
  return {
    signatureRef: triangulate.stdout.trim(),
    verifiedWithKey: verify.exitCode === 0,
    signedDigests: payloads.map((p) => p.critical?.image?.['docker-manifest-digest'] ?? ''),
    otherKey: { exitCode: other.exitCode, error: other.stderr.split('\n').find((l) => l.startsWith('Error:')) ?? other.stderr.trim() },
  };
}
