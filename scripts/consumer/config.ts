/**
 * Where a consumer's pipeline gets its catalogs from: `.catalog.yml` in the project, or the
 * `catalog.sources` key of its package.json, mapping `<server>/<project path>` to a clone or a URL
 * git can fetch (relative paths are relative to the file), and `--catalog` on the command line.
 *
 *     # .catalog.yml
 *     sources:
 *       gitlab.com/acme/ci-catalog: https://gitlab.com/acme/ci-catalog.git
 *       gitlab.example.com/platform/components: ../components
 *
 * A malformed file is an operational error naming the file and place (exit 2).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ToolkitError, UsageError } from '../core/errors.js';
import { isValueMap, type Value } from '../gitlab/ruby/value.js';
import { parseYamlDocuments, positionIn, type ParsedDocument, type PathSegment } from '../gitlab/yaml/psych.js';

export const SOURCES_FILE = '.catalog.yml';

/** `<server>/<group>/<project>`: the instance and the project a source serves. */
export interface ProjectKey {
  readonly serverFqdn: string;
  readonly projectPath: string;
}

export interface SourceSpec {
  /** Which project it serves; `--catalog <location>` leaves it to be read from the location. */
  readonly key: ProjectKey | undefined;
  /** A directory (absolute) or a URL git can fetch. */
  readonly location: string;
  /** Where it was declared, for messages: `--catalog`, `.catalog.yml:3:3`. */
  readonly declaredAt: string;
}

/** `gitlab.com/acme/ci-catalog` → its server and project; undefined when it is not of that shape. */
export function parseProjectKey(text: string): ProjectKey | undefined {
  const match = /^([A-Za-z0-9.-]+(?::\d+)?)\/([^/\s=]+(?:\/[^/\s=]+)+)$/.exec(text.replace(/\/+$/, ''));
  return match ? { serverFqdn: match[1] as string, projectPath: match[2] as string } : undefined;
}

/** A URL git fetches (`https://…`, `ssh://…`, `file://…`, scp-like `git@host:group/project.git`), not a path. */
export const isGitUrl = (location: string): boolean => /^[a-z][a-z0-9+.-]*:\/\//i.test(location) || /^[^/@:\s]+@[^/:\s]+:/.test(location);

/** `--catalog [<server>/<project path>=]<dir or git URL>`. */
export function parseCatalogOption(option: string, cwd: string): SourceSpec {
  const equals = /^([^=\s]+)=(.+)$/.exec(option);
  const key = equals ? parseProjectKey(equals[1] as string) : undefined;
  if (equals && !key && !isGitUrl(option)) {
    throw new UsageError(`--catalog ${option}: "${equals[1] ?? ''}" is not <server>/<group>/<project> (e.g. gitlab.com/acme/ci-catalog)`);
  }
  const location = key ? (equals?.[2] as string) : option;
  return { key, location: isGitUrl(location) ? location : path.resolve(cwd, location), declaredAt: '--catalog' };
}

/** The sources declared in `.catalog.yml`, else in package.json's `catalog.sources`; none without either. */
export async function loadSourceSpecs(root: string): Promise<SourceSpec[]> {
  const file = path.join(root, SOURCES_FILE);
  const text = await readOptional(file, SOURCES_FILE);
  if (text !== undefined) {
    const doc = parse(text, SOURCES_FILE);
    if (!doc || doc.value === null) return [];
    if (!isValueMap(doc.value)) fail(doc, [], SOURCES_FILE, `${SOURCES_FILE} must be a mapping with "sources"`);
    for (const key of (doc.value as Map<string, Value>).keys()) if (key !== 'sources') fail(doc, [key], SOURCES_FILE, `unknown key "${key}": expected "sources"`, 'key');
    return specsFrom(doc, ['sources'], SOURCES_FILE, root);
  }
  const pkg = await readOptional(path.join(root, 'package.json'), 'package.json');
  if (pkg === undefined) return [];
  const doc = parse(pkg, 'package.json');
  const catalog = isValueMap(doc?.value ?? null) ? (doc?.value as Map<string, Value>).get('catalog') : undefined;
  if (!doc || !isValueMap(catalog ?? null) || !(catalog as Map<string, Value>).has('sources')) return [];
  return specsFrom(doc, ['catalog', 'sources'], 'package.json', root);
}

function specsFrom(doc: ParsedDocument, at: PathSegment[], file: string, root: string): SourceSpec[] {
  let value: Value | undefined = doc.value;
  for (const segment of at) value = isValueMap(value ?? null) ? (value as Map<string, Value>).get(String(segment)) : undefined;
  if (value === null || value === undefined) return [];
  if (!isValueMap(value)) return fail(doc, at, file, `"${at.join('.')}" must map <server>/<group>/<project> to a clone or a git URL`);
  const specs: SourceSpec[] = [];
  for (const [name, location] of value) {
    const key = parseProjectKey(name);
    if (!key) fail(doc, [...at, name], file, `"${name}" is not <server>/<group>/<project> (e.g. gitlab.com/acme/ci-catalog)`, 'key');
    if (typeof location !== 'string' || location.trim() === '') fail(doc, [...at, name], file, `"${name}" must be a directory or a URL git can fetch`);
    const { line, column } = positionIn(doc, [...at, name], 'key');
    const where = location as string;
    specs.push({ key, location: isGitUrl(where) ? where : path.resolve(root, where), declaredAt: `${file}:${line}:${column}` });
  }
  return specs;
}

async function readOptional(file: string, shown: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new ToolkitError(`${shown}: ${code ?? (error as Error).message}`);
  }
}

function parse(text: string, file: string): ParsedDocument | undefined {
  const parsed = parseYamlDocuments(text, file);
  const problem = parsed.diagnostics.find((d) => d.severity === 'error');
  if (problem) throw new ToolkitError(`${file}:${problem.start.line}:${problem.start.column}: ${problem.message}`);
  return parsed.documents[0];
}

function fail(doc: ParsedDocument, at: PathSegment[], file: string, message: string, part: 'key' | 'value' = 'value'): never {
  const { line, column } = positionIn(doc, at, part);
  throw new ToolkitError(`${file}:${line}:${column}: ${message}`);
}
