/**
 * `Interpolation::FunctionsStack` and the functions it knows. Every expression in a block must
 * match a function's whole pattern before anything runs; then they run left to right and the first
 * failure stops the chain with `error in \`<name>\` function: <message>`.
 */
import type { Value } from '../ruby/value.js';
import { expandExisting, type ExpandableVariable } from '../variables.js';
import { rubySlice, rubySplitStrip } from '../ruby/string.js';
import { shellescape } from '../ruby/shellwords.js';

export const MAX_FUNCTIONS = 3;

interface FunctionContext {
  readonly variables: readonly ExpandableVariable[];
}

type Execution = { ok: true; value: Value } | { ok: false; error: string };

interface InterpolationFunction {
  readonly name: string;
  readonly pattern: RegExp;
  execute(value: Value, match: RegExpExecArray, ctx: FunctionContext): Execution;
}

const onlyStrings = (name: string): Execution => ({
  ok: false,
  error: `invalid input type: ${name} can only be used with string inputs`,
});

const FUNCTIONS: readonly InterpolationFunction[] = [
  {
    name: 'truncate',
    // The closing parenthesis is optional in GitLab's pattern, and only ASCII digits count.
    pattern: /^truncate\(\s*([0-9]+)\s*,\s*([0-9]+)\s*\)?$/,
    execute: (value, match) =>
      typeof value === 'string'
        ? { ok: true, value: rubySlice(value, Number(match[1]), Number(match[2])) }
        : onlyStrings('truncate'),
  },
  {
    name: 'expand_vars',
    pattern: /^expand_vars$/,
    execute: (value, _match, ctx) => {
      if (typeof value !== 'string') return onlyStrings('expand_vars');
      const expanded = expandExisting(value, ctx.variables, true);
      return expanded.ok
        ? { ok: true, value: expanded.value }
        : { ok: false, error: 'variable expansion error: masked variables cannot be expanded' };
    },
  },
  {
    name: 'posix_escape',
    pattern: /^posix_escape$/,
    execute: (value) => (typeof value === 'string' ? { ok: true, value: shellescape(value) } : onlyStrings('posix_escape')),
  },
  {
    name: 'split',
    pattern: /^split\('([^']*)'\)$/,
    execute: (value, match) => {
      if (typeof value !== 'string') return onlyStrings('split');
      const separator = match[1] ?? '';
      if (separator === '') return { ok: false, error: 'invalid argument: separator cannot be empty' };
      return { ok: true, value: rubySplitStrip(value, separator) };
    },
  },
];

export type StackResult = { ok: true; value: Value } | { ok: false; errors: string[] };

/** The names of the functions GitLab knows, in the order it tries their patterns. */
export const FUNCTION_NAMES: readonly string[] = FUNCTIONS.map((fn) => fn.name);

function findFunction(expression: string): { fn: InterpolationFunction; match: RegExpExecArray } | undefined {
  for (const fn of FUNCTIONS) {
    const match = fn.pattern.exec(expression);
    if (match) return { fn, match };
  }
  return undefined;
}

/** The name of the function whose whole pattern an expression matches, as the stack looks it up. */
export const matchFunction = (expression: string): string | undefined => findFunction(expression)?.fn.name;

export function evaluateFunctions(expressions: readonly string[], input: Value, ctx: FunctionContext): StackResult {
  const errors: string[] = [];
  const stack: { fn: InterpolationFunction; match: RegExpExecArray }[] = [];
  for (const expression of expressions) {
    const found = findFunction(expression);
    if (found) stack.push(found);
    else errors.push(`no function matching \`${expression}\`: check that the function name, arguments, and types are correct`);
  }
  const splitIndex = stack.findIndex((s) => s.fn.name === 'split');
  if (errors.length === 0 && splitIndex !== -1 && splitIndex !== stack.length - 1) {
    errors.push('split() must be the last function in a chain (it returns an array, not a string)');
  }
  if (errors.length > 0) return { ok: false, errors };

  let value = input;
  for (const { fn, match } of stack) {
    const result = fn.execute(value, match, ctx);
    if (!result.ok) return { ok: false, errors: [`error in \`${fn.name}\` function: ${result.error}`] };
    value = result.value;
  }
  return { ok: true, value };
}
