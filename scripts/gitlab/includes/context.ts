/**
 * What a render needs from the repository before any component is read: this catalog's identity
 * and the commit `$CI_COMMIT_SHA` stands for.
 */
import { UsageError } from '../../core/errors.js';
import { currentBranch, headSha, resolveRef } from '../../core/git.js';
import type { LoadOptions, LoadResult } from '../component/load.js';
import { detectCatalogIdentity, type CatalogIdentity, type CommitContext } from './component-address.js';
import { resolveReference } from './versions.js';

/** `loadComponentText`'s signature: injectable so the renderer can be tested on its own. */
export type ComponentLoader = (text: string, file: string, options: LoadOptions) => LoadResult;

/** A catalog project whose components the renderer reads, and the local repository it reads them from. */
export interface CatalogSource {
  /** The instance the project is on (host and optional port); only sources on `$CI_SERVER_FQDN` serve an include. */
  readonly serverFqdn: string;
  /** `group/project`, compared case-insensitively as GitLab's `find_by_full_path` does. */
  readonly projectPath: string;
  /** A git repository (a work tree or a bare copy) with the project's branches and tags. */
  readonly repo: string;
  /** What to do to get newer tags into `repo`: the hint given with a version that is not there. */
  readonly fetchHint: string;
}

export interface RenderContext {
  /** The repository the pipeline belongs to: `$CI_COMMIT_*` come from it, and it is a source of its own components. */
  readonly repo: string;
  /** `$CI_SERVER_FQDN` and `$CI_PROJECT_PATH`: the project whose pipeline is rendered. */
  readonly catalog: CatalogIdentity;
  /** What `$CI_COMMIT_SHA`, `$CI_COMMIT_REF_NAME`, `$CI_COMMIT_TAG` stand for. */
  readonly commit: CommitContext;
  /**
   * Where components are read from, the first that serves a project wins. Without this, the
   * project itself is the only source (`repo`, as `catalog`).
   */
  readonly sources?: readonly CatalogSource[] | undefined;
  /** Keep what each include contributed and where its nodes come from (`RenderOutcome.contributions`), for the linter. */
  readonly trace?: boolean | undefined;
  /** How the user makes a source serve `<server>/<project path>`: said with a component no source serves. */
  readonly sourceHint?: ((key: string) => string) | undefined;
  /** Defaults to `loadComponentText`. */
  readonly loader?: ComponentLoader | undefined;
}

export interface RenderOptions {
  readonly projectPath?: string | undefined;
  readonly serverFqdn?: string | undefined;
  /** A revision for `$CI_COMMIT_SHA` (default HEAD). */
  readonly sha?: string | undefined;
  /** Other catalogs, looked at before the repository itself. */
  readonly sources?: readonly CatalogSource[] | undefined;
  readonly trace?: boolean | undefined;
  readonly sourceHint?: ((key: string) => string) | undefined;
  readonly loader?: ComponentLoader | undefined;
}

/** Everything a render needs from the repository and the options. */
export async function prepareRender(repo: string, options: RenderOptions = {}): Promise<RenderContext> {
  // Independent lookups: run them together.
  const [catalog, commit] = await Promise.all([detectCatalogIdentity(repo, options), resolveCommitContext(repo, options.sha)]);
  return {
    repo,
    catalog,
    commit,
    sources: [...(options.sources ?? []), ownSource(repo, catalog)],
    trace: options.trace,
    sourceHint: options.sourceHint,
    loader: options.loader,
  };
}

/** The repository as the source of its own project's components. */
export const ownSource = (repo: string, catalog: CatalogIdentity): CatalogSource => ({
  ...catalog,
  repo,
  fetchHint: 'fetch the tags into this repository (`git fetch --tags`)',
});

/**
 * `$CI_COMMIT_*` for a revision. Without one: HEAD, on the current branch (the SHA stands in for
 * the ref name when HEAD is detached). A revision that names a tag or branch sets
 * `$CI_COMMIT_TAG` / `$CI_COMMIT_BRANCH` to it.
 */
export async function resolveCommitContext(repo: string, rev?: string | undefined): Promise<CommitContext> {
  if (rev === undefined || rev === 'HEAD') {
    const [sha, branch] = await Promise.all([headSha(repo), currentBranch(repo)]);
    return { sha, refName: branch ?? sha, branch };
  }
  const sha = await resolveReference(repo, rev);
  if (sha === undefined) throw new UsageError(`--sha: unknown revision '${rev}'`);
  if (!sha.startsWith(rev.toLowerCase())) {
    if ((await resolveRef(repo, `refs/tags/${rev}`)) === sha) return { sha, refName: rev, tag: rev };
    if ((await resolveRef(repo, `refs/heads/${rev}`)) === sha) return { sha, refName: rev, branch: rev };
    if ((await resolveRef(repo, `refs/remotes/origin/${rev}`)) === sha) return { sha, refName: rev, branch: rev };
  }
  return { sha, refName: sha };
}
