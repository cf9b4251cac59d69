/**
 * Secret-leak checks for the integration scenarios (issue 4, scenario 6): no secret value the harness
 * handed to, or minted for, a pipeline (moto's registry password, the OIDC ID tokens, static keys,
 * the STS session credentials) may appear in a job log, a dotenv report, an artifact or anything
 * else the jobs left behind; the credential stores the login writes must be readable by their owner only.
 *
 * A secret is searched for in plain form and base64/base64url-encoded at each of the three byte
 * alignments, so `base64("AWS:" + password)`, as docker's config.json stores it, is found too.
 * Credential stores that legitimately hold a secret are checked with `credentialFileModes` and
 * left out of the scan by the caller; after a logout they must not hold one, and are scanned.
 */
import { lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { listFiles } from '../../scripts/core/git.js';
import type { Environment } from './environment.js';
import type { PipelineRun } from './runner.js';
import { HarnessError } from '../errors.js';

export interface Secret {
  /** What it is, for reports (`moto registry password`, `AWS_ID_TOKEN JWT`); never the value. */
  readonly name: string;
  readonly value: string;
}

export type LeakForm = 'plain' | 'base64' | 'base64url' | 'pattern';

export interface SecretLeak {
  readonly file: string;
  /** The secret's name (or the pattern's). */
  readonly secret: string;
  /** 1-based line of the first byte of the match. */
  readonly line: number;
  readonly form: LeakForm;
}

/** A shape that is a secret whatever its value, e.g. an STS session access key id. */
export interface SecretPattern {
  readonly name: string;
  /** Global flag required; matched against text files only (no NUL byte), where it cannot hit by chance in binary data. */
  readonly regex: RegExp;
}

/** moto's (and AWS's) STS session access key ids: `ASIA` + 16. A heuristic for session keys the harness did not see. */
export const STS_SESSION_KEY_PATTERN: SecretPattern = { name: 'STS session access key id (ASIA…)', regex: /\bASIA[A-Z0-9]{16}\b/g };

/** Shorter encoded needles would match unrelated text; every secret here is far longer. */
const MIN_NEEDLE_LENGTH = 12;
/** Files above this are not job output (images, caches) and are skipped. */
const MAX_FILE_BYTES = 256 * 1024 * 1024;

interface Needle {
  readonly text: string;
  readonly form: LeakForm;
}

/**
 * The strings a secret turns into: itself, and for base64 and base64url the part of its encoding
 * that does not depend on the bytes around it, for each of the three positions it can start at
 * within a 3-byte group (so it is found inside the encoding of a longer text, e.g. `AWS:<password>`).
 */
export function secretNeedles(value: string): Needle[] {
  const bytes = Buffer.from(value, 'utf8');
  const needles: Needle[] = [{ text: value, form: 'plain' }];
  for (let shift = 0; shift < 3; shift++) {
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64');
    // Characters made only of the secret's bytes: after the group holding the padding bytes, up to
    // the last complete group.
    const start = shift === 0 ? 0 : 4;
    const end = Math.floor((shift + bytes.length) / 3) * 4;
    const core = encoded.slice(start, end);
    if (core.length < MIN_NEEDLE_LENGTH) continue;
    needles.push({ text: core, form: 'base64' });
    const url = core.replaceAll('+', '-').replaceAll('/', '_');
    if (url !== core) needles.push({ text: url, form: 'base64url' });
  }
  return needles;
}

/** Every regular file under the given files and directories, sorted; symlinks are not followed, missing paths are skipped. */
export function filesUnder(paths: readonly string[], exclude: readonly string[] = []): string[] {
  const excluded = exclude.map((p) => path.resolve(p));
  const isExcluded = (p: string): boolean => excluded.some((e) => p === e || p.startsWith(`${e}${path.sep}`));
  const found = new Set<string>();
  const visit = (p: string): void => {
    if (isExcluded(p)) return;
    let stat;
    try {
      stat = lstatSync(p);
    } catch {
      return;
    }
    if (stat.isDirectory()) {
      for (const entry of readdirSync(p)) visit(path.join(p, entry));
    } else if (stat.isFile()) {
      found.add(p);
    }
  };
  for (const p of paths) visit(path.resolve(p));
  return [...found].sort();
}

/** 1-based line of `offset` in a text whose line starts are `starts` (ascending). */
function lineAt(starts: readonly number[], offset: number): number {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if ((starts[mid] ?? 0) <= offset) low = mid;
    else high = mid - 1;
  }
  return low + 1;
}

/** A secret's needles, computed once for a whole scan, each also as the bytes a file search looks for. */
interface SecretNeedles {
  readonly name: string;
  readonly needles: readonly (Needle & { readonly bytes: Buffer })[];
}

function needlesOf(secrets: readonly Secret[]): SecretNeedles[] {
  return secrets
    .filter((s) => s.value !== '')
    .map((s) => ({ name: s.name, needles: secretNeedles(s.value).map((n) => ({ ...n, bytes: Buffer.from(n.text, 'utf8') })) }));
}

