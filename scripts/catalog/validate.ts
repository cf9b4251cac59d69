/**
 * Checks one component file as GitLab would at include time, but reports every finding with a
 * position instead of GitLab's first three errors:
 * - YAML and structure (header document, `---`, content, at most two documents);
 * - the header (`header:spec…` messages);
 * - the defaults, which GitLab validates on every include (a missing required value is the
 *   consumer's business, not the component's);
 * - every `$[[ ]]` block, evaluated with the defaults and a typed placeholder for required inputs.
 */
import type { Diagnostic, Position } from '../core/diagnostic.js';
import { isValueMap, type Value, type ValueMap } from '../gitlab/ruby/value.js';
import { validateHeader } from '../gitlab/inputs/header.js';
import { inputType, resolveInputs } from '../gitlab/inputs/resolve.js';
import { interpolateTemplate } from '../gitlab/interpolation/template.js';
import type { ComponentSource } from '../gitlab/component/source.js';
import { positionIn, rangeOfText } from '../gitlab/yaml/psych.js';

const PLACEHOLDERS: Record<string, Value> = { string: 'placeholder', number: 0, boolean: false, array: [] };

export function validateComponentSource(source: ComponentSource): Diagnostic[] {
  const diagnostics: Diagnostic[] = [...source.syntaxErrors, ...source.diagnostics];
  if (source.syntaxErrors.length > 0 || source.invalidFormat || !source.header) return diagnostics;
  const error = (ruleId: string, message: string, start: Position): Diagnostic => ({
    ruleId,
    severity: 'error',
    message,
    file: source.file,
    start,
  });

  const header = validateHeader(source.header.value as ValueMap);
  for (const e of header.errors) diagnostics.push(error('header', e.message, positionIn(source.header, e.path)));
  if (header.errors.length > 0) return diagnostics;

  if (header.spec.hasIncludedInputs) {
    diagnostics.push({
      ...error('header', 'spec:include is not checked: inputs defined in included files are not fetched, so they count as unknown here', positionIn(source.header, ['spec', 'include'])),
      severity: 'warning',
    });
  }
  const params = new Map<string, Value>();
  const resolved = resolveInputs(header.spec.inputs, params);
  for (const e of resolved.errors) {
    if (e.message.endsWith('required value has not been provided')) continue;
    const name = e.inputs[0];
    const path = name === undefined ? ['spec', 'inputs'] : ['spec', 'inputs', name, ...(e.aboutDefault ? ['default'] : [])];
    diagnostics.push(error('inputs', e.message, positionIn(source.header, path)));
  }

  // Required inputs get a typed placeholder so that every block can be evaluated.
  for (const [name, spec] of header.spec.inputs) {
    const type = inputType(spec);
    const required = !(isValueMap(spec) && spec.has('default')) && !(isValueMap(spec) && spec.has('rules'));
    if (type && required) params.set(name, PLACEHOLDERS[type] ?? null);
  }
  const values = resolveInputs(header.spec.inputs, params).values;
  const context: ValueMap = new Map<string, Value>([
    ['inputs', new Map(values)],
    ['component', new Map(header.spec.component.map((field) => [field, 'placeholder']))],
  ]);
  const content = source.content;
  const result = interpolateTemplate(content?.value ?? null, { context, variables: [], stopAtFirstInvalid: false });
  if (!result.ok) {
    const lines = source.text.split('\n');
    for (const e of result.errors) {
      const node = content?.locate(e.path ?? []) ?? content?.locate(e.path ?? [], 'key');
      const at = (e.block ? rangeOfText(node, e.block, lines)?.start : undefined) ?? positionIn(content, e.path ?? []);
      diagnostics.push(error('interpolation', e.message, at));
    }
  }
  return diagnostics;
}
