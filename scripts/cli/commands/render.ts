/**
 * `catalog render <pipeline.yml> [--project-path group/name] [--server-fqdn host] [--sha REV] [--repo DIR] [--catalog SRC] [--refresh]`
 *
 * Prints the pipeline with its `include: component:` entries expanded and merged as GitLab does
 * (exit 0), or the diagnostics (exit 1, nothing on stdout). Components are read from the catalog
 * sources (`--catalog`, `.catalog.yml` or package.json's `catalog.sources`) and from the repository
 * itself. What each include resolved to (`buildx-ecr@1 → 1.2.0 (abc1234)`), the warnings and the
 * notes go to stderr. A missing pipeline file or a directory that is not a git repository is an
 * operational error (exit 2).
 */
import path from 'node:path';
import { formatDiagnostic, type Diagnostic } from '../../core/diagnostic.js';
import { GitError } from '../../core/errors.js';
import { repoRoot } from '../../core/git.js';
import type { ComponentLoader } from '../../gitlab/includes/context.js';
import { formatResolution, renderPipeline, type IncludeResolution } from '../../gitlab/includes/processor.js';
import { stringifyYaml } from '../../gitlab/yaml/psych.js';
import { prepareConsumerRender, type CatalogSourceOptions } from '../../consumer/context.js';
import type { ExitCode, Io } from '../io.js';
import { readTextFile } from './files.js';

export interface RenderArgs extends CatalogSourceOptions {
  readonly pipeline: string;
  readonly repo?: string | undefined;
}

export async function runRender(argv: RenderArgs, io: Io, loader?: ComponentLoader): Promise<ExitCode> {
  const text = await readTextFile(io, argv.pipeline);
  // git works from any directory of the work tree.
  const dir = path.resolve(io.cwd, argv.repo ?? '.');
  try {
    const ctx = await prepareConsumerRender({
      dir,
      configRoot: io.cwd,
      projectPath: argv.projectPath,
      serverFqdn: argv.serverFqdn,
      sha: argv.sha,
      catalog: argv.catalog,
      refresh: argv.refresh,
      loader,
    });
    const outcome = await renderPipeline(text, argv.pipeline, ctx);
    io.stderr(resolutionLines(outcome.resolutions));
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

/** One line per top-level include, `buildx-ecr@1 → 1.2.0 (abc1234)`; projects named when there are several. */
export function resolutionLines(resolutions: readonly IncludeResolution[]): string {
  const projects = new Set(resolutions.map((r) => r.projectPath.toLowerCase()));
  return resolutions.map((r) => `${formatResolution(r, projects.size > 1)}\n`).join('');
}

/** Errors print as they are; notes and warnings say what they are. */
const formatLine = (d: Diagnostic): string =>
  formatDiagnostic(d.severity === 'error' ? d : { ...d, message: `${d.severity === 'info' ? 'note' : 'warning'}: ${d.message}` });
