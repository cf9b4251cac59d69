/**
 * `catalog render <pipeline.yml> [--project-path group/name] [--server-fqdn host] [--sha REV] [--repo DIR]`
 *
 * Prints the pipeline with this catalog's `include: component:` entries expanded and merged as
 * GitLab does (exit 0; notes about includes left for GitLab go to stderr), or the diagnostics
 * (exit 1, nothing on stdout). A missing pipeline file or a directory that is not a git
 * repository is an operational error (exit 2).
 */
import path from 'node:path';
import { formatDiagnostic, type Diagnostic } from '../../core/diagnostic.js';
import { GitError } from '../../core/errors.js';
import { repoRoot } from '../../core/git.js';
import { prepareRender, type ComponentLoader } from '../../gitlab/includes/context.js';
import { renderPipeline } from '../../gitlab/includes/processor.js';
import { stringifyYaml } from '../../gitlab/yaml/psych.js';
import type { ExitCode, Io } from '../io.js';
import { readTextFile } from './files.js';

export interface RenderArgs {
  readonly pipeline: string;
  readonly projectPath?: string | undefined;
  readonly serverFqdn?: string | undefined;
  readonly sha?: string | undefined;
  readonly repo?: string | undefined;
}

export async function runRender(argv: RenderArgs, io: Io, loader?: ComponentLoader): Promise<ExitCode> {
  const text = await readTextFile(io, argv.pipeline);
  // git works from any directory of the work tree.
  const dir = path.resolve(io.cwd, argv.repo ?? '.');
  try {
    const ctx = await prepareRender(dir, { projectPath: argv.projectPath, serverFqdn: argv.serverFqdn, sha: argv.sha, loader });
    const outcome = await renderPipeline(text, argv.pipeline, ctx);
    for (const d of outcome.diagnostics) io.stderr(`${formatLine(d)}\n`);
    if (!outcome.ok) return 1;
    io.stdout(stringifyYaml(outcome.value));
    return 0;
  } catch (error) {
    // Whatever git command failed first, a directory outside any repository is reported as such,
    // with rev-parse's message; asking only then saves a git process on every render.
    if (error instanceof GitError) await repoRoot(dir);
    throw error;
  }
}

/** Errors print as they are; notes and warnings say what they are. */
const formatLine = (d: Diagnostic): string =>
  formatDiagnostic(d.severity === 'error' ? d : { ...d, message: `${d.severity === 'info' ? 'note' : 'warning'}: ${d.message}` });
