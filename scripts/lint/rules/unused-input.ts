/** An input declared in `spec:inputs` that no block reads: dead interface the consumer still sees. */
import { isValueMap } from '../../gitlab/ruby/value.js';
import { findBlocks, splitBlockData } from '../../gitlab/interpolation/template.js';
import { positionIn } from '../../gitlab/yaml/psych.js';
import { defineRule } from '../rule.js';

export const unusedInput = defineRule({
  id: 'unused-input',
  description: 'Inputs declared in spec:inputs should be read by a $[[ ]] block',
  severity: 'warning',
  messages: { unused: 'input {{name}} is declared in spec:inputs but never used' },
  check(ctx) {
    const { spec, source } = ctx.target;
    if (!spec) return;
    const used = new Set(ctx.target.interpolations.filter((b) => b.context === 'inputs').map((b) => b.name));
    // An input that only steers another input's `rules: if:` is used too.
    for (const inputSpec of spec.inputs.values()) {
      const rules = isValueMap(inputSpec) ? inputSpec.get('rules') : undefined;
      for (const rule of Array.isArray(rules) ? rules : []) {
        const condition = isValueMap(rule) ? rule.get('if') : undefined;
        if (typeof condition !== 'string') continue;
        for (const block of findBlocks(condition)) {
          const [context, input] = splitBlockData(block.data).access.split('.');
          if (context === 'inputs' && input !== undefined) used.add(input);
        }
      }
    }
    for (const name of spec.inputs.keys()) {
      if (used.has(name)) continue;
      ctx.report({ messageId: 'unused', data: { name: JSON.stringify(name) }, at: positionIn(source.header, ['spec', 'inputs', name], 'key') });
    }
  },
});
