/**
 * Catalog sources made usable: a directory is read where it is (a clone or a bare repository, never
 * fetched into: it is the user's); a URL is cloned once, bare, into the user's cache directory
 * (`$XDG_CACHE_HOME/catalog/catalogs/<hash of the URL>.git`) and read from there offline on later
 * runs until `--refresh` fetches its branches and tags again. A source declared without its project
 * (`--catalog <location>`) serves the project its URL, or its origin remote, names.
 */
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDirectory } from '../core/cache.js';
import { UsageError } from '../core/errors.js';
import { cloneBare, fetchBranchesAndTags, listTags, remoteUrl, resolveRef } from '../core/git.js';
import { projectPathFromRemote } from '../gitlab/includes/component-address.js';
import type { CatalogSource } from '../gitlab/includes/context.js';
import { isGitUrl, SOURCES_FILE, type SourceSpec } from './config.js';

export interface OpenOptions {
  /** `$CI_SERVER_FQDN` of the run: the server of a source declared without one. */
  readonly serverFqdn: string;
  /** Fetch the cached copies of URL sources again. */
  readonly refresh?: boolean | undefined;
  /** Where cached copies live (default: the toolkit's cache directory). */
  readonly cacheDir?: string | undefined;
}

/** The cached bare copy of a URL. */
export function cachedCopy(url: string, cacheDir: string = cacheDirectory()): string {
  return path.join(cacheDir, 'catalogs', `${createHash('sha256').update(url).digest('hex').slice(0, 16)}.git`);
}

/** Each source as a repository the renderer can read, cloning or refreshing URL sources as needed. */
export async function openSources(specs: readonly SourceSpec[], options: OpenOptions): Promise<CatalogSource[]> {
  return Promise.all(specs.map((spec) => openSource(spec, options)));
}

async function openSource(spec: SourceSpec, options: OpenOptions): Promise<CatalogSource> {
  const url = isGitUrl(spec.location);
  const repo = url ? cachedCopy(spec.location, options.cacheDir) : spec.location;
  if (url) {
    const cached = await isDirectory(repo);
    if (!cached) await cloneBare(spec.location, repo);
    else if (options.refresh) await fetchBranchesAndTags(repo);
  } else if (!(await isDirectory(repo))) {
    throw new UsageError(`${spec.declaredAt}: ${spec.location}: no such directory (a catalog source is a clone, or a URL git can fetch)`);
  } else if ((await resolveRef(repo, 'HEAD').catch(() => undefined)) === undefined && !(await hasRefs(repo))) {
    throw new UsageError(`${spec.declaredAt}: ${spec.location} is not a git repository with commits`);
  }
  const key = spec.key ?? { serverFqdn: options.serverFqdn, projectPath: await projectOf(spec) };
  return {
    serverFqdn: key.serverFqdn,
    projectPath: key.projectPath,
    repo,
    fetchHint: url ? `run again with --refresh to fetch ${spec.location} anew` : `run \`git fetch --tags\` in ${spec.location}`,
  };
}

/** The project a source declared without one serves: the path in its URL, else in its origin remote. */
async function projectOf(spec: SourceSpec): Promise<string> {
  const fromUrl = isGitUrl(spec.location) ? projectPathFromRemote(spec.location) : undefined;
  if (fromUrl) return fromUrl;
  const local = /^file:\/\//i.test(spec.location) ? fileURLToPath(spec.location) : isGitUrl(spec.location) ? undefined : spec.location;
  const origin = local === undefined ? undefined : await remoteUrl(local, 'origin').catch(() => undefined);
  const fromOrigin = origin === undefined ? undefined : projectPathFromRemote(origin);
  if (fromOrigin) return fromOrigin;
  throw new UsageError(
    `${spec.declaredAt} ${spec.location}: which project is this? Neither its URL nor an origin remote names one: ` +
      `write --catalog <server>/<group>/<project>=${spec.location}, or map it under sources: in ${SOURCES_FILE}`,
  );
}

async function isDirectory(dir: string): Promise<boolean> {
  return (await stat(dir).catch(() => undefined))?.isDirectory() ?? false;
}

/** A bare repository whose HEAD names no branch it has still has tags to read. */
async function hasRefs(repo: string): Promise<boolean> {
  return (await listTags(repo).catch(() => [])).length > 0;
}
