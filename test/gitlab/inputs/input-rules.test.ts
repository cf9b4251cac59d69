// Conditions as GitLab's inputs rules write them (MR 205726 and 214046 examples).
import { describe, expect, it } from 'vitest';
import { fromPlain, type Value } from '../../../scripts/gitlab/ruby/value.js';
import { evaluateRuleCondition } from '../../../scripts/gitlab/inputs/input-rules.js';

const inputs = fromPlain({ env: 'production', cloud: 'aws', count: 3, flag: true, empty: '' }) as Map<string, Value>;
const matches = (condition: string) => {
  const result = evaluateRuleCondition(condition, inputs);
  if (!result.ok) throw new Error(result.error);
  return result.matches;
};

describe('evaluateRuleCondition', () => {
  it.each([
    ['$[[ inputs.env ]] == "production"', true],
    ["$[[ inputs.env ]] == 'staging'", false],
    ['$[[ inputs.env ]] != "staging"', true],
    ['$[[ inputs.cloud ]] == "aws" && $[[ inputs.env ]] == "production"', true],
    ['$[[ inputs.cloud ]] == "gcp" || $[[ inputs.env ]] == "production"', true],
    ['$[[ inputs.cloud ]] == "gcp" || $[[ inputs.env ]] == "dev" && $[[ inputs.cloud ]] == "aws"', false],
    ['($[[ inputs.cloud ]] == "gcp" || $[[ inputs.env ]] == "production") && $[[ inputs.cloud ]] == "aws"', true],
    ['$[[ inputs.env ]] =~ /^prod/', true],
    ['$[[ inputs.env ]] !~ /^PROD/i', false],
    ['$[[ inputs.missing ]] == null', true],
    ['$[[ inputs.empty ]]', false],
    ['$[[ inputs.env ]]', true],
  ])('%s → %s', (condition, expected) => expect(matches(condition)).toBe(expected));

  it('reports what it cannot parse instead of guessing', () => {
    expect(evaluateRuleCondition('$[[ inputs.env ]] === "x"', inputs).ok).toBe(false);
    expect(evaluateRuleCondition('($[[ inputs.env ]] == "x"', inputs).ok).toBe(false);
  });
});
