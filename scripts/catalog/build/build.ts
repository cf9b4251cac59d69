/**
 * `catalog build`: each component's sources, `components/<name>/template.yml` and the shell and awk
 * files it includes (./includes.ts), made into the self-contained `templates/<name>.yml` that
 * GitLab reads. GitLab fetches a component as one file, so the shell has to be inside it; keeping
 * it in real files lets shellcheck, editors and reviewers read it as shell.
 *
 * A built template starts with a comment naming its sources. A catalog without `components/`
 * (a consumer's repository, a hand-written catalog) has nothing to build; a template that says it
 * was built but whose sources are gone is reported, so a removed component does not live on.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Diagnostic, Position } from '../../core/diagnostic.js';
import { expandIncludes, type LineOrigin } from './includes.js';

export const SOURCES_DIR = 'components';
const TEMPLATES_DIR = 'templates';
const SOURCE_TEMPLATE = 'template.yml';

const builtHeader = (name: string) =>
  `# Built by \`catalog build\` from ${SOURCES_DIR}/${name}/: edit the sources there, then run \`catalog build\`.\n`;
const BUILT_HEADER = /^# Built by `catalog build` from /;

export interface BuiltTemplate {
  readonly name: string;
  /** `templates/<name>.yml`, relative to the catalog root. */
  readonly target: string;
  /** `components/<name>/template.yml`. */
  readonly source: string;
  readonly text: string;
  /** One per line of `text`; undefined for the header line the build adds. */
  readonly origins: readonly (LineOrigin | undefined)[];
  /** Every source file the template was built from. */
  readonly sources: readonly string[];
  readonly problems: readonly Diagnostic[];
}

export interface CatalogBuild {
  /** False when the catalog has no `components/` folder. */
  readonly hasSources: boolean;
  readonly templates: readonly BuiltTemplate[];
  /** Templates marked as built whose sources no longer exist. */
  readonly orphans: readonly string[];
}

async function readIfFile(file: string): Promise<string | undefined> {
  return readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'EISDIR' || error.code === 'ENOTDIR') return undefined;
    throw error;
  });
}

async function entriesOf(dir: string) {
  return readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
    throw error;
  });
}

/** Builds every component that has a `components/<name>/template.yml`, in name order; writes nothing. */
export async function buildCatalog(root: string): Promise<CatalogBuild> {
  const sourceEntries = await entriesOf(path.join(root, SOURCES_DIR));
  if (!sourceEntries) return { hasSources: false, templates: [], orphans: [] };
  const read = (relativePath: string) => readIfFile(path.join(root, relativePath));

  const templates: BuiltTemplate[] = [];
  const names = sourceEntries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  for (const name of names) {
    const source = `${SOURCES_DIR}/${name}/${SOURCE_TEMPLATE}`;
    // A folder without a template.yml holds shared sources (the helper library), not a component.
    if ((await read(source)) === undefined) continue;
    const expanded = await expandIncludes(source, SOURCES_DIR, read);
    templates.push({
      name,
      target: `${TEMPLATES_DIR}/${name}.yml`,
      source,
      text: builtHeader(name) + expanded.text,
      origins: [undefined, ...expanded.origins],
      sources: expanded.sources,
      problems: expanded.problems,
    });
  }

  const built = new Set(templates.map((t) => t.target));
  const orphans: string[] = [];
  for (const entry of (await entriesOf(path.join(root, TEMPLATES_DIR))) ?? []) {
    const target = `${TEMPLATES_DIR}/${entry.name}`;
    if (!entry.isFile() || built.has(target)) continue;
    if (BUILT_HEADER.test((await read(target)) ?? '')) orphans.push(target);
  }
  return { hasSources: true, templates, orphans: orphans.sort() };
}

/**
 * Where a position in a built template was written: the source file and its own line and column.
 * Undefined for the header line the build adds.
 */
export function sourcePosition(template: BuiltTemplate, position: Position): { file: string; position: Position } | undefined {
  const origin = template.origins[position.line - 1];
  if (!origin) return undefined;
  return { file: origin.file, position: { line: origin.line, column: Math.max(1, position.column - origin.indent) } };
}
