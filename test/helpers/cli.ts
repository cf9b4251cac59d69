import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { onTestFinished } from 'vitest';
import type { Io } from '../../scripts/cli/io.js';

export const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
export const CLI = path.join(REPO_ROOT, 'dist/scripts/cli/main.js');

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built `catalog` binary, as users do. The suite fails (not skips) when it was not built. */
export function catalog(args: readonly string[], options: { cwd?: string; input?: string | Buffer; timeout?: number } = {}): CliResult {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    input: options.input ?? '',
    encoding: 'utf8',
    // A hang guard for inputs that used to run away: the process is killed, and its status is null.
    ...(options.timeout === undefined ? {} : { timeout: options.timeout, killSignal: 'SIGKILL' as const }),
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A temporary directory with the given files, removed when the test ends. */
export function tempTree(files: Record<string, string | Uint8Array>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'catalog-test-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

export interface InProcessRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a command's function in this process with its output captured. An operational failure
 * (thrown) becomes exit 2 with `<errorPrefix><message>` on stderr, as the CLI entry point prints it.
 */
export async function runInProcess(cwd: string, command: (io: Io) => Promise<number>, errorPrefix = 'catalog: '): Promise<InProcessRun> {
  let stdout = '';
  let stderr = '';
  const io: Io = { cwd, stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), readStdin: async () => '' };
  try {
    return { code: await command(io), stdout, stderr };
  } catch (error) {
    return { code: 2, stdout, stderr: `${stderr}${errorPrefix}${(error as Error).message}\n` };
  }
}
