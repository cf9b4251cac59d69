/**
 * The release settings of a catalog: the `catalog.release` key of its package.json (beside
 * `catalog.lint` and `catalog.sources`, which other commands read). GitLab keeps the project's
 * description in its settings, not in the repository; `description` mirrors it here so that
 * `catalog release` can refuse before GitLab does (`Project must have a description`).
 *
 *     "catalog": {
 *       "release": {
 *         "description": "Multi-arch container builds for GitLab CI",   // required to release
 *         "tag-prefix": "v",                                           // "" (default) or "v"
 *         "project-url": "https://gitlab.com/group/catalog",           // CHANGELOG links, catalog fork
 *         "server-base-path": "/gitlab"                                // see below
 *       }
 *     }
 *
 * `server-base-path` is the path a GitLab instance installed under a relative URL serves from
 * (`https://example.com/gitlab/group/catalog`): it belongs to the server, not to the project, so
 * the project path is what follows it. It is never guessed from the URL, whose path could as well
 * be a project in a group named `gitlab`. Default "" (the instance serves from its root).
 *
 * A malformed section is an operational error naming package.json and the place (exit 2).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ToolkitError } from '../../core/errors.js';
import { isValueMap, type Value } from '../../gitlab/ruby/value.js';
import { parseYamlDocuments, positionIn } from '../../gitlab/yaml/psych.js';

export const RELEASE_CONFIG_FILE = 'package.json';
const SECTION = ['catalog', 'release'] as const;
const KEYS = ['description', 'tag-prefix', 'project-url', 'server-base-path'] as const;

/** `/gitlab`, `/tools/gitlab`: path segments of URL-safe characters. */
export const SERVER_BASE_PATH = /^(?:\/[A-Za-z0-9._~-]+)+$/;

/** What GitLab's `Gitlab::Regex::SemVer.optional_prefixed` allows before a version: nothing or `v`. */
export type TagPrefix = '' | 'v';

export interface ReleaseConfig {
  /** The project description as GitLab shows it; empty when none is configured. */
  readonly description: string;
  readonly tagPrefix: TagPrefix;
  /** `https://<server>/<group>/<project>` without a trailing slash, for links; undefined: no links. */
  readonly projectUrl: string | undefined;
  /** `/gitlab` for an instance under a relative URL, else ""; the part of `projectUrl`'s path that is not the project's. */
  readonly serverBasePath: string;
}

export const DEFAULT_RELEASE_CONFIG: ReleaseConfig = { description: '', tagPrefix: '', projectUrl: undefined, serverBasePath: '' };

/** The settings in `<root>/package.json`, or the defaults when it has no `catalog.release`. */
export async function loadReleaseConfig(root: string): Promise<ReleaseConfig> {
  const text = await readFile(path.join(root, RELEASE_CONFIG_FILE), 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw new ToolkitError(`${RELEASE_CONFIG_FILE}: cannot read it (${error.code ?? error.message})`);
  });
  return text === undefined ? DEFAULT_RELEASE_CONFIG : parseReleaseConfig(text);
}

export function parseReleaseConfig(text: string): ReleaseConfig {
  const parsed = parseYamlDocuments(text, RELEASE_CONFIG_FILE);
  const problem = parsed.diagnostics.find((d) => d.severity === 'error');
  if (problem) throw new ToolkitError(`${RELEASE_CONFIG_FILE}:${problem.start.line}:${problem.start.column}: ${problem.message}`);
  const doc = parsed.documents[0];
  const root = doc?.value ?? null;
  const catalog = isValueMap(root) ? root.get('catalog') : undefined;
  const section = isValueMap(catalog ?? null) ? (catalog as Map<string, Value>).get('release') : undefined;
  if (section === undefined || section === null || !doc) return DEFAULT_RELEASE_CONFIG;
  const fail = (at: readonly string[], message: string, part: 'key' | 'value' = 'value'): never => {
    const { line, column } = positionIn(doc, [...SECTION, ...at], part);
    throw new ToolkitError(`${RELEASE_CONFIG_FILE}:${line}:${column}: ${message}`);
  };
  if (!isValueMap(section)) return fail([], `"catalog.release" must be an object with ${KEYS.map((k) => `"${k}"`).join(', ')}`);
  for (const key of section.keys()) {
    if (!(KEYS as readonly string[]).includes(key)) fail([key], `unknown key "${key}" in "catalog.release": expected one of ${KEYS.map((k) => `"${k}"`).join(', ')}`, 'key');
  }
  const stringAt = (key: (typeof KEYS)[number]): string | undefined => {
    const value = section.get(key);
    if (value === undefined || value === null) return undefined;
    return typeof value === 'string' ? value : fail([key], `"catalog.release.${key}" must be a string`);
  };
  const prefix = stringAt('tag-prefix') ?? '';
  if (prefix !== '' && prefix !== 'v') fail(['tag-prefix'], `"catalog.release.tag-prefix" must be "" or "v": GitLab's catalog only publishes tags like 1.2.3 or v1.2.3`);
  const url = stringAt('project-url');
  if (url !== undefined && !/^https?:\/\/[^/\s]+\/\S+$/.test(url)) fail(['project-url'], `"catalog.release.project-url" must be the project's web address, e.g. https://gitlab.com/group/catalog`);
  const basePath = (stringAt('server-base-path') ?? '').replace(/\/+$/, '');
  if (basePath !== '' && !SERVER_BASE_PATH.test(basePath)) {
    fail(['server-base-path'], `"catalog.release.server-base-path" must be the path GitLab is installed under, e.g. /gitlab, or ""`);
  }
  const projectUrl = url?.replace(/\/+$/, '');
  if (projectUrl !== undefined && basePath !== '' && !projectUrl.replace(/^https?:\/\/[^/]+/, '').startsWith(`${basePath}/`)) {
    fail(['server-base-path'], `"catalog.release.server-base-path" ${basePath} is not where the path of "catalog.release.project-url" starts (${projectUrl})`);
  }
  return { description: (stringAt('description') ?? '').trim(), tagPrefix: prefix as TagPrefix, projectUrl, serverBasePath: basePath };
}
