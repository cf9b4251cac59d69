/**
 * A required input (no default) whose description does not say so: the catalog page does not mark
 * required inputs, so the consumer learns it from the failed pipeline (`required value has not been provided`).
 */
import { isValueMap, type Value } from '../../gitlab/ruby/value.js';
import { resolveInputs } from '../../gitlab/inputs/resolve.js';
import { positionIn } from '../../gitlab/yaml/psych.js';
import { defineRule } from '../rule.js';

const SAYS_REQUIRED = /\brequired\b/i;

export const inputMissingDefaultOrRequiredDoc = defineRule({
  id: 'input-missing-default-or-required-doc',
  description: 'Inputs without a default should say in their description that they are required',
  severity: 'warning',
  messages: { undocumented: 'input {{name}} has no default and its description does not say that it is required' },
  check(ctx) {
    const { spec, source } = ctx.target;
    for (const [name, inputSpec] of spec?.inputs ?? []) {
      if (!isRequired(name, inputSpec)) continue;
      const description = isValueMap(inputSpec) ? inputSpec.get('description') : undefined;
      if (typeof description === 'string' && SAYS_REQUIRED.test(description)) continue;
      ctx.report({ messageId: 'undocumented', data: { name: JSON.stringify(name) }, at: positionIn(source.header, ['spec', 'inputs', name], 'key') });
    }
  },
});

/** GitLab's own `required?` (a default, or a rule that gives one, makes an input optional), asked through the resolver. */
function isRequired(name: string, inputSpec: Value): boolean {
  const { errors } = resolveInputs(new Map([[name, inputSpec]]), new Map());
  return errors.some((e) => e.message.endsWith('required value has not been provided'));
}
