/**
 * The only module that runs shellcheck, always with an argv array (never a shell string):
 * `shellcheck --format=json1 --norc --exclude=… <files>`. Each distinct (shell, script) is checked
 * once per process; scripts asked for together share a few shellcheck processes.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { cacheDirectory } from '../core/cache.js';
import { writeAtomically } from '../core/files.js';
import { ToolkitError } from '../core/errors.js';

export type ScriptShell = 'sh' | 'bash';
export type ShellcheckLevel = 'error' | 'warning' | 'info' | 'style';

/** One finding, as json1 gives it: 1-based lines and columns in the script (a tab is one column). */
export interface ShellcheckFinding {
  readonly line: number;
  readonly column: number;
  readonly endLine: number;
  readonly endColumn: number;
  readonly level: ShellcheckLevel;
  /** 2086 for SC2086. */
  readonly code: number;
  readonly message: string;
}

/**
 * Checks left out for every script:
 * - SC1091 "Not following: file was not specified as input": sourced files are not at hand when linting;
 * - SC2154 "var is referenced but not assigned": CI/CD variables (`variables:`, project settings,
 *   predefined ones) are set by GitLab, not by the script.
 */
export const EXCLUDED_CHECKS: readonly string[] = ['SC1091', 'SC2154'];

/** How many shellcheck processes one batch of scripts is shared among. */
export const PARALLEL = 4;

/** The `version:` line of `shellcheck --version`, or undefined when shellcheck cannot be run. */
export async function shellcheckVersion(): Promise<string | undefined> {
  const result = await execa('shellcheck', ['--version'], { reject: false, stdin: 'ignore', encoding: 'utf8' });
  if (result.exitCode !== 0) return undefined;
  return /^version:\s*(\S+)/m.exec(String(result.stdout))?.[1] ?? String(result.stdout).trim().split('\n')[0];
}

const checked = new Map<string, Promise<readonly ShellcheckFinding[]>>();

interface Request {
  readonly script: string;
  readonly shell: ScriptShell;
  resolve(findings: readonly ShellcheckFinding[]): void;
  reject(error: unknown): void;
}

/**
 * Scripts asked for in the same turn of the event loop are checked together: one shellcheck
 * process per `PARALLEL` share of the files, instead of one per script (shellcheck's start-up,
 * not its analysis, is what costs on a catalog's many short scripts).
 */
let pending: Request[] = [];

/** shellcheck's findings for a script; a ToolkitError when shellcheck is missing or fails. */
export function checkScript(script: string, shell: ScriptShell): Promise<readonly ShellcheckFinding[]> {
  const key = `${shell}\0${script}`;
  let result = checked.get(key);
  if (!result) {
    result = fromDiskCache(script, shell).then(
      (cached) =>
        cached ??
        new Promise<readonly ShellcheckFinding[]>((resolve, reject) => {
          if (pending.length === 0) setImmediate(flush);
          pending.push({ script, shell, resolve: (findings) => resolve(toDiskCache(script, shell, findings)), reject });
        }),
    );
    checked.set(key, result);
    // A failure (shellcheck missing) is not remembered: a later run may have it.
    result.catch(() => checked.delete(key));
  }
  return result;
}

/**
 * Findings are kept on disk by (shellcheck version, exclusions, shell, script): a long component
 * script costs shellcheck most of a second, and between two runs almost every script is the same.
 */
let cacheKeyBase: Promise<string> | undefined;
/** Bump when the way findings are produced or stored changes. */
const CACHE_FORMAT = 2;
async function cacheFile(script: string, shell: ScriptShell): Promise<string> {
  cacheKeyBase ??= shellcheckVersion().then((version) => `${CACHE_FORMAT}\0${version ?? 'unknown'}\0${EXCLUDED_CHECKS.join(',')}`);
  const key = createHash('sha256').update(`${await cacheKeyBase}\0${shell}\0${script}`).digest('hex');
  return path.join(cacheDirectory(), 'shellcheck', `${key}.json`);
}

async function fromDiskCache(script: string, shell: ScriptShell): Promise<readonly ShellcheckFinding[] | undefined> {
  try {
    const parsed: unknown = JSON.parse(await readFile(await cacheFile(script, shell), 'utf8'));
    return Array.isArray(parsed) ? (parsed as ShellcheckFinding[]) : undefined;
  } catch {
    return undefined;
  }
}

/** Best effort and atomic: a cache that cannot be written only costs the next run time. */
function toDiskCache(script: string, shell: ScriptShell, findings: readonly ShellcheckFinding[]): readonly ShellcheckFinding[] {
  void cacheFile(script, shell)
    .then((file) => writeAtomically(file, JSON.stringify(findings)))
    .catch(() => undefined);
  return findings;
}

function flush(): void {
  const batch = pending;
  pending = [];
  for (const shell of ['sh', 'bash'] as const) {
    const scripts = batch.filter((request) => request.shell === shell);
    const size = Math.ceil(scripts.length / PARALLEL);
    for (let i = 0; i < scripts.length; i += size) {
      const part = scripts.slice(i, i + size);
      runShellcheck(part, shell).catch((error: unknown) => part.forEach((request) => request.reject(error)));
    }
  }
}

/** One shellcheck over several scripts of one shell, each in its own file; findings come back per file. */
async function runShellcheck(requests: readonly Request[], shell: ScriptShell): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'catalog-shellcheck-'));
  try {
    const files = await Promise.all(
      requests.map(async (request, index) => {
        const file = path.join(dir, `${index}.sh`);
        await writeFile(file, request.script);
        return file;
      }),
    );
    const args = ['--format=json1', `--shell=${shell}`, '--norc', `--exclude=${EXCLUDED_CHECKS.join(',')}`, ...files];
    const result = await execa('shellcheck', args, { reject: false, encoding: 'utf8', stdin: 'ignore' });
    if (result.exitCode === undefined) {
      const reason = result.code === 'ENOENT' ? 'it is not installed (Debian: apt-get install shellcheck); pass --no-shellcheck to lint without it' : (result.originalMessage ?? result.shortMessage);
      throw new ToolkitError(`cannot run shellcheck: ${reason}`);
    }
    // 0: no findings, 1: findings; anything else is shellcheck failing.
    if (result.exitCode !== 0 && result.exitCode !== 1) {
      const line = String(result.stderr).split('\n').find((l) => l.trim() !== '') ?? `exit code ${result.exitCode}`;
      throw new ToolkitError(`shellcheck failed: ${line.trim()}`);
    }
    let parsed: { comments?: unknown };
    try {
      parsed = JSON.parse(String(result.stdout)) as { comments?: unknown };
    } catch {
      throw new ToolkitError('shellcheck gave output that is not json1');
    }
    const comments = Array.isArray(parsed.comments) ? (parsed.comments as Record<string, unknown>[]) : [];
    requests.forEach((request, index) => {
      const file = files[index];
      request.resolve(
        comments
          .filter((c) => c['file'] === file)
          .map((c) => ({
            line: Number(c['line']),
            column: Number(c['column']),
            endLine: Number(c['endLine'] ?? c['line']),
            endColumn: Number(c['endColumn'] ?? c['column']),
            level: String(c['level']) as ShellcheckLevel,
            code: Number(c['code']),
            message: String(c['message']),
          })),
      );
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
