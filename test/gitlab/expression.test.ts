/**
 * GitLab's pipeline expression language (`Gitlab::Ci::Pipeline::Expression`) as `rules:if` and
 * `spec:inputs` rules evaluate it. Sources, gitlabhq:
 * - lib/gitlab/ci/pipeline/expression/statement.rb: `def truthful?; evaluate.present?; end`, the
 *   ActiveSupport `present?` of the statement's value;
 * - lib/gitlab/ci/pipeline/expression/lexeme/and.rb / or.rb: `@left.evaluate(variables) &&
 *   @right.evaluate(variables)` (and `||`), Ruby's own truthiness: only nil and false are false,
 *   so `""` and `"  "` are true inside `&&`/`||` and only the final `present?` sees them as blank.
 */
import { describe, expect, it } from 'vitest';

import { evaluateExpression } from '../../scripts/gitlab/expression.js';
import type { Value } from '../../scripts/gitlab/ruby/value.js';

const values = new Map<string, Value>([
  ['EMPTY', ''],
  ['BLANK', ' \t'],
  ['X', 'x'],
]);
const inputs = new Map<string, Value>([
  ['none', []],
  ['list', ['a']],
  ['off', false],
]);

function truthful(expression: string): boolean {
  const result = evaluateExpression(expression, (reference) =>
    (reference.kind === 'variable' ? values.get(reference.name) : inputs.get(reference.name)) ?? null,
  );
  if (!result.ok) throw new Error(result.error);
  return result.matches;
}

describe('evaluateExpression: the statement is true when its value is present?', () => {
  it.each([
    ['$X', true],
    ['$EMPTY', false],
    ['$UNDEFINED', false],
    // A whitespace-only string is blank? (`/\A[[:space:]]*\z/`).
    ['$BLANK', false],
    // An empty array input is blank?, a non-empty one present?.
    ['$[[ inputs.none ]]', false],
    ['$[[ inputs.list ]]', true],
    ['$[[ inputs.off ]]', false],
  ])('%s → %s', (expression, expected) => {
    expect(truthful(expression)).toBe(expected);
  });
});

describe('evaluateExpression: && and || are Ruby operators on the values', () => {
  it.each([
    // "" is truthy in Ruby: `"" && "x"` is "x", which is present.
    ['$EMPTY && $X', true],
    ['$BLANK && $X', true],
    // `" \t" || ""` is " \t" (truthy), which is blank: false.
    ['$BLANK || $EMPTY', false],
    ['$EMPTY || $X', false],
    // nil and false are the only false values.
    ['$UNDEFINED && $X', false],
    ['$UNDEFINED || $X', true],
    ['$[[ inputs.off ]] || $X', true],
    ['$[[ inputs.none ]] && $X', true],
  ])('%s → %s', (expression, expected) => {
    expect(truthful(expression)).toBe(expected);
  });
});
