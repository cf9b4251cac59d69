/**
 * `catalog validate [paths…]`: every component (default: all under `templates/`) and every
 * component include in `examples/**\/*.yml`, reported as `file:line:col: message [rule]`.
 * Exit 0 when clean (warnings allowed), 1 with errors, 2 when something could not be read.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { formatDiagnostic, sortDiagnostics, type Diagnostic } from '../../core/diagnostic.js';
import { parseComponentSource } from '../../gitlab/component/source.js';
import { COMPONENTS_LIMIT, discoverComponents, type ComponentFile } from '../../catalog/discover.js';
import { validateComponentSource } from '../../catalog/validate.js';
import type { ExitCode, Io } from '../io.js';
import { readTextFile } from './files.js';

export interface ValidateArgs {
  readonly paths: readonly string[];
}

export async function runValidate(args: ValidateArgs, io: Io): Promise<ExitCode> {
  const root = io.cwd;
  const discovered = args.paths.length > 0 ? [] : await discoverComponents(root);
  const components = args.paths.length > 0 ? args.paths : discovered.map((c) => c.relativePath);
  const diagnostics: Diagnostic[] = catalogLayoutFindings(discovered);
  for (const file of components) {
    const source = parseComponentSource(await readTextFile(io, file), displayPath(root, file));
    diagnostics.push(...validateComponentSource(source));
  }
  const examples = args.paths.length === 0 ? await listYamlFiles(path.join(root, 'examples')) : [];
  if (examples.length > 0) {
    const { exampleContext, validateExamplePipeline } = await import('../../catalog/validate-includes.js');
    const context = await exampleContext(root);
    for (const example of examples) {
      diagnostics.push(...(await validateExamplePipeline(context, displayPath(root, example), await readTextFile(io, example))));
    }
  }
  const sorted = sortDiagnostics(diagnostics);
  for (const d of sorted) io.stderr(`${formatDiagnostic(d)}\n`);
  const errors = sorted.filter((d) => d.severity === 'error').length;
  io.stdout(`${components.length} component(s) checked: ${errors} error(s), ${sorted.length - errors} warning(s)\n`);
  return errors > 0 ? 1 : 0;
}

/** What GitLab's release would trip over: shadowed nested templates and the components limit. */
function catalogLayoutFindings(components: readonly ComponentFile[]): Diagnostic[] {
  const findings: Diagnostic[] = components.flatMap((c) =>
    c.shadows
      ? [{ ruleId: 'layout', severity: 'warning' as const, message: `shadowed by ${c.relativePath}: GitLab fetches the simple file, so this one is never used`, file: c.shadows, start: { line: 1, column: 1 } }]
      : [],
  );
  const extra = components[COMPONENTS_LIMIT];
  if (extra) {
    findings.push({
      ruleId: 'layout',
      severity: 'error',
      message: `Release cannot contain more than ${COMPONENTS_LIMIT} components`,
      file: extra.relativePath,
      start: { line: 1, column: 1 },
    });
  }
  return findings;
}

const displayPath = (root: string, file: string) => path.relative(root, path.resolve(root, file)).split(path.sep).join('/');

async function listYamlFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}
