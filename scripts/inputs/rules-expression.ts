/**
 * Evaluates the `if:` of a `spec:inputs:<name>:rules` entry. GitLab runs these through its pipeline
 * expression language (`Gitlab::Ci::Pipeline::Expression::Statement`) with an `inputs` context, so
 * `$[[ inputs.env ]] == "prod" && $[[ inputs.tier ]] != null` works. This is the subset inputs rules
 * use: input references, string literals, `null`, `==`, `!=`, `=~`, `!~` with `/regex/flags`,
 * `&&`, `||` (`&&` binds tighter) and parentheses. Anything else is reported, not guessed.
 */
import { rubyEquals, type Value } from '../core/value.js';
import { rubyToS } from '../core/ruby.js';
import { compileRe2 } from './regex.js';

type Token =
  | { kind: 'input'; name: string }
  | { kind: 'string'; value: string }
  | { kind: 'null' }
  | { kind: 'regex'; pattern: string; flags: string }
  | { kind: 'op'; value: '==' | '!=' | '=~' | '!~' | '&&' | '||' | '(' | ')' };

const TOKEN_PATTERNS: [RegExp, (m: RegExpExecArray) => Token][] = [
  [/^\$\[\[\s*inputs\.([\w-]+)\s*\]\]/, (m) => ({ kind: 'input', name: m[1] as string })],
  [/^"([^"]*)"/, (m) => ({ kind: 'string', value: m[1] as string })],
  [/^'([^']*)'/, (m) => ({ kind: 'string', value: m[1] as string })],
  [/^null\b/, () => ({ kind: 'null' })],
  [/^\/((?:\\.|[^/\\])*)\/([a-z]*)/, (m) => ({ kind: 'regex', pattern: m[1] as string, flags: m[2] as string })],
  [/^(==|!=|=~|!~|&&|\|\||\(|\))/, (m) => ({ kind: 'op', value: m[1] as '==' })],
];

function tokenize(text: string): Token[] | string {
  const tokens: Token[] = [];
  let rest = text.trim();
  while (rest.length > 0) {
    const found = TOKEN_PATTERNS.map(([re, make]) => [re.exec(rest), make] as const).find(([m]) => m);
    if (!found || !found[0]) return `unsupported expression near: ${rest}`;
    tokens.push(found[1](found[0]));
    rest = rest.slice(found[0][0].length).trimStart();
  }
  return tokens;
}

type Operand = Value | { regex: string; flags: string };

class Parser {
  #pos = 0;
  readonly #tokens: Token[];
  readonly #inputs: ReadonlyMap<string, Value>;
  constructor(tokens: Token[], inputs: ReadonlyMap<string, Value>) {
    this.#tokens = tokens;
    this.#inputs = inputs;
  }
  parse(): Value {
    const value = this.#or();
    if (this.#pos !== this.#tokens.length) throw new Error('unexpected token');
    return value;
  }
  #peekOp(...ops: string[]): string | undefined {
    const token = this.#tokens[this.#pos];
    return token?.kind === 'op' && ops.includes(token.value) ? token.value : undefined;
  }
  #or(): Value {
    let left = this.#and();
    while (this.#peekOp('||')) {
      this.#pos++;
      const right = this.#and();
      left = truthy(left) ? left : right;
    }
    return left;
  }
  #and(): Value {
    let left = this.#comparison();
    while (this.#peekOp('&&')) {
      this.#pos++;
      const right = this.#comparison();
      left = truthy(left) ? right : left;
    }
    return left;
  }
  #comparison(): Value {
    const left = this.#operand();
    const op = this.#peekOp('==', '!=', '=~', '!~');
    if (!op) return asValue(left);
    this.#pos++;
    const right = this.#operand();
    if (op === '==' || op === '!=') return rubyEquals(asValue(left), asValue(right)) === (op === '==');
    if (typeof right !== 'object' || right === null || !('regex' in right)) throw new Error('=~ needs a regex');
    const re = compileRe2((right.flags.includes('i') ? '(?i)' : '') + right.regex);
    const subject = asValue(left);
    const matched = re.ok && subject !== null && re.test(rubyToS(subject));
    return matched === (op === '=~');
  }
  #operand(): Operand {
    const token = this.#tokens[this.#pos++];
    if (!token) throw new Error('unexpected end');
    switch (token.kind) {
      case 'input':
        return this.#inputs.get(token.name) ?? null;
      case 'string':
        return token.value;
      case 'null':
        return null;
      case 'regex':
        return { regex: token.pattern, flags: token.flags };
      case 'op':
        if (token.value !== '(') throw new Error('unexpected operator');
        {
          const value = this.#or();
          if (!this.#peekOp(')')) throw new Error('missing )');
          this.#pos++;
          return value;
        }
    }
  }
}

const asValue = (operand: Operand): Value =>
  typeof operand === 'object' && operand !== null && 'regex' in operand ? `/${operand.regex}/${operand.flags}` : (operand as Value);

/** Ruby `present?`: nil, false and empty strings are not. */
const truthy = (value: Value): boolean => value !== null && value !== false && value !== '';

export type RuleCondition = { ok: true; matches: boolean } | { ok: false; error: string };

export function evaluateRuleCondition(condition: string, inputs: ReadonlyMap<string, Value>): RuleCondition {
  const tokens = tokenize(condition);
  if (typeof tokens === 'string') return { ok: false, error: tokens };
  try {
    return { ok: true, matches: truthy(new Parser(tokens, inputs).parse()) };
  } catch (error) {
    return { ok: false, error: `invalid expression: ${condition} (${(error as Error).message})` };
  }
}
