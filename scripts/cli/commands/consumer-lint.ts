/**
 * `catalog lint [pipeline.yml…]` in a project without components of its own: the consumer's
 * check (`consumer/lint.ts`) of each pipeline (default `.gitlab-ci.yml`), with its includes read
 * from the catalog sources. What each include resolved to goes to stderr, the report to stdout (or
 * `--output`). Exit 0 when clean (warnings allowed up to `--max-warnings`), 1 with findings, 2
 * when the run itself failed (a source that cannot be cloned, an unreadable file).
 */
import path from 'node:path';
import type { Diagnostic } from '../../core/diagnostic.js';
import { writeAtomically } from '../../core/files.js';
import { resolveCiSchema } from '../../gitlab/ci-schema/ci-schema.js';
import { prepareConsumerRender, type CatalogSourceOptions } from '../../consumer/context.js';
import { lintConsumerPipeline } from '../../consumer/lint.js';
import { FORMATS, type FormatName } from '../../lint/formats/index.js';
import { RULES } from '../../lint/rules/index.js';
import type { ExitCode, Io } from '../io.js';
import { toolVersion } from '../version.js';
import { readTextFile } from './files.js';
import { resolutionLines } from './render.js';

export interface ConsumerLintArgs extends CatalogSourceOptions {
  readonly pipelines: readonly string[];
  readonly format: FormatName;
  readonly output?: string | undefined;
  readonly maxWarnings?: number | undefined;
  readonly ciSchema?: string | undefined;
  readonly all?: boolean | undefined;
}

export const DEFAULT_PIPELINE = '.gitlab-ci.yml';

export async function runConsumerLint(args: ConsumerLintArgs, io: Io): Promise<ExitCode> {
  const root = io.cwd;
  const files = args.pipelines.length > 0 ? args.pipelines : [DEFAULT_PIPELINE];
  const texts = await Promise.all(files.map((file) => readTextFile(io, file)));
  const [ctx, ciSchema] = await Promise.all([
    prepareConsumerRender({
      dir: root,
      configRoot: root,
      projectPath: args.projectPath,
      serverFqdn: args.serverFqdn,
      sha: args.sha,
      catalog: args.catalog,
      refresh: args.refresh,
      outsideRepository: true,
    }),
    resolveCiSchema(args.ciSchema, root),
  ]);
  const diagnostics: Diagnostic[] = [];
  let hidden = 0;
  for (const [i, file] of files.entries()) {
    const shown = path.relative(root, path.resolve(root, file)).split(path.sep).join('/');
    const result = await lintConsumerPipeline(texts[i] as string, shown, { ctx, ciSchema: ciSchema.schema, all: args.all });
    io.stderr(resolutionLines(result.resolutions));
    diagnostics.push(...result.diagnostics);
    hidden += result.hidden;
  }
  if (ciSchema.warning) diagnostics.unshift({ ruleId: 'ci-schema', severity: 'warning', message: ciSchema.warning, file: files[0] ?? DEFAULT_PIPELINE, start: { line: 1, column: 1 } });
  if (hidden > 0) io.stderr(`${hidden} schema finding(s) inside component code not shown: they are the catalog's to fix (--all shows them)\n`);
  const report = FORMATS[args.format](diagnostics, { root, rules: RULES, toolName: 'catalog-lint', toolVersion: toolVersion(), files });
  if (args.output) await writeAtomically(path.resolve(root, args.output), report);
  else io.stdout(report);
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.filter((d) => d.severity === 'warning').length;
  return errors > 0 || (args.maxWarnings !== undefined && warnings > args.maxWarnings) ? 1 : 0;
}
