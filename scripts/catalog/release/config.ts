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
 *         "project-url": "https://gitlab.com/group/catalog"            // CHANGELOG links
 *       }
 *     }
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
const KEYS = ['description', 'tag-prefix', 'project-url'] as const;

/** What GitLab's `Gitlab::Regex::SemVer.optional_prefixed` allows before a version: nothing or `v`. */
export type TagPrefix = '' | 'v';

export interface ReleaseConfig {
  /** The project description as GitLab shows it; empty when none is configured. */
  readonly description: string;
  readonly tagPrefix: TagPrefix;
  /** `https://<server>/<group>/<project>` without a trailing slash, for links; undefined: no links. */
  readonly projectUrl: string | undefined;
}

export const DEFAULT_RELEASE_CONFIG: ReleaseConfig = { description: '', tagPrefix: '', projectUrl: undefined };

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
  return { description: (stringAt('description') ?? '').trim(), tagPrefix: prefix as TagPrefix, projectUrl: url?.replace(/\/+$/, '') };
}
