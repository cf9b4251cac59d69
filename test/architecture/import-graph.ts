/**
 * The import graph of `scripts/` and `harness/`, and the rules the layout promises
 * (docs/architecture.md): imports only point down the layers, nothing shipped imports the harness or
 * the tests, each third-party library has one importing module, and one module runs git. A reader of
 * the tree relies on these, and nothing else in the toolchain checks them (tsc accepts any import).
 * Written here rather than with a dependency-graph tool (dependency-cruiser, madge) because the
 * rules are a dozen lines and such a tool would add a large dev dependency for them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The layers, lowest first. A module's layer is the longest prefix that matches its path; a module
 * may import from its own layer or a lower one. `scripts/index.ts` (the public API) sits with the CLI.
 */
export const LAYERS: readonly (readonly string[])[] = [
  ['scripts/core/'],
  ['scripts/gitlab/ruby/'],
  ['scripts/gitlab/yaml/'],
  ['scripts/gitlab/variables.ts', 'scripts/gitlab/expression.ts'],
  ['scripts/gitlab/inputs/'],
  ['scripts/gitlab/interpolation/'],
  ['scripts/gitlab/component/'],
  ['scripts/gitlab/includes/', 'scripts/gitlab/jobs/', 'scripts/gitlab/ci-schema/'],
  ['scripts/catalog/'],
  ['scripts/lint/'],
  ['scripts/consumer/'],
  ['scripts/cli/', 'scripts/index.ts'],
  ['harness/'],
];

/** Third-party packages and the one module allowed to import each (a move to a new major touches one file). */
export const SOLE_IMPORTERS: Readonly<Record<string, string>> = {
  yaml: 'scripts/gitlab/yaml/psych.ts',
  re2js: 'scripts/gitlab/ruby/re2.ts',
  ajv: 'scripts/core/json-schema.ts',
  'ajv-formats': 'scripts/core/json-schema.ts',
  'ajv-draft-04': 'scripts/core/json-schema.ts',
  semver: 'scripts/gitlab/includes/versions.ts',
};

/** The one module that starts git processes (argv arrays, one function per git command). */
export const GIT_RUNNER = 'scripts/core/git.ts';

export interface ImportEdge {
  readonly from: string;
  /** A repository-relative path for a relative import, else the package name. */
  readonly to: string;
  readonly line: number;
}

export interface SourceFile {
  readonly path: string;
  readonly text: string;
}

// Static imports and re-exports, `import('…')`, and `createRequire(…)('…')`/`require('…')`.
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*|\)\s*\(\s*)['"]([^'"]+)['"]/g;
// A git process started by spawn, execa, execFile or a `run('git', …)`-style helper.
const GIT_SPAWN = /\b(?:spawn|spawnSync|execa|execFile|execFileSync|run)\s*\(\s*['"]git['"]/g;

const packageName = (specifier: string): string => {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
};

const lineAt = (text: string, offset: number): number => text.slice(0, offset).split('\n').length;

export function importEdges(file: SourceFile): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const match of file.text.matchAll(SPECIFIER)) {
    const specifier = match[1] ?? '';
    if (specifier.startsWith('node:')) continue;
    const to = specifier.startsWith('.')
      ? path.posix.normalize(path.posix.join(path.posix.dirname(file.path), specifier)).replace(/\.js$/, '.ts')
      : packageName(specifier);
    edges.push({ from: file.path, to, line: lineAt(file.text, match.index) });
  }
  return edges;
}

export function layerOf(file: string): number | undefined {
  let best: { rank: number; length: number } | undefined;
  LAYERS.forEach((prefixes, rank) => {
    for (const prefix of prefixes) {
      if ((file === prefix || file.startsWith(prefix)) && (!best || prefix.length > best.length)) best = { rank, length: prefix.length };
    }
  });
  return best?.rank;
}

/** Every broken promise, as `file:line: message`. */
export function importViolations(files: readonly SourceFile[]): string[] {
  const problems: string[] = [];
  for (const file of files) {
    const fromLayer = layerOf(file.path);
    if (fromLayer === undefined) problems.push(`${file.path}:1: belongs to no layer (add it to LAYERS or move it)`);
    for (const edge of importEdges(file)) {
      const where = `${edge.from}:${edge.line}`;
      if (edge.to.startsWith('test/')) {
        problems.push(`${where}: imports the tests (${edge.to})`);
      } else if (edge.to.includes('/') && !edge.to.startsWith('@')) {
        const toLayer = layerOf(edge.to);
        if (fromLayer !== undefined && toLayer !== undefined && toLayer > fromLayer) {
          problems.push(`${where}: imports upward, from ${LAYERS[fromLayer]?.join(' ')} to ${edge.to}`);
        }
      } else {
        const sole = SOLE_IMPORTERS[edge.to];
        if (sole !== undefined && sole !== edge.from) problems.push(`${where}: imports ${edge.to}, which only ${sole} may import`);
      }
    }
    if (file.path !== GIT_RUNNER) {
      for (const match of file.text.matchAll(GIT_SPAWN)) {
        problems.push(`${file.path}:${lineAt(file.text, match.index)}: runs git, which only ${GIT_RUNNER} may do`);
      }
    }
  }
  return problems;
}

/** The TypeScript sources under the given repository-relative folders. */
export function readSources(root: string, folders: readonly string[]): SourceFile[] {
  const files: SourceFile[] = [];
  for (const folder of folders) {
    for (const entry of readdirSync(path.join(root, folder), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
      const absolute = path.join(entry.parentPath, entry.name);
      files.push({ path: path.relative(root, absolute).split(path.sep).join('/'), text: readFileSync(absolute, 'utf8') });
    }
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
