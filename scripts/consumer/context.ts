/**
 * The render context of a pipeline that includes catalogs: the catalog sources of `--catalog` and
 * of the project's `.catalog.yml` (or package.json), opened (cloned or refreshed as needed), then
 * the pipeline's own repository, which serves its own project's components and tells what
 * `$CI_PROJECT_PATH` and `$CI_COMMIT_SHA` stand for. A pipeline outside any git repository can
 * still be linted (`outsideRepository`): its project is the directory's name and the `$CI_COMMIT_*`
 * variables are empty.
 */
import path from 'node:path';
import { GitError } from '../core/errors.js';
import { repoRoot } from '../core/git.js';
import { DEFAULT_SERVER_FQDN } from '../gitlab/includes/component-address.js';
import { prepareRender, type ComponentLoader, type RenderContext } from '../gitlab/includes/context.js';
import { loadSourceSpecs, parseCatalogOption, SOURCES_FILE } from './config.js';
import { openSources } from './sources.js';

/** Where a pipeline's catalogs come from and what its own project is: the options render and lint share. */
export interface CatalogSourceOptions {
  readonly projectPath?: string | undefined;
  readonly serverFqdn?: string | undefined;
  readonly sha?: string | undefined;
  /** `--catalog [<server>/<project path>=]<dir or git URL>`. */
  readonly catalog?: string | undefined;
  readonly refresh?: boolean | undefined;
}

export interface ConsumerOptions extends CatalogSourceOptions {
  /** The repository (or directory) of the pipeline. */
  readonly dir: string;
  /** Where `.catalog.yml` / package.json are read from. */
  readonly configRoot: string;
  readonly trace?: boolean | undefined;
  /** Render a pipeline outside any git repository (else git's error is the answer). */
  readonly outsideRepository?: boolean | undefined;
  readonly loader?: ComponentLoader | undefined;
}

/** What to tell a user whose pipeline includes a project no source serves. */
export const sourceHint = (key: string): string =>
  `map it to a clone or a git URL under sources: in ${SOURCES_FILE} ("${key}": <clone or URL>), or pass --catalog ${key}=<clone or URL>`;

export async function prepareConsumerRender(options: ConsumerOptions): Promise<RenderContext> {
  const serverFqdn = options.serverFqdn ?? DEFAULT_SERVER_FQDN;
  const declared = await loadSourceSpecs(options.configRoot);
  const specs = options.catalog === undefined ? declared : [parseCatalogOption(options.catalog, options.configRoot), ...declared];
  const sources = await openSources(specs, { serverFqdn, refresh: options.refresh });
  const inRepository =
    !options.outsideRepository ||
    (await repoRoot(options.dir).then(
      () => true,
      (error: unknown) => {
        if (error instanceof GitError) return false;
        throw error;
      },
    ));
  const common = { serverFqdn, projectPath: options.projectPath, sha: options.sha, sources, trace: options.trace, sourceHint, loader: options.loader };
  if (inRepository) return prepareRender(options.dir, common);
  return {
    repo: options.dir,
    catalog: { serverFqdn, projectPath: options.projectPath ?? path.basename(path.resolve(options.dir)) },
    commit: { sha: '', refName: '' },
    sources,
    trace: options.trace,
    sourceHint,
    loader: options.loader,
  };
}
