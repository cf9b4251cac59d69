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

export interface RenderContext {
  /** The catalog repository: its top directory, or any directory of its work tree (git runs there). */
  readonly repo: string;
  readonly catalog: CatalogIdentity;
  /** What `$CI_COMMIT_SHA`, `$CI_COMMIT_REF_NAME`, `$CI_COMMIT_TAG` stand for. */
  readonly commit: CommitContext;
  /** Defaults to `loadComponentText`. */
  readonly loader?: ComponentLoader | undefined;
}

export interface RenderOptions {
  readonly projectPath?: string | undefined;
  readonly serverFqdn?: string | undefined;
  /** A revision for `$CI_COMMIT_SHA` (default HEAD). */
  readonly sha?: string | undefined;
  readonly loader?: ComponentLoader | undefined;
}

/** Everything a render needs from the repository and the options. */
export async function prepareRender(repo: string, options: RenderOptions = {}): Promise<RenderContext> {
  // Independent lookups: run them together.
  const [catalog, commit] = await Promise.all([detectCatalogIdentity(repo, options), resolveCommitContext(repo, options.sha)]);
  return { repo, catalog, commit, loader: options.loader };
}

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
