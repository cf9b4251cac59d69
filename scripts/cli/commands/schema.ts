/**
 * `catalog schema [--out DIR]`: one JSON Schema per component for its `include: inputs`, written
 * atomically as `<DIR>/<name>.inputs.schema.json`, and the schema of a consumer's `.gitlab-ci.yml`
 * (`consumer-pipeline.schema.json`: GitLab's CI schema with each include of a component checked
 * against its inputs). A component whose header is invalid is reported and no file is written for
 * it (exit 1).
 */
import path from 'node:path';
import { formatDiagnostic } from '../../core/diagnostic.js';
import { writeAtomically } from '../../core/files.js';
import type { ValueMap } from '../../gitlab/ruby/value.js';
import { validateHeader, type HeaderSpec } from '../../gitlab/inputs/header.js';
import { consumerPipelineSchema, CONSUMER_SCHEMA_FILE } from '../../catalog/consumer-schema.js';
import { componentInputsSchema, type JsonSchema } from '../../catalog/input-schema.js';
import { parseComponentSource } from '../../gitlab/component/source.js';
import { discoverComponents } from '../../catalog/discover.js';
import { positionIn } from '../../gitlab/yaml/psych.js';
import type { ExitCode, Io } from '../io.js';
import { readTextFile } from './files.js';

export const DEFAULT_SCHEMA_DIR = 'docs/schemas';

export async function runSchema(args: { out?: string | undefined }, io: Io): Promise<ExitCode> {
  const outDir = path.resolve(io.cwd, args.out ?? DEFAULT_SCHEMA_DIR);
  let exitCode: ExitCode = 0;
  const written: { name: string; spec: HeaderSpec }[] = [];
  const write = async (file: string, schema: JsonSchema) => {
    const target = path.join(outDir, file);
    await writeAtomically(target, `${JSON.stringify(schema, null, 2)}\n`, path.relative(io.cwd, target));
    io.stdout(`${path.relative(io.cwd, target)}\n`);
  };
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
    await write(`${component.name}.inputs.schema.json`, componentInputsSchema(component.name, header.spec));
    written.push({ name: component.name, spec: header.spec });
  }
  if (written.length > 0) await write(CONSUMER_SCHEMA_FILE, consumerPipelineSchema(written));
  return exitCode;
}
