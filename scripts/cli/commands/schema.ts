/**
 * `catalog schema [--out DIR]`: one JSON Schema per component for its `include: inputs`, written
 * atomically as `<DIR>/<name>.inputs.schema.json`. A component whose header is invalid is reported
 * and no file is written for it (exit 1).
 */
import path from 'node:path';
import { formatDiagnostic } from '../../core/diagnostic.js';
import { writeAtomically } from '../../core/files.js';
import type { ValueMap } from '../../gitlab/ruby/value.js';
import { validateHeader } from '../../gitlab/inputs/header.js';
import { componentInputsSchema } from '../../catalog/input-schema.js';
import { parseComponentSource } from '../../gitlab/component/source.js';
import { discoverComponents } from '../../catalog/discover.js';
import { positionIn } from '../../gitlab/yaml/psych.js';
import type { ExitCode, Io } from '../io.js';
import { readTextFile } from './files.js';

export const DEFAULT_SCHEMA_DIR = 'docs/schemas';

export async function runSchema(args: { out?: string | undefined }, io: Io): Promise<ExitCode> {
  const outDir = path.resolve(io.cwd, args.out ?? DEFAULT_SCHEMA_DIR);
  let exitCode: ExitCode = 0;
  for (const component of await discoverComponents(io.cwd)) {
    const source = parseComponentSource(await readTextFile(io, component.absolutePath), component.relativePath);
    const problems = [...source.syntaxErrors, ...source.diagnostics.filter((d) => d.severity === 'error')];
    const header = source.header ? validateHeader(source.header.value as ValueMap) : undefined;
    for (const e of header?.errors ?? []) {
      problems.push({ ruleId: 'header', severity: 'error', message: e.message, file: source.file, start: positionIn(source.header, e.path, e.part) });
    }
    if (problems.length > 0 || !header) {
      for (const d of problems) io.stderr(`${formatDiagnostic(d)}\n`);
      exitCode = 1;
      continue;
    }
    const target = path.join(outDir, `${component.name}.inputs.schema.json`);
    await writeAtomically(target, `${JSON.stringify(componentInputsSchema(component.name, header.spec), null, 2)}\n`, path.relative(io.cwd, target));
    io.stdout(`${path.relative(io.cwd, target)}\n`);
  }
  return exitCode;
}
