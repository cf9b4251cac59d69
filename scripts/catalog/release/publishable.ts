/**
 * What GitLab requires of the commit a catalog version is released from
 * (`Ci::Catalog::Resources::ValidateService`, `BuildComponentsService`), checked on that commit's
 * tree so that the tag pipeline sees what GitLab will: README.md at the top, 1 to 100 components
 * under templates/, and no file that looks like a component but that GitLab would skip for its
 * name. Each refusal starts with GitLab's text, where GitLab has one, and says what to do.
 */
import { listTreeFiles, showFile } from '../../core/git.js';
import { componentNameFromPath } from '../../gitlab/component/source.js';
import { COMPONENTS_LIMIT } from '../discover.js';

export const NO_README = 'Project must have a README';
export const NO_DESCRIPTION = 'Project must have a description';
export const NO_COMPONENTS = 'Project must contain components. Ensure you are using the correct directory structure';
export const tooManyComponents = (limit: number) => `Release cannot contain more than ${limit} components`;

/** Paths where an author means a component: `templates/<x>.yml|yaml`, `templates/<x>/template.yml|yaml`. */
const COMPONENT_LIKE = /^templates\/(?:[^/]+\.ya?ml|[^/]+\/template\.ya?ml)$/;

export interface PublishableTree {
  readonly components: readonly string[];
  readonly refusals: readonly string[];
}

/** The components and refusals of the tree at `rev`. */
export async function checkPublishable(repo: string, rev: string): Promise<PublishableTree> {
  const [files, readme] = await Promise.all([listTreeFiles(repo, rev, 'templates'), showFile(repo, rev, 'README.md')]);
  return publishableFindings(files, readme !== undefined);
}

export function publishableFindings(files: readonly string[], hasReadme: boolean): PublishableTree {
  const refusals: string[] = [];
  if (!hasReadme) refusals.push(`${NO_README}: add README.md at the top of the repository (GitLab reads exactly that path at the tag's commit)`);
  const names = new Set<string>();
  for (const file of files) {
    const name = componentNameFromPath(file);
    if (name !== undefined) names.add(name);
    else if (COMPONENT_LIKE.test(file)) {
      refusals.push(
        `${file}: invalid component name: GitLab releases only templates/<name>.yml and templates/<name>/template.yml, <name> made of letters, digits, "_" and "-" ([\\w-]+); rename the file`,
      );
    }
  }
  if (names.size === 0) refusals.push(`${NO_COMPONENTS}: put each component in templates/<name>.yml or templates/<name>/template.yml`);
  if (names.size > COMPONENTS_LIMIT) refusals.push(`${tooManyComponents(COMPONENTS_LIMIT)}: templates/ has ${names.size}; move some into another catalog project`);
  return { components: [...names].sort(), refusals };
}
