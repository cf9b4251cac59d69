/**
 * Checks one component file as GitLab would at include time, but reports every finding with a
 * position instead of GitLab's first three errors:
 * - YAML and structure (header document, `---`, content, at most two documents);
 * - the header (`header:spec…` messages);
 * - the defaults, which GitLab validates on every include (a missing required value is the
 *   consumer's business, not the component's);
 * - every `$[[ ]]` block, evaluated with the defaults and stand-ins for the required inputs.
 */
import type { Diagnostic, Position } from '../core/diagnostic.js';
import { resolveInputs } from '../gitlab/inputs/resolve.js';
import { interpolateComponent } from '../gitlab/component/load.js';
import { CHECKING_STAND_INS } from '../gitlab/component/stand-ins.js';
import { isInterpolatable, type ComponentSource } from '../gitlab/component/source.js';
import { positionIn, rangeOfText } from '../gitlab/yaml/psych.js';

export function validateComponentSource(source: ComponentSource): Diagnostic[] {
  const diagnostics: Diagnostic[] = [...source.syntaxErrors, ...source.diagnostics];
  if (source.syntaxErrors.length > 0 || !isInterpolatable(source)) return diagnostics;
  const error = (ruleId: string, message: string, start: Position): Diagnostic => ({
    ruleId,
    severity: 'error',
    message,
    file: source.file,
    start,
  });

  const result = interpolateComponent(source, {
    standIns: CHECKING_STAND_INS,
    component: CHECKING_STAND_INS.component(undefined),
    stopAtFirstInvalid: false,
  });
  for (const e of result.headerErrors) diagnostics.push(error('header', e.message, positionIn(source.header, e.path, e.part)));
  const spec = result.spec;
  if (!spec) return diagnostics;

  if (spec.hasIncludedInputs) {
    diagnostics.push({
      ...error('header', 'spec:include is not checked: inputs defined in included files are not fetched, so they count as unknown here', positionIn(source.header, ['spec', 'include'])),
      severity: 'warning',
    });
  }
  // The defaults as GitLab checks them on an include that gives no inputs. (The stand-ins'
  // own errors, in `result.inputErrors`, are not the component's.)
  for (const e of resolveInputs(spec.inputs, new Map()).errors) {
    if (e.message.endsWith('required value has not been provided')) continue;
    const name = e.inputs[0];
    const path = name === undefined ? ['spec', 'inputs'] : ['spec', 'inputs', name, ...(e.aboutDefault ? ['default'] : [])];
    diagnostics.push(error('inputs', e.message, positionIn(source.header, path)));
  }

  const content = source.content;
  const lines = source.text.split('\n');
  for (const e of result.interpolationErrors) {
    const node = content.locate(e.path ?? []) ?? content.locate(e.path ?? [], 'key');
    const at = (e.block ? rangeOfText(node, e.block, lines)?.start : undefined) ?? positionIn(content, e.path ?? []);
    diagnostics.push(error('interpolation', e.message, at));
  }
  return diagnostics;
}
