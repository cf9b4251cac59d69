/**
 * `catalog lint [pipeline.yml…]`: in a catalog (components under `templates/`), GitLab's own
 * checks, the rules, GitLab's CI schema and shellcheck over every component (rendered with its
 * defaults and each example's inputs) and the named pipelines. In a project without components (an
 * application that includes them), the consumer's check of its pipelines (`consumer-lint.ts`).
 * Exit 0 when clean (warnings allowed up to `--max-warnings`), 1 with findings, 2 when the run
 * itself failed (unreadable config, shellcheck missing without `--no-shellcheck`).
 */
import path from 'node:path';
import type { Diagnostic } from '../../core/diagnostic.js';
import { ToolkitError, UsageError } from '../../core/errors.js';
import { resolveCiSchema } from '../../gitlab/ci-schema/ci-schema.js';
import { loadLintConfig } from '../../lint/config.js';
import { FORMATS, type FormatName } from '../../lint/formats/index.js';
import { RULES } from '../../lint/rules/index.js';
import { startShellcheck } from '../../lint/rules/shellcheck.js';
import { lintProject } from '../../lint/run.js';
import { shellcheckVersion } from '../../lint/shellcheck-process.js';
import { loadLintProject } from '../../lint/target.js';
import type { CatalogSourceOptions } from '../../consumer/context.js';
import type { ExitCode, Io } from '../io.js';
import { writeAtomically } from '../../core/files.js';
import { discoverComponents } from '../../catalog/discover.js';
import { toolVersion } from '../version.js';

export interface LintArgs extends CatalogSourceOptions {
  readonly pipelines: readonly string[];
  readonly format?: string | undefined;
  readonly output?: string | undefined;
  readonly maxWarnings?: string | undefined;
  readonly ciSchema?: string | undefined;
  readonly shellcheck?: boolean | undefined;
  readonly config?: string | undefined;
  readonly all?: boolean | undefined;
}

/** In GitLab CI, rule docs are linked at the commit being linted; elsewhere the formats fall back to file: URLs. */
function docsBaseUri(): string | undefined {
  const project = process.env['CI_PROJECT_URL'];
  const sha = process.env['CI_COMMIT_SHA'];
  return project && sha ? `${project}/-/blob/${sha}/` : undefined;
}

export async function runLint(args: LintArgs, io: Io): Promise<ExitCode> {
  const format = (args.format ?? 'text') as FormatName;
  if (!(format in FORMATS)) throw new UsageError(`--format: expected one of ${Object.keys(FORMATS).join(', ')}`);
  const maxWarnings = args.maxWarnings === undefined ? undefined : Number(args.maxWarnings);
  if (maxWarnings !== undefined && !(Number.isInteger(maxWarnings) && maxWarnings >= 0)) {
    throw new UsageError('--max-warnings: expected a whole number of 0 or more');
  }
  const root = io.cwd;
  if ((await discoverComponents(root)).length === 0) {
    const { runConsumerLint } = await import('./consumer-lint.js');
    return runConsumerLint({ ...args, format, maxWarnings }, io);
  }
  const shellcheck = args.shellcheck ?? true;
  // shellcheck's version is asked while the configuration is read; its absence is reported first.
  const version = shellcheck ? shellcheckVersion() : undefined;
  const configLoaded = loadLintConfig(root, RULES.map((r) => r.id), args.config);
  configLoaded.catch(() => undefined);
  if (version && (await version) === undefined) {
    throw new ToolkitError('shellcheck is not installed: install it (Debian: apt-get install shellcheck) or pass --no-shellcheck to lint without it');
  }
  const config = await configLoaded;
  const project = await loadLintProject(root, args.pipelines);
  // shellcheck, the longest part of a cold run, gets every script of the project at once (so that
  // the longest-first split over the cores sees them all) and works on its own cores while this
  // process compiles the CI schema and runs the other rules.
  if (shellcheck && config.rules.get('shellcheck') !== 'off') await startShellcheck(project);
  // No schema lookup (and no download) when the rule is off.
  const ciSchema = config.rules.get('ci-schema') === 'off' ? {} : await resolveCiSchema(args.ciSchema, root);
  const diagnostics: Diagnostic[] = await lintProject(project, RULES, { ciSchema: ciSchema.schema, ciSchemaSource: ciSchema.source, shellcheck }, config);
  if (ciSchema.warning) {
    diagnostics.unshift({ ruleId: 'ci-schema', severity: 'warning', message: ciSchema.warning, file: project.targets[0]?.file ?? '.', start: { line: 1, column: 1 } });
  }
  const report = FORMATS[format](diagnostics, {
    root,
    rules: RULES,
    toolName: 'catalog-lint',
    toolVersion: toolVersion(),
    files: project.targets.map((t) => t.file),
    docsBaseUri: docsBaseUri(),
  });
  if (args.output) await writeAtomically(path.resolve(root, args.output), report, args.output);
  else io.stdout(report);
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.filter((d) => d.severity === 'warning').length;
  return errors > 0 || (maxWarnings !== undefined && warnings > maxWarnings) ? 1 : 0;
}
