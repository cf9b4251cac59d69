/**
 * `catalog build [--check]`: writes each `templates/<name>.yml` from its sources under
 * `components/<name>/` (scripts/catalog/build/). With `--check`: writes nothing, exit 1 naming each
 * template that is out of date, missing, or built from sources that are gone; 0 when all are current.
 * Include problems (a missing file, a cycle, a path leaving components/) are findings (exit 1) and
 * nothing is written.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { formatDiagnostic } from '../../core/diagnostic.js';
import { writeAtomically } from '../../core/files.js';
import { buildCatalog, SOURCES_DIR } from '../../catalog/build/build.js';
import type { ExitCode, Io } from '../io.js';

export interface BuildArgs {
  readonly check?: boolean | undefined;
}

export async function runBuild(args: BuildArgs, io: Io): Promise<ExitCode> {
  const build = await buildCatalog(io.cwd);
  if (!build.hasSources) {
    io.stdout(`catalog build: no ${SOURCES_DIR}/ folder, nothing to build\n`);
    return 0;
  }
  const problems = build.templates.flatMap((t) => t.problems);
  if (problems.length > 0) {
    for (const d of problems) io.stderr(`${formatDiagnostic(d)}\n`);
    io.stderr('catalog build: nothing was written\n');
    return 1;
  }

  let exitCode: ExitCode = 0;
  for (const orphan of build.orphans) {
    io.stderr(`${orphan}: was built from ${SOURCES_DIR}/, whose sources for it are gone; restore them or delete the template\n`);
    exitCode = 1;
  }
  for (const template of build.templates) {
    const current = await readFile(path.join(io.cwd, template.target), 'utf8').catch(() => undefined);
    const from = `${template.sources.length} source file(s) in ${path.posix.dirname(template.source)}/`;
    if (current === template.text) {
      io.stdout(`${template.target}: up to date (${from})\n`);
    } else if (args.check) {
      io.stderr(`${template.target}: ${current === undefined ? 'is missing' : 'is out of date'}; run catalog build\n`);
      exitCode = 1;
    } else {
      await writeAtomically(path.join(io.cwd, template.target), template.text, template.target);
      io.stdout(`${template.target}: built from ${from}\n`);
    }
  }
  return exitCode;
}
