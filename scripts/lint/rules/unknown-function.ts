/**
 * Function expressions GitLab cannot run: one that matches no function's whole pattern, `split`
 * anywhere but last, more than three in a block. Each fails the include.
 */
import { FUNCTION_NAMES, MAX_FUNCTIONS, matchFunction } from '../../gitlab/interpolation/functions.js';
import { defineRule } from '../rule.js';

export const unknownFunction = defineRule({
  id: 'unknown-function',
  description: 'Function expressions in $[[ ]] blocks should be ones GitLab knows, with split last and at most three',
  severity: 'error',
  messages: {
    noMatch: 'no function matching {{expression}}. expected one of {{known}}',
    splitNotLast: 'split must be the last function in a block: it returns an array, not a string',
    tooMany: 'a block can have at most {{max}} functions, this one has {{count}}',
  },
  check(ctx) {
    if (ctx.target.kind !== 'component') return;
    const known = FUNCTION_NAMES.map((name) => JSON.stringify(name)).join(', ');
    for (const block of ctx.target.interpolations) {
      // GitLab leaves `matrix.*` blocks verbatim for the runner: their functions are never read.
      if (block.context === 'matrix') continue;
      const { functions, range: at } = block;
      if (functions.length > MAX_FUNCTIONS) ctx.report({ messageId: 'tooMany', data: { max: MAX_FUNCTIONS, count: functions.length }, at });
      const names = functions.map(matchFunction);
      names.forEach((name, i) => {
        if (name === undefined) ctx.report({ messageId: 'noMatch', data: { expression: JSON.stringify(functions[i] ?? ''), known }, at });
      });
      if (names.slice(0, -1).includes('split')) ctx.report({ messageId: 'splitNotLast', at });
    }
  },
});
