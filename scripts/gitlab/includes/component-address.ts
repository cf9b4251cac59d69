/**
 * `include: component:` addresses, as GitLab's `Gitlab::Ci::Components::InstancePath` reads them:
 *
 *     <server fqdn>/<project full path>/<component name>@<version>
 *
 * - The address must contain `@` and start with `<server fqdn>/` (`InstancePath.match?`), otherwise
 *   the fetch fails with "the component path is not supported".
 * - It is split at the FIRST `@` (`address.split('@', 2)`): the reference may itself contain `@`.
 * - The project full path is everything before the LAST `/` of the instance path
 *   (`extract_project_path`, `path.rindex('/')`); the component name is the last segment. A path
 *   that starts with `/` or has no `/` names no project ("content not found").
 *
 * Before matching, GitLab expands CI/CD variables in the address (`Mapper::VariablesExpander`,
 * `ExpandVariables.expand`: `$VAR`, `${VAR}`, `%VAR%`; unknown variables become empty). The
 * renderer knows only the predefined variables built by `predefinedVariables`.
 *
 * "This catalog" is the pair (`serverFqdn`, `projectPath`):
 * - `serverFqdn` (option `--server-fqdn`, default `gitlab.com`) is both `$CI_SERVER_FQDN` and the
 *   instance prefix every component address must start with (host plus optional `:port`);
 * - `projectPath` (option `--project-path`; default: the path of `git remote get-url origin`, or the
 *   repository directory's name) is `$CI_PROJECT_PATH`.
 * An address belongs to a project (this one, or a catalog source's) when its project full path
 * equals the project's, compared case-insensitively like GitLab's `Project.find_by_full_path`.
 */
import { basename } from 'node:path';
import { remoteUrl, repoRoot } from '../../core/git.js';
import { expandVariables as expandGitLabVariables } from '../variables.js';
import type { Variable } from '../component/load.js';

export const DEFAULT_SERVER_FQDN = 'gitlab.com';

export interface CatalogIdentity {
  /** `$CI_SERVER_FQDN`: host and optional `:port`, no scheme. */
  readonly serverFqdn: string;
  /** `$CI_PROJECT_PATH`: `group/subgroup/project`. */
  readonly projectPath: string;
}

export interface ComponentAddress {
  /** The address after variable expansion: what GitLab prints in its error messages. */
  readonly address: string;
  /** The text after the first `@` (`component.reference`). */
  readonly reference: string;
  /** The project full path: the instance path up to its last `/`. */
  readonly projectPath: string;
  /** The component name: the last segment of the instance path. */
  readonly name: string;
}

export type ParsedAddress =
  | { readonly kind: 'component'; readonly component: ComponentAddress }
  /** No `@`, or not on this instance: "the component path is not supported". */
  | { readonly kind: 'unsupported'; readonly address: string }
  /** On this instance but no project path can be extracted: "content not found". */
  | { readonly kind: 'no-project'; readonly address: string; readonly reference: string };

export function parseComponentAddress(address: string, serverFqdn: string): ParsedAddress {
  const prefix = `${serverFqdn}/`;
  if (!address.includes('@') || !address.startsWith(prefix)) return { kind: 'unsupported', address };
  const at = address.indexOf('@');
  const fullPath = address.slice(0, at);
  const reference = address.slice(at + 1);
  const instancePath = fullPath.startsWith(prefix) ? fullPath.slice(prefix.length) : fullPath;
  const slash = instancePath.lastIndexOf('/');
  if (instancePath.startsWith('/') || slash < 0) return { kind: 'no-project', address, reference };
  return {
    kind: 'component',
    component: {
      address,
      reference,
      projectPath: instancePath.slice(0, slash),
      name: instancePath.slice(slash + 1),
    },
  };
}

export const isThisCatalog = (component: ComponentAddress, catalog: CatalogIdentity): boolean =>
  component.projectPath.toLowerCase() === catalog.projectPath.toLowerCase();

/** GitLab's fetch-service errors (`Ci::Components::FetchService`), for an expanded address. */
export const fetchErrors = {
  unsupportedPath: (address: string) => `Component '${address}' - the component path is not supported`,
  contentNotFound: (address: string) => `Component '${address}' - content not found`,
  projectNotFound: (address: string) => `Component '${address}' - project does not exist or you don't have sufficient permissions`,
} as const;

