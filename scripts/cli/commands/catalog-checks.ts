/**
 * The catalog's own checks, run in-process on a repository as a maintainer would run them, for the
 * commands that change or publish a catalog and must leave it passing: `catalog release` (before
 * it tags), `catalog fork` and `catalog new` (after they write).
 */
import { ToolkitError } from '../../core/errors.js';
import type { ExitCode, Io } from '../io.js';

export interface CheckFailure {
  /** `catalog lint`: the command a maintainer runs to see the same. */
  readonly name: string;
  /** What the check printed (stdout and stderr, in order). */
  readonly output: string;
}

export type CheckResults =
  /** Every check ran; `failures` lists those that reported problems (exit 1). */
  | { readonly kind: 'ran'; readonly passed: readonly string[]; readonly failures: readonly CheckFailure[] }
  /** A check could not run (exit 2): its output says why; the checks after it did not run. */
  | { readonly kind: 'operational'; readonly output: string };

type Check = readonly [name: string, run: (io: Io) => Promise<ExitCode>];

const CHECKS: readonly Check[] = [
  ['catalog validate', async (io) => (await import('./validate.js')).runValidate({ paths: [] }, io)],
  ['catalog lint', async (io) => (await import('./lint.js')).runLint({ pipelines: [] }, io)],
  ['catalog docs --check', async (io) => (await import('./docs.js')).runDocs({ check: true }, io)],
  ['catalog build --check', async (io) => (await import('./build.js')).runBuild({ check: true }, io)],
];

export const CATALOG_CHECK_NAMES: readonly string[] = CHECKS.map(([name]) => name);

export async function runCatalogChecks(repo: string, io: Io): Promise<CheckResults> {
  const passed: string[] = [];
  const failures: CheckFailure[] = [];
  for (const [name, run] of CHECKS) {
    let output = '';
    const collect = (text: string) => {
      output += text;
    };
    const code = await run({ cwd: repo, stdout: collect, stderr: collect, readStdin: io.readStdin }).catch((error: unknown) => {
      if (error instanceof ToolkitError) {
        output += `${name}: ${error.message}\n`;
        return 2 as const;
      }
      throw error;
    });
    if (code === 2) return { kind: 'operational', output };
    if (code === 0) passed.push(name);
    else failures.push({ name, output: output.replace(/\n*$/, '') });
  }
  return { kind: 'ran', passed, failures };
}