/** Collects leaks, one per secret and line, with the line of each match found from its offset. */
function leakCollector(label: string, lineStarts: () => readonly number[]): { leaks: SecretLeak[]; add: (secret: string, offset: number, form: LeakForm) => void } {
  const leaks: SecretLeak[] = [];
  const seen = new Set<string>();
  const add = (secret: string, offset: number, form: LeakForm): void => {
    const line = lineAt(lineStarts(), offset);
    const key = `${secret}\0${line}`;
    if (seen.has(key)) return;
    seen.add(key);
    leaks.push({ file: label, secret, line, form });
  };
  return { leaks, add };
}

/** The offsets where lines start in `text` (a string or a file's bytes), computed on the first call only: most files hold no match. */
function lazyLineStarts(text: { indexOf(value: string, from?: number): number }): () => readonly number[] {
  let starts: number[] | undefined;
  return () => {
    if (starts === undefined) {
      starts = [0];
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
    }
    return starts;
  };
}

function addPatternLeaks(text: string, patterns: readonly SecretPattern[], add: (secret: string, offset: number, form: LeakForm) => void): void {
  for (const pattern of patterns) {
    for (const match of text.matchAll(pattern.regex)) add(pattern.name, match.index, 'pattern');
  }
}

/** The leaks in one text (e.g. a dotenv report as the runner read it). */
export function findLeaksInText(
  label: string,
  text: string,
  secrets: readonly Secret[],
  patterns: readonly SecretPattern[] = [],
): SecretLeak[] {
  const { leaks, add } = leakCollector(label, lazyLineStarts(text));
  for (const secret of needlesOf(secrets)) {
    for (const needle of secret.needles) {
      for (let i = text.indexOf(needle.text); i >= 0; i = text.indexOf(needle.text, i + 1)) add(secret.name, i, needle.form);
    }
  }
  if (!text.includes('\0')) addPatternLeaks(text, patterns, add);
  return leaks;
}

/**
 * The leaks in a file's bytes, searched as bytes (each needle as its UTF-8 bytes; every needle but
 * a non-ASCII plain secret is ASCII): no copy of the file into a string but for the pattern search
 * of a text file (no NUL byte), where its bytes are read as latin1, one character each.
 */
function findLeaksInBytes(label: string, bytes: Buffer, secrets: readonly SecretNeedles[], patterns: readonly SecretPattern[]): SecretLeak[] {
  const { leaks, add } = leakCollector(label, lazyLineStarts(bytes));
  for (const secret of secrets) {
    for (const needle of secret.needles) {
      for (let i = bytes.indexOf(needle.bytes); i >= 0; i = bytes.indexOf(needle.bytes, i + 1)) add(secret.name, i, needle.form);
    }
  }
  if (patterns.length > 0 && !bytes.includes(0)) addPatternLeaks(bytes.toString('latin1'), patterns, add);
  return leaks;
}

export interface LeakScanOptions {
  readonly patterns?: readonly SecretPattern[] | undefined;
  /** Files or directories left out (credential stores expected to hold a secret). */
  readonly exclude?: readonly string[] | undefined;
}

/**
 * Every occurrence of each secret (plain, base64, base64url) and of each pattern in every regular
 * file under `paths`, as `{file, secret, line, form}` sorted by file and line. Empty: no leak.
 */
export function findSecretLeaks(paths: readonly string[], secrets: readonly Secret[], options: LeakScanOptions = {}): SecretLeak[] {
  return findSecretLeaksInFiles(scannedAsTheyAre(filesUnder(paths, options.exclude ?? [])), secrets, options.patterns ?? []);
}

/** A file to scan, and the name its leaks are reported under (e.g. where a container had it: container-files.ts). */
export interface ScannedFile {
  readonly path: string;
  readonly label: string;
}

/** Files reported under their own path. */
export function scannedAsTheyAre(files: readonly string[]): ScannedFile[] {
  return files.map((file) => ({ path: file, label: file }));
}

/** findSecretLeaks over the given files, each reported under its label (sorted by label and line). */
export function findSecretLeaksInFiles(files: readonly ScannedFile[], secrets: readonly Secret[], patterns: readonly SecretPattern[] = []): SecretLeak[] {
  const needles = needlesOf(secrets);
  const leaks: SecretLeak[] = [];
  for (const file of files) {
    if (statSync(file.path).size > MAX_FILE_BYTES) continue;
    leaks.push(...findLeaksInBytes(file.label, readFileSync(file.path), needles, patterns));
  }
  return leaks.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}

export interface CredentialFileMode {
  readonly file: string;
  readonly exists: boolean;
  /** Permission bits in octal (`600`); undefined when the file does not exist. */
  readonly mode: string | undefined;
  /** No permission bit for group or others. */
  readonly ownerOnly: boolean;
}

