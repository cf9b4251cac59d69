/** An input without a description: the catalog page and the generated docs show an empty cell. */
import { isValueMap } from '../../gitlab/ruby/value.js';
import { positionIn } from '../../gitlab/yaml/psych.js';
import { defineRule } from '../rule.js';

export const inputMissingDescription = defineRule({
  id: 'input-missing-description',
  description: 'Every input in spec:inputs should have a description',
  severity: 'warning',
  messages: { missing: 'input {{name}} has no description' },
  check(ctx) {
    const { spec, source } = ctx.target;
    for (const [name, inputSpec] of spec?.inputs ?? []) {
      const description = isValueMap(inputSpec) ? inputSpec.get('description') : undefined;
      // GitLab accepts an integer description; a blank one says nothing.
      if (typeof description === 'number' || (typeof description === 'string' && description.trim() !== '')) continue;
      ctx.report({ messageId: 'missing', data: { name: JSON.stringify(name) }, at: positionIn(source.header, ['spec', 'inputs', name], 'key') });
    }
  },
});
