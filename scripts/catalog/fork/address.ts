/**
 * A catalog project's address, and the rewrite of every spelling of it in a text from one address
 * to another (`catalog fork`).
 *
 * GitLab spells one project three ways, and an instance installed under a relative URL
 * (`https://example.com/gitlab`) shows the difference:
 * - `include: component:` addresses and `<server>/<project>` keys: `$CI_SERVER_FQDN/<path>/<name>@1`
 *   or `example.com/<path>/<name>@1`. `server_fqdn` is host and port only
 *   (`Gitlab::Ci::Components::InstancePath.fqdn_prefix`), so the base path is never in them;
 * - web and HTTPS clone URLs: `https://example.com/gitlab/<path>(.git)`, base path included;
 * - SSH clone URLs: `git@example.com:<path>.git`, `ssh://git@example.com:2222/<path>.git`.
 *
 * The current address comes from package.json (`catalog.release.project-url` and
 * `server-base-path`, scripts/catalog/release/config.ts); nothing is guessed from the URL's path.
 * A reference matches case-insensitively, as GitLab finds projects (`find_by_full_path`), and only
 * as a whole project path: `group/catalog-extra` is another project, `registry.gitlab.com/...`
 * another host, `@group/catalog` an npm package.
 */
import { escapeRegExp } from '../../core/regexp.js';
import type { ReleaseConfig } from '../release/config.js';

export interface ProjectAddress {
  /** Host and optional port: what `$CI_SERVER_FQDN` stands for. */
  readonly serverFqdn: string;
  /** `/gitlab` for an instance under a relative URL, else "". */
  readonly basePath: string;
  /** `group/sub/name`. */
  readonly projectPath: string;
}

/** `https://<fqdn><base path>/<project path>`: the project's page. */
export const webUrl = (address: ProjectAddress): string => `https://${address.serverFqdn}${address.basePath}/${address.projectPath}`;

/** `<fqdn>/<project path>`: what precedes `/<component>@<version>` in an include. */
export const componentPrefix = (address: ProjectAddress): string => `${address.serverFqdn}/${address.projectPath}`;

/**
 * Why `path` cannot be a GitLab project's full path, or undefined. GitLab's path rules
 * (`Gitlab::PathRegex`): each segment letters, digits, `_`, `-`, `.`, not starting with `-`, not
 * ending in `.git` or `.atom`; a project sits in a group, so at least two segments.
 */
export function projectPathProblem(path: string): string | undefined {
  const segments = path.split('/');
  if (segments.length < 2) return 'a project path is <group>/<project> (subgroups allowed: <group>/<subgroup>/<project>)';
  const bad = segments.find((segment) => !/^[A-Za-z0-9_.][A-Za-z0-9_.-]*$/.test(segment) || /\.(?:git|atom)$/i.test(segment));
  if (bad !== undefined) return `"${bad}" is not a GitLab path segment (letters, digits, "_", "-", ".", not starting with "-", not ending in .git or .atom)`;
  return undefined;
}

/** `host` or `host:port` as `$CI_SERVER_FQDN` spells it; undefined when it is not one. */
export function serverFqdnProblem(fqdn: string): string | undefined {
  return /^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?(?::\d{1,5})?$/.test(fqdn) ? undefined : 'a server is a host name with an optional port (gitlab.example.com, gitlab.example.com:8443), no scheme or path';
}

/** The catalog's current address from its settings; undefined without a `project-url`. */
export function configuredAddress(config: ReleaseConfig): ProjectAddress | undefined {
  if (config.projectUrl === undefined) return undefined;
  const url = /^https?:\/\/([^/]+)(\/.*)$/.exec(config.projectUrl);
  if (!url) return undefined;
  const path = (url[2] ?? '').slice(config.serverBasePath.length + 1);
  return { serverFqdn: (url[1] ?? '').toLowerCase(), basePath: config.serverBasePath, projectPath: path };
}

/**
 * After a project path: `.git`, or anything that does not continue a path segment (a `.` only
 * ends the path when no segment character follows: the full stop of a sentence).
 */
const PATH_END = String.raw`(?=\.git(?![\w-]|\.[\w-])|(?![\w-]|\.[\w-]))`;

export interface Rewritten {
  readonly text: string;
  readonly count: number;
}

/** Every reference to `from` in `text` as the same kind of reference to `to`, and how many there were. */
export function rewriteAddress(text: string, from: ProjectAddress, to: ProjectAddress): Rewritten {
  const path = escapeRegExp(from.projectPath);
  const fqdn = escapeRegExp(from.serverFqdn);
  const host = escapeRegExp(from.serverFqdn.replace(/:\d+$/, ''));
  const newHost = to.serverFqdn.replace(/:\d+$/, '');
  const pattern = new RegExp(
    [
      // https://host/base/path: a web or clone URL.
      String.raw`(?<web>https?):\/\/${fqdn}${escapeRegExp(from.basePath)}\/${path}${PATH_END}`,
      // ssh://git@host:2222/path: the port is the SSH server's, kept.
      String.raw`(?<ssh>ssh):\/\/(?<sshUser>[^@\/\s]+@)?${host}(?<sshPort>:\d+)?\/${path}${PATH_END}`,
      // git@host:path
      String.raw`(?<![\w.-])(?<scpUser>[\w.-]+)@${host}:${path}${PATH_END}`,
      // $CI_SERVER_FQDN/path, ${CI_SERVER_HOST}/path, $CI_SERVER_URL/path
      String.raw`(?<variable>\$(?:CI_SERVER_(?:FQDN|HOST|URL)|\{CI_SERVER_(?:FQDN|HOST|URL)\}))\/${path}${PATH_END}`,
      // host/path: an include address or a `<server>/<project>` key, never part of a longer host or path.
      String.raw`(?<![\w.\/@:-])${fqdn}\/${path}${PATH_END}`,
    ].join('|'),
    'gi',
  );
  let count = 0;
  const rewritten = text.replace(pattern, (...args: unknown[]) => {
    count += 1;
    const groups = args.at(-1) as Record<string, string | undefined>;
    if (groups['web'] !== undefined) return `${groups['web']}://${to.serverFqdn}${to.basePath}/${to.projectPath}`;
    if (groups['ssh'] !== undefined) return `${groups['ssh']}://${groups['sshUser'] ?? ''}${newHost}${groups['sshPort'] ?? ''}/${to.projectPath}`;
    if (groups['scpUser'] !== undefined) return `${groups['scpUser']}@${newHost}:${to.projectPath}`;
    if (groups['variable'] !== undefined) return `${groups['variable']}/${to.projectPath}`;
    return componentPrefix(to);
  });
  return { text: rewritten, count };
}