/** The permission bits of each file (following symlinks: what matters is the file the secret is in). */
export function credentialFileModes(paths: readonly string[]): CredentialFileMode[] {
  return paths.map((file) => {
    try {
      const mode = statSync(file).mode & 0o777;
      return { file, exists: true, mode: mode.toString(8).padStart(3, '0'), ownerOnly: (mode & 0o077) === 0 };
    } catch {
      return { file, exists: false, mode: undefined, ownerOnly: false };
    }
  });
}

/** The secret parts of a JWT: the whole token, and its signature (what makes a token usable; header and claims are public). */
export function jwtSecrets(name: string, token: string): Secret[] {
  const signature = token.split('.')[2];
  return [{ name: `${name} JWT`, value: token }, ...(signature === undefined || signature === '' ? [] : [{ name: `${name} JWT signature`, value: signature }])];
}

interface MotoAssumedRole {
  readonly access_key_id?: string;
  readonly secret_access_key?: string;
  readonly session_token?: string;
  readonly session_name?: string;
  readonly role_arn?: string;
}

/** The sessions moto's STS handed out so far (`/moto-api/data.json`, `sts.AssumedRole`). */
export async function motoAssumedRoles(motoEndpoint: string): Promise<MotoAssumedRole[]> {
  const response = await fetch(`${motoEndpoint}/moto-api/data.json`, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new HarnessError(`moto's /moto-api/data.json answered HTTP ${response.status}: is moto_server still running? (see its log)`);
  const data = (await response.json()) as { sts?: { AssumedRole?: MotoAssumedRole[] } };
  return data.sts?.AssumedRole ?? [];
}

/** Every STS session credential moto issued (access key id, secret key, session token), as secrets. */
export async function stsSessionSecrets(motoEndpoint: string): Promise<Secret[]> {
  return (await motoAssumedRoles(motoEndpoint)).flatMap((role, i) => {
    const label = `STS session ${i + 1} (${role.role_arn ?? '?'})`;
    return [
      { name: `${label} access key id`, value: role.access_key_id ?? '' },
      { name: `${label} secret access key`, value: role.secret_access_key ?? '' },
      { name: `${label} session token`, value: role.session_token ?? '' },
    ].filter((s) => s.value !== '');
  });
}

/** Files in the project clone that git does not track: what jobs wrote there (artifacts, dotenv reports). */
export async function untrackedFiles(project: string): Promise<string[]> {
  return (await listFiles(project, ['others'])).map((f) => path.join(project, f));
}

export interface EnvironmentLeakScan {
  readonly leaks: readonly SecretLeak[];
  /** Every file that was scanned (a test can check the scan covered the job logs and reports). */
  readonly files: readonly string[];
  /** The names of the secrets searched for. */
  readonly secrets: readonly string[];
}

export interface EnvironmentLeakScanOptions extends LeakScanOptions {
  /** More secrets (static keys the test passed as variables, …). */
  readonly secrets?: readonly Secret[] | undefined;
  /** More files or directories to scan (per-run credential stores after logout, …). */
  readonly paths?: readonly string[] | undefined;
}

/**
 * Scenario 6's check for any scenario's environment after its pipelines ran: the job logs of `runs`,
 * every job's dotenv report, the files the jobs left in the project clone, the jobs' TMPDIR, HOME and
 * shared DOCKER_CONFIG (credential stores empty after the components' logout), searched for moto's registry
 * password, every ID token of `runs`, every STS session moto issued and `options.secrets`, plus
 * STS-looking key ids. The registry, moto and the harness's own credentials are not job output and
 * are not scanned.
 */
export async function scanEnvironmentForLeaks(
  env: Environment,
  runs: readonly PipelineRun[],
  options: EnvironmentLeakScanOptions = {},
): Promise<EnvironmentLeakScan> {
  const secrets: Secret[] = [
    { name: 'moto registry password', value: env.token.password },
    ...runs.flatMap((r) => r.secrets.flatMap((token, i) => jwtSecrets(`ID token ${i + 1} of ${path.basename(r.dir)}`, token))),
    ...(await stsSessionSecrets(env.moto.endpoint)),
    ...(options.secrets ?? []),
  ];
  const paths = [
    ...runs.flatMap((r) => r.jobOutput),
    ...(await untrackedFiles(env.project)),
    ...[env.jobEnv['TMPDIR'], env.jobEnv['DOCKER_CONFIG'], env.jobEnv['HOME']].filter((p): p is string => p !== undefined),
    ...(options.paths ?? []),
  ];
  const patterns = options.patterns ?? [STS_SESSION_KEY_PATTERN];
  const files = filesUnder(paths, options.exclude ?? []);
  const leaks = findSecretLeaksInFiles(scannedAsTheyAre(files), secrets, patterns);
  // Dotenv reports as the runner read them (a later job may have overwritten the file).
  for (const r of runs) {
    for (const job of r.pipeline.jobs) {
      const text = Object.entries(job.dotenv)
        .map(([key, value]) => `${key}=${value}`)
        .join('\n');
      leaks.push(...findLeaksInText(`${r.dir} ${job.name} dotenv report`, text, secrets, patterns));
    }
  }
  return { leaks, files, secrets: secrets.map((s) => s.name) };
}
