/**
 * Finds GitLab's CI JSON Schema (ci.json) for the `ci-schema` rule, in this order:
 * 1. `--ci-schema PATH|URL`. A URL (http/https) is downloaded with a timeout and cached under
 *    `$XDG_CACHE_HOME/catalog/` (else `~/.cache/catalog/`) in a file named after the URL's hash,
 *    written atomically. Within a day the cached copy is used without asking the network; after that
 *    it is downloaded again, and when that fails the older copy is used.
 * 2. The copy `catalog ci-schema update` wrote to the cache (`ci-schema.json`).
 * 3. The copy vendored with the toolkit, `scripts/gitlab/ci-schema/gitlab-ci.schema.json` (see the `.md` beside it).
 * A source that cannot be read, is not JSON or does not compile as a schema is skipped with a
 * warning, and so is the case where there is no schema at all: the run says so, it never passes quietly.
 */
import { cacheDirectory } from '../../core/cache.js';
import { writeAtomically } from '../../core/files.js';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';

import path from 'node:path';
import { ToolkitError } from '../../core/errors.js';
import { compileJsonSchema, type SchemaValidator } from '../../core/json-schema.js';

export interface ResolvedCiSchema {
  readonly schema?: Readonly<Record<string, unknown>> | undefined;
  /** Where the schema came from (a path, or a URL and whether it was downloaded or cached). */
  readonly source?: string | undefined;
  /** Set when no schema could be had, or the one asked for could not be used: the run reports it as a warning. */
  readonly warning?: string | undefined;
}

export const DEFAULT_CI_SCHEMA_URL = 'https://gitlab.com/gitlab-org/gitlab/-/raw/master/app/assets/javascripts/editor/schema/ci.json';
/** How long one download may take. */
export const DOWNLOAD_TIMEOUT_MS = 20_000;
/** How long a schema downloaded for `--ci-schema URL` is used without downloading it again. */
export const URL_CACHE_MAX_AGE_MS = 24 * 60 * 60 * 1000;
/** The file `catalog ci-schema update` writes in the cache directory, and its provenance beside it. */
export const UPDATED_SCHEMA_FILE = 'ci-schema.json';
const UPDATED_SCHEMA_META = 'ci-schema.source.json';
const VENDORED = 'scripts/gitlab/ci-schema/gitlab-ci.schema.json';

/** The one compilation the `ci-schema` rule uses too (verbose errors carry the schema parts it explains). */
export const compileCiSchema = (schema: Readonly<Record<string, unknown>>): SchemaValidator => compileJsonSchema(schema, { verbose: true });

export { cacheDirectory };

/** The cache file of a schema downloaded from `url`. */
export function urlCacheFile(url: string, env?: Readonly<Record<string, string | undefined>>): string {
  const key = createHash('sha256').update(url).digest('hex').slice(0, 16);
  return path.join(cacheDirectory(env), `ci-schema-${key}.json`);
}

export const isSchemaUrl = (text: string): boolean => /^https?:\/\//i.test(text);

export async function resolveCiSchema(option: string | undefined, root: string): Promise<ResolvedCiSchema> {
  const problems: string[] = [];
  if (option !== undefined && option !== '') {
    const asked = isSchemaUrl(option) ? await fromUrl(option) : await fromFile(path.resolve(root, option), option);
    if ('schema' in asked) return asked;
    problems.push(`--ci-schema ${option}: ${asked.problem}`);
  }
  const updated = path.join(cacheDirectory(), UPDATED_SCHEMA_FILE);
  const candidates = [{ file: updated, label: `${updated} (written by \`catalog ci-schema update\`${await updatedFrom()})` }];
  for (const file of vendoredCandidates()) candidates.push({ file, label: `the copy vendored with the toolkit (${VENDORED})` });
  for (const { file, label } of candidates) {
    if (!existsSync(file)) continue;
    const found = await fromFile(file, label);
    if ('schema' in found) {
      return problems.length === 0 ? found : { ...found, warning: `${problems.join('; ')}; validated against ${label} instead` };
    }
    problems.push(`${file}: ${found.problem}`);
  }
  const why = problems.length > 0 ? ` (${problems.join('; ')})` : '';
  return {
    warning: `no usable GitLab CI schema${why}: the rendered configuration was not validated against ci.json; run \`catalog ci-schema update\` or pass --ci-schema PATH|URL`,
  };
}

/**
 * `catalog ci-schema update [--from URL|PATH]`: downloads GitLab's ci.json (or reads the given file),
 * checks that it compiles as a JSON Schema, and writes it to the cache atomically. Returns the cache file.
 */
