/**
 * `catalog docs [--check]`: the README's component sections, generated from each component's
 * `spec:` header and content (see scripts/catalog/docs/). Each section sits between
 * `<!-- catalog-docs:begin <name> -->` and `<!-- catalog-docs:end <name> -->`; text outside the
 * markers is the author's and is never changed.
 *
 * Without `--check`: writes README.md atomically when something changed and says what (exit 0).
 * With `--check`: writes nothing; exit 1 listing each section that is out of date, missing or left
 * over from a removed component, 0 when all are current. Either way a component whose header is
 * invalid is reported with its diagnostics (exit 1) and its section is left as it is; markers the
 * tool cannot pair up are reported and nothing is written (exit 1).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { formatDiagnostic } from '../../core/diagnostic.js';
import { documentCatalog } from '../../catalog/docs/generate.js';
import { updateReadme, type ChangeKind } from '../../catalog/docs/readme.js';
import type { ExitCode, Io } from '../io.js';
import { readTextFile } from './files.js';
import { writeAtomically } from '../../core/files.js';

export const README = 'README.md';

export interface DocsArgs {
  readonly check?: boolean | undefined;
}

const STALE: Readonly<Record<ChangeKind, string>> = {
  updated: 'is out of date',
  added: 'is missing',
  removed: 'belongs to no component under templates/',
};

const DONE: Readonly<Record<ChangeKind, string>> = {
  updated: 'updated',
  added: 'added',
  removed: 'removed (no such component)',
};

export async function runDocs(args: DocsArgs, io: Io): Promise<ExitCode> {
  const target = path.join(io.cwd, README);
  const components = await documentCatalog(io.cwd, (file) => readTextFile(io, file));
  let exitCode: ExitCode = 0;
  for (const component of components) {
    for (const d of component.problems) io.stderr(`${formatDiagnostic(d)}\n`);
    if (component.problems.length > 0) {
      io.stderr(`${README}: section for "${component.name}" not generated: ${component.relativePath} has errors\n`);
      exitCode = 1;
    }
  }
  const generated = new Map(components.flatMap((c) => (c.section ? [[c.name, c.section] as const] : [])));
  const untouchable = new Set(components.filter((c) => !c.section).map((c) => c.name));

  const current = await readFile(target, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    return readTextFile(io, README); // rethrows as an operational error with the reason
  });
  const update = updateReadme(current, generated, untouchable);
  if (update.problems.length > 0) {
    for (const p of update.problems) io.stderr(`${README}:${p.line}: ${p.message}\n`);
    io.stderr(`${README}: the catalog-docs markers must be fixed by hand; nothing was written\n`);
    return 1;
  }

  if (args.check) {
    for (const change of update.changes) io.stderr(`${README}: section for "${change.name}" ${STALE[change.kind]}; run catalog docs\n`);
    if (update.changes.length > 0) return 1;
    io.stdout(`${README}: ${generated.size} component section(s) up to date\n`);
    return exitCode;
  }

  if (update.changes.length > 0 && update.text !== current) await writeAtomically(target, update.text, README);
  for (const change of update.changes) io.stdout(`${README}: section for "${change.name}" ${DONE[change.kind]}\n`);
  if (update.changes.length === 0) io.stdout(`${README}: ${generated.size} component section(s) up to date\n`);
  return exitCode;
}
