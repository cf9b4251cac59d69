/**
 * `catalog validate` over an example pipeline: render it as GitLab would (component includes of
 * this catalog resolved at the revision they name, `$CI_COMMIT_SHA` standing for HEAD) and keep
 * the errors and warnings, each pointing into the example file. Notes about includes left to
 * GitLab are not findings.
 */
import type { Diagnostic } from '../core/diagnostic.js';
import { renderPipelineInRepo } from '../gitlab/includes/processor.js';

export async function validateExamplePipeline(root: string, file: string, text: string): Promise<Diagnostic[]> {
  const outcome = await renderPipelineInRepo(text, file, root);
  return outcome.diagnostics.filter((d) => d.severity !== 'info');
}