export async function updateCiSchema(source: string | undefined): Promise<string> {
  const from = source ?? DEFAULT_CI_SCHEMA_URL;
  let text: string;
  try {
    text = isSchemaUrl(from) ? await download(from) : await readFile(path.resolve(from), 'utf8');
  } catch (error) {
    throw new ToolkitError(`cannot ${isSchemaUrl(from) ? 'download' : 'read'} ${from}: ${describe(error)}`);
  }
  const checked = parseSchema(text);
  if ('problem' in checked) throw new ToolkitError(`${from}: ${checked.problem}; the cached schema was left as it was`);
  const directory = cacheDirectory();
  const target = path.join(directory, UPDATED_SCHEMA_FILE);
  try {
    await writeAtomically(target, text);
    const meta = { source: isSchemaUrl(from) ? from : path.resolve(from), updated: new Date().toISOString(), bytes: Buffer.byteLength(text), sha256: sha256(text) };
    await writeAtomically(path.join(directory, UPDATED_SCHEMA_META), `${JSON.stringify(meta, null, 2)}\n`);
  } catch (error) {
    // writeAtomically names the file and says why already.
    throw error instanceof ToolkitError ? error : new ToolkitError(`cannot write ${target}: ${describe(error)}`);
  }
  return target;
}

type Loaded = { readonly schema: Readonly<Record<string, unknown>>; readonly source: string } | { readonly problem: string };

/** Parsed schemas by file, while the file is unchanged: the same object comes back, so it is compiled once. */
const loadedFiles = new Map<string, { readonly mtimeMs: number; readonly size: number; readonly schema: Readonly<Record<string, unknown>> }>();

async function fromFile(file: string, label: string): Promise<Loaded> {
  let info;
  try {
    info = await stat(file);
  } catch (error) {
    return { problem: `cannot read it: ${describe(error)}` };
  }
  const known = loadedFiles.get(file);
  if (known && known.mtimeMs === info.mtimeMs && known.size === info.size) return { schema: known.schema, source: label };
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    return { problem: `cannot read it: ${describe(error)}` };
  }
  const parsed = parseSchema(text);
  if ('problem' in parsed) return parsed;
  loadedFiles.set(file, { mtimeMs: info.mtimeMs, size: info.size, schema: parsed.schema });
  return { schema: parsed.schema, source: label };
}

async function fromUrl(url: string): Promise<Loaded> {
  const file = urlCacheFile(url);
  const cached = await stat(file).catch(() => undefined);
  const when = cached ? new Date(cached.mtimeMs).toISOString() : '';
  if (cached && Date.now() - cached.mtimeMs < URL_CACHE_MAX_AGE_MS) {
    const found = await fromFile(file, `${url} (cached copy downloaded ${when}: ${file})`);
    if ('schema' in found) return found;
  }
  let problem: string;
  try {
    const text = await download(url);
    const parsed = parseSchema(text);
    if ('schema' in parsed) {
      const saved = await writeAtomically(file, text).then(
        async () => {
          const info = await stat(file);
          loadedFiles.set(file, { mtimeMs: info.mtimeMs, size: info.size, schema: parsed.schema });
          return `cached as ${file}`;
        },
        (error: unknown) => `not cached: ${describe(error)}`,
      );
      return { schema: parsed.schema, source: `${url} (downloaded, ${saved})` };
    }
    problem = parsed.problem;
  } catch (error) {
    problem = `download failed: ${describe(error)}`;
  }
  if (cached) {
    const stale = await fromFile(file, `${url} (${problem}; using the copy downloaded ${when}: ${file})`);
    if ('schema' in stale) return stale;
  }
  return { problem };
}

/** JSON that is an object and compiles as a JSON Schema. */
function parseSchema(text: string): { readonly schema: Readonly<Record<string, unknown>> } | { readonly problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { problem: `not valid JSON: ${describe(error)}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { problem: 'not a JSON Schema: expected a JSON object' };
  const schema = value as Record<string, unknown>;
  try {
    compileCiSchema(schema);
  } catch (error) {
    return { problem: `not a valid JSON Schema: ${describe(error)}` };
  }
  return { schema };
}

async function download(url: string): Promise<string> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS), redirect: 'follow' });
  } catch (error) {
    if (error instanceof Error && error.name === 'TimeoutError') throw new Error(`no answer within ${DOWNLOAD_TIMEOUT_MS / 1000}s`);
    throw error;
  }
  if (!response.ok) throw new Error(`HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
  return response.text();
}

/** Where `catalog ci-schema update` got the cached schema from, for the source label. */
async function updatedFrom(): Promise<string> {
  try {
    const meta = JSON.parse(await readFile(path.join(cacheDirectory(), UPDATED_SCHEMA_META), 'utf8')) as Record<string, unknown>;
    return typeof meta['source'] === 'string' ? ` from ${meta['source']}${typeof meta['updated'] === 'string' ? ` on ${meta['updated']}` : ''}` : '';
  } catch {
    return '';
  }
}

/**
 * The vendored copy beside this module: `scripts/gitlab/ci-schema/` when running from source, and the
 * repository's `scripts/gitlab/ci-schema/` when running the build in `dist/scripts/gitlab/ci-schema/` (tsc does not copy JSON).
 */
function vendoredCandidates(): string[] {
  const here = import.meta.dirname;
  const name = path.basename(VENDORED);
  const candidates = [path.join(here, name)];
  const built = path.join('dist', 'scripts', 'gitlab', 'ci-schema');
  if (here.endsWith(path.sep + built)) candidates.push(path.join(here.slice(0, -built.length), VENDORED));
  return candidates;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** An error as one line: fetch's "fetch failed" names its cause (`ECONNREFUSED 127.0.0.1:9`). */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`.split('\n')[0] ?? error.message;
}
