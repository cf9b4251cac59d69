/**
 * The `if:` of a `spec:inputs:<name>:rules` entry: GitLab's pipeline expression language with an
 * `inputs` context (`$[[ inputs.env ]] == "prod" && $[[ inputs.tier ]] != null`), evaluated by the
 * one expression engine (`core/expression.ts`) against the inputs resolved so far.
 */
import { evaluateExpression, type ExpressionResult } from '../expression.js';
import type { Value } from '../ruby/value.js';

export type RuleCondition = ExpressionResult;

export function evaluateRuleCondition(condition: string, inputs: ReadonlyMap<string, Value>): RuleCondition {
  return evaluateExpression(condition, (reference) => (reference.kind === 'input' ? (inputs.get(reference.name) ?? null) : null));
}
