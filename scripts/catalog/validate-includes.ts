/**
 * `catalog validate` over an example pipeline: render it as GitLab would and keep the errors and
 * warnings, each pointing into the example file. Notes about includes left to GitLab are not
 * findings.
 *
 * The examples are checked against the components `catalog validate` checks, those of the work
 * tree: `$CI_COMMIT_SHA` stands for the commit the work tree would make (HEAD when nothing has
 * changed), so an example that uses a new component or input passes before they are committed,
 * as it will in the pipeline of the commit that brings them. The branch and the project stay HEAD's.
 */
import type { Diagnostic } from '../core/diagnostic.js';
import { workTreeCommit } from '../core/git.js';
import { prepareRender, type RenderContext } from '../gitlab/includes/context.js';
import { renderPipeline } from '../gitlab/includes/processor.js';

/** What every example of the catalog at `root` is rendered in. */
export async function exampleContext(root: string): Promise<RenderContext> {
  const [context, workTree] = await Promise.all([prepareRender(root), workTreeCommit(root)]);
  return workTree === undefined ? context : { ...context, commit: { ...context.commit, sha: workTree } };
}

export async function validateExamplePipeline(context: RenderContext, file: string, text: string): Promise<Diagnostic[]> {
  const outcome = await renderPipeline(text, file, context);
  return outcome.diagnostics.filter((d) => d.severity !== 'info');
}