/** `ExpandVariables.expand`: known variables are replaced, unknown ones become "" and are reported. */
export function expandVariables(text: string, variables: readonly Variable[]): { text: string; unknown: readonly string[] } {
  const { text: expanded, unknown } = expandGitLabVariables(text, variables, 'empty');
  return { text: expanded, unknown };
}

export interface CommitContext {
  /** `$CI_COMMIT_SHA`: the full SHA. */
  readonly sha: string;
  /** `$CI_COMMIT_REF_NAME`: the branch or tag name (the SHA itself when neither is known). */
  readonly refName: string;
  /** Set when `refName` is a branch (`$CI_COMMIT_BRANCH`). */
  readonly branch?: string | undefined;
  /** Set when `refName` is a tag (`$CI_COMMIT_TAG`). */
  readonly tag?: string | undefined;
}

/**
 * The predefined variables the renderer can know offline. Anything else (project, group and
 * instance variables, other predefined variables) is unknown and expands to "" as in GitLab.
 */
export function predefinedVariables(catalog: CatalogIdentity, commit: CommitContext): Variable[] {
  const segments = catalog.projectPath.split('/');
  const variables: Variable[] = [
    { key: 'CI_SERVER_FQDN', value: catalog.serverFqdn },
    { key: 'CI_SERVER_HOST', value: catalog.serverFqdn.replace(/:\d+$/, '') },
    { key: 'CI_SERVER_URL', value: `https://${catalog.serverFqdn}` },
    { key: 'CI_PROJECT_PATH', value: catalog.projectPath },
    { key: 'CI_PROJECT_NAMESPACE', value: segments.slice(0, -1).join('/') },
    { key: 'CI_PROJECT_NAME', value: segments[segments.length - 1] ?? '' },
    { key: 'CI_COMMIT_SHA', value: commit.sha },
    { key: 'CI_COMMIT_SHORT_SHA', value: commit.sha.slice(0, 8) },
    { key: 'CI_COMMIT_REF_NAME', value: commit.refName },
  ];
  if (commit.branch !== undefined) variables.push({ key: 'CI_COMMIT_BRANCH', value: commit.branch });
  if (commit.tag !== undefined) variables.push({ key: 'CI_COMMIT_TAG', value: commit.tag });
  return variables;
}

/**
 * The project path in a GitLab remote URL: `https://host/group/proj.git`,
 * `ssh://git@host:2222/group/proj.git`, `git@host:group/proj.git`. `undefined` for local paths and
 * `file://` URLs.
 */
export function projectPathFromRemote(url: string): string | undefined {
  const clean = (path: string) => {
    const trimmed = path.replace(/^\/+/, '').replace(/\/+$/, '').replace(/\.git$/, '');
    return trimmed === '' ? undefined : trimmed;
  };
  const scheme = /^([a-z][a-z0-9+.-]*):\/\/([^/]*)(\/.*)?$/i.exec(url);
  if (scheme) {
    if ((scheme[1] ?? '').toLowerCase() === 'file') return undefined;
    return clean(scheme[3] ?? '');
  }
  // scp-like syntax: [user@]host:path (a colon before any slash).
  const scp = /^(?:[^@/]+@)?([^:/]+):(.+)$/.exec(url);
  if (scp) return clean(scp[2] ?? '');
  return undefined;
}

export interface CatalogOptions {
  readonly projectPath?: string | undefined;
  readonly serverFqdn?: string | undefined;
}

/** This catalog's identity: the options, else `origin`'s path, else the repository directory name. */
export async function detectCatalogIdentity(repo: string, options: CatalogOptions = {}): Promise<CatalogIdentity> {
  const serverFqdn = options.serverFqdn ?? DEFAULT_SERVER_FQDN;
  if (options.projectPath !== undefined) return { serverFqdn, projectPath: options.projectPath.replace(/^\/+|\/+$/g, '') };
  // The top directory is looked up alongside the remote; it is only used (and its failure only
  // reported) when the remote gives no project path.
  const root = repoRoot(repo);
  root.catch(() => undefined);
  const url = await remoteUrl(repo, 'origin');
  const fromRemote = url === undefined ? undefined : projectPathFromRemote(url);
  return { serverFqdn, projectPath: fromRemote ?? basename(await root) };
}
