/**
 * The harness's operational failures: something it needs is missing or did not behave (no root, a
 * service that never became ready, a port that never opened, a stand-in that answered without what
 * it should). The message says in one line what failed and what to do; a log tail may follow it.
 * The harness entry prints it as `test-integration: <message>` with exit code 2, where a plain
 * Error (a programming mistake, such as a bad argument from the harness's own code) is reported
 * as an internal error. A ToolkitError, so code that already treats the toolkit's operational
 * errors as such treats these the same.
 */
import { ToolkitError } from '../scripts/core/errors.js';

export class HarnessError extends ToolkitError {
  override name = 'HarnessError';
}
