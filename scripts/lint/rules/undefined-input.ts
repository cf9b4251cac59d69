/**
 * A block that reads an input `spec:inputs` does not declare, or a `component.*` field that
 * `spec:component` does not list. GitLab fails the include with `unknown interpolation provided`.
 */
import { defineRule } from '../rule.js';

export const undefinedInput = defineRule({
  id: 'undefined-input',
  description: 'Blocks should only read inputs declared in spec:inputs and component fields listed in spec:component',
  severity: 'error',
  messages: {
    input: 'input {{name}} is not declared in spec:inputs',
    inputSuggest: 'input {{name}} is not declared in spec:inputs. did you mean {{suggestion}}?',
    component: 'component field {{name}} is not listed in spec:component',
    componentSuggest: 'component field {{name}} is not listed in spec:component. did you mean {{suggestion}}?',
  },
  check(ctx) {
    const spec = ctx.target.spec;
    if (!spec) return;
    for (const block of ctx.target.interpolations) {
      if (block.name === '') continue;
      let declared: readonly string[];
      if (block.context === 'inputs') {
        // Inputs defined in `spec:include` files are not fetched: any name may be one of them.
        if (spec.hasIncludedInputs) continue;
        declared = [...spec.inputs.keys()];
      } else if (block.context === 'component') declared = spec.component;
      else continue;
      if (declared.includes(block.name)) continue;
      const suggestion = closest(block.name, declared);
      const kind = block.context === 'inputs' ? 'input' : 'component';
      ctx.report({
        messageId: suggestion === undefined ? kind : `${kind}Suggest`,
        data: { name: JSON.stringify(block.name), ...(suggestion === undefined ? {} : { suggestion: JSON.stringify(suggestion) }) },
        at: block.range,
      });
    }
  },
});

/**
 * The declared name nearest to a misspelling, as TypeScript's spelling suggestions pick it: the
 * smallest edit distance below 40% of the name's length, the first declared on a tie.
 */
function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.floor(name.length * 0.4) + 1;
  for (const candidate of candidates) {
    const distance = levenshtein(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best;
}

function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      row.push(Math.min((previous[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, substitution));
    }
    previous = row;
  }
  return previous[b.length] ?? 0;
}
