/**
 * Defaults that fail their own type, options or regex, in `spec:inputs:<name>:rules` entries.
 * A plain `default:` is not this rule's business: GitLab validates it on every include, so the
 * linter's GitLab check already reports it (rule id `inputs`), as it reports the default of the
 * entry that applies when no input is given. The other entries are validated only when a
 * consumer's inputs select them: this rule finds those before a consumer does.
 */
import { isValueMap, type Value } from '../../gitlab/ruby/value.js';
import { resolveInputs } from '../../gitlab/inputs/resolve.js';
import { positionIn } from '../../gitlab/yaml/psych.js';
import { defineRule } from '../rule.js';

export const invalidDefault = defineRule({
  id: 'invalid-default',
  description: 'The default of each spec:inputs rules entry should pass its own type, options and regex',
  severity: 'error',
  // GitLab's own text, as the include would fail with it once the entry applies.
  messages: { invalid: '{{message}}' },
  check(ctx) {
    const { spec, source } = ctx.target;
    if (!spec) return;
    const gitlab = resolveInputs(spec.inputs, new Map()).errors;
    for (const [name, inputSpec] of spec.inputs) {
      const rules = isValueMap(inputSpec) ? inputSpec.get('rules') : undefined;
      if (!isValueMap(inputSpec) || !Array.isArray(rules)) continue;
      // What GitLab's check says about this input stays its own finding, never repeated here.
      const reported = new Set(gitlab.filter((e) => e.inputs[0] === name).map((e) => e.message));
      rules.forEach((rule, index) => {
        if (!isValueMap(rule) || !rule.has('default')) return;
        for (const error of resolveInputs(new Map([[name, asOnlyRule(inputSpec, rule)]]), new Map()).errors) {
          if (!error.aboutDefault || reported.has(error.message)) continue;
          ctx.report({ messageId: 'invalid', data: { message: error.message }, at: positionIn(source.header, ['spec', 'inputs', name, 'rules', index, 'default']) });
        }
      });
    }
  },
});

/** The input as if this entry were its only, unconditional rule: the resolver then validates exactly its default. */
function asOnlyRule(inputSpec: ReadonlyMap<string, Value>, rule: ReadonlyMap<string, Value>): Value {
  const entry = new Map([...rule].filter(([key]) => key !== 'if'));
  return new Map([...inputSpec, ['rules', [entry]]]);
}
