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
import { repoRoot } from '../../git/git.js';
import { prepareRender, renderPipeline, type ComponentLoader } from '../../render/render.js';
import { stringifyYaml } from '../../template/yaml-ast.js';
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
  // git starts while the file is read; a missing file is still reported first.
  const root = repoRoot(path.resolve(io.cwd, argv.repo ?? '.'));
  root.catch(() => undefined);
  const text = await readTextFile(io, argv.pipeline);
  const repo = await root;
  const ctx = await prepareRender(repo, {
    projectPath: argv.projectPath,
    serverFqdn: argv.serverFqdn,
    sha: argv.sha,
    loader,
  });
  const outcome = await renderPipeline(text, argv.pipeline, ctx);
  for (const d of outcome.diagnostics) io.stderr(`${formatLine(d)}\n`);
  if (!outcome.ok) return 1;
  io.stdout(stringifyYaml(outcome.value));
  return 0;
}

/** Errors print as they are; notes and warnings say what they are. */
const formatLine = (d: Diagnostic): string =>
  formatDiagnostic(d.severity === 'error' ? d : { ...d, message: `${d.severity === 'info' ? 'note' : 'warning'}: ${d.message}` });
