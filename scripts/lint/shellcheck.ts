/**
 * The only module that runs shellcheck, always with an argv array (never a shell string):
 * `shellcheck --format=json1 --shell=<sh|bash> --norc --exclude=… -` with the script on stdin.
 * Each distinct (shell, script) is checked once per process, and at most `PARALLEL` shellchecks
 * run at a time.
 */
import { execa } from 'execa';
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

/** How many shellcheck processes may run at once. */
export const PARALLEL = 4;

/** The `version:` line of `shellcheck --version`, or undefined when shellcheck cannot be run. */
export async function shellcheckVersion(): Promise<string | undefined> {
  const result = await execa('shellcheck', ['--version'], { reject: false, stdin: 'ignore', encoding: 'utf8' });
  if (result.exitCode !== 0) return undefined;
  return /^version:\s*(\S+)/m.exec(String(result.stdout))?.[1] ?? String(result.stdout).trim().split('\n')[0];
}

const checked = new Map<string, Promise<readonly ShellcheckFinding[]>>();

/** shellcheck's findings for a script; a ToolkitError when shellcheck is missing or fails. */
export function checkScript(script: string, shell: ScriptShell): Promise<readonly ShellcheckFinding[]> {
  const key = `${shell}\0${script}`;
  let result = checked.get(key);
  if (!result) {
    result = limit(() => runShellcheck(script, shell));
    checked.set(key, result);
    // A failure (shellcheck missing) is not remembered: a later run may have it.
    result.catch(() => checked.delete(key));
  }
  return result;
}

async function runShellcheck(script: string, shell: ScriptShell): Promise<readonly ShellcheckFinding[]> {
  const args = ['--format=json1', `--shell=${shell}`, '--norc', `--exclude=${EXCLUDED_CHECKS.join(',')}`, '-'];
  const result = await execa('shellcheck', args, { input: script, reject: false, encoding: 'utf8', stripFinalNewline: false });
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
  return comments.map((c) => ({
    line: Number(c['line']),
    column: Number(c['column']),
    endLine: Number(c['endLine'] ?? c['line']),
    endColumn: Number(c['endColumn'] ?? c['column']),
    level: String(c['level']) as ShellcheckLevel,
    code: Number(c['code']),
    message: String(c['message']),
  }));
}

let running = 0;
const waiting: (() => void)[] = [];

/** Runs `task` when fewer than PARALLEL tasks are running; a finished task hands its slot to the next. */
async function limit<T>(task: () => Promise<T>): Promise<T> {
  if (running >= PARALLEL) await new Promise<void>((resolve) => waiting.push(resolve));
  else running++;
  try {
    return await task();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}
