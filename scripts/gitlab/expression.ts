/**
 * GitLab's pipeline expression language (gitlabhq `Gitlab::Ci::Pipeline::Expression`), as used by
 * job `rules:if` (with `$VARIABLES`) and by `spec:inputs` rules (with `$[[ inputs.name ]]`): string
 * literals, `null`, `/regex/flags` (RE2, like `Gitlab::UntrustedRegexp`), `==`, `!=`, `=~`, `!~`,
 * `&&`, `||` (`&&` binds tighter; Ruby's operators, so only null and false are false inside them)
 * and parentheses. A statement is true when its value is `present?` (not null, false, a blank
 * string or an empty array). `=~` matches `to_s` of the left side (null → ""); a
 * null pattern never matches; a value on the right holding `/pattern/` is used as that pattern.
 * What the references mean is the caller's: `resolve` gives each its value.
 */
import { compileRe2 } from './ruby/re2.js';
import { rubyToS } from './ruby/inspect.js';
import { isPresent } from './ruby/presence.js';
import { rubyEquals, type Value } from './ruby/value.js';

export type Reference = { readonly kind: 'variable'; readonly name: string } | { readonly kind: 'input'; readonly name: string };

type Token =
  | Reference
  | { kind: 'string'; value: string }
  | { kind: 'null' }
  | { kind: 'regex'; pattern: string; flags: string }
  | { kind: 'op'; value: '==' | '!=' | '=~' | '!~' | '&&' | '||' | '(' | ')' };

const TOKEN_PATTERNS: [RegExp, (m: RegExpExecArray) => Token][] = [
  [/^\$\[\[\s*inputs\.([\w-]+)\s*\]\]/, (m) => ({ kind: 'input', name: m[1] as string })],
  [/^\$(\w+)/, (m) => ({ kind: 'variable', name: m[1] as string })],
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

export type Regex = { readonly regex: string; readonly flags: string };
type Operand = Value | Regex;
const isRegex = (operand: Operand): operand is Regex =>
  typeof operand === 'object' && operand !== null && !Array.isArray(operand) && 'regex' in operand && 'flags' in operand;

/** `/pattern/flags` written as a string (a variable's value) → a pattern, else undefined. */
export function regexOfString(text: string): Regex | undefined {
  const match = /^\/(.*)\/([a-z]*)$/s.exec(text);
  return match ? { regex: match[1] as string, flags: match[2] as string } : undefined;
}

export function testRegex(regex: Regex, subject: string): boolean {
  // Ruby flags: `i` case-insensitive, `m` dot matches newline (RE2 `s`).
  let prefix = '';
  if (regex.flags.includes('i')) prefix += 'i';
  if (regex.flags.includes('m')) prefix += 's';
  const re = compileRe2((prefix ? `(?${prefix})` : '') + regex.regex);
  if (!re.ok) throw new Error(`invalid regex /${regex.regex}/: ${re.error}`);
  return re.test(subject);
}

/** Ruby truthiness, what `&&` and `||` test (Lexeme::And / Or): only nil and false are false. */
const truthy = (value: Operand): boolean => value !== null && value !== false;
/** `Statement#truthful?`: ActiveSupport `present?` of the statement's value (a pattern is an object, so present). */
const present = (value: Operand): boolean => isRegex(value) || isPresent(value);
const asText = (value: Operand): string => (isRegex(value) ? `/${value.regex}/${value.flags}` : rubyToS(value));

class Parser {
  #pos = 0;
  readonly #tokens: Token[];
  readonly #resolve: (reference: Reference) => Value;
  constructor(tokens: Token[], resolve: (reference: Reference) => Value) {
    this.#tokens = tokens;
    this.#resolve = resolve;
  }
  parse(): Operand {
    const value = this.#or();
    if (this.#pos !== this.#tokens.length) throw new Error('unexpected token');
    return value;
  }
  #peekOp(...ops: string[]): string | undefined {
    const token = this.#tokens[this.#pos];
    return token?.kind === 'op' && ops.includes(token.value) ? token.value : undefined;
  }
  #or(): Operand {
    let left = this.#and();
    while (this.#peekOp('||')) {
      this.#pos++;
      const right = this.#and();
      left = truthy(left) ? left : right;
    }
    return left;
  }
  #and(): Operand {
    let left = this.#comparison();
    while (this.#peekOp('&&')) {
      this.#pos++;
      const right = this.#comparison();
      left = truthy(left) ? right : left;
    }
    return left;
  }
  #comparison(): Operand {
    const left = this.#operand();
    const op = this.#peekOp('==', '!=', '=~', '!~');
    if (!op) return left;
    this.#pos++;
    const right = this.#operand();
    if (op === '==' || op === '!=') {
      const equal = isRegex(left) || isRegex(right) ? asText(left) === asText(right) : rubyEquals(left, right);
      return equal === (op === '==');
    }
    // `return false unless regexp` (`true` for `!~`): a null pattern never matches.
    if (right === null || right === false) return op === '!~';
    const regex = isRegex(right) ? right : regexOfString(asText(right));
    if (!regex) throw new Error(`not a regular expression: ${asText(right)}`);
    return testRegex(regex, asText(left)) === (op === '=~');
  }
  #operand(): Operand {
    const token = this.#tokens[this.#pos++];
    if (!token) throw new Error('unexpected end');
    switch (token.kind) {
      case 'variable':
      case 'input':
        return this.#resolve(token);
      case 'string':
        return token.value;
      case 'null':
        return null;
      case 'regex':
        return { regex: token.pattern, flags: token.flags };
      case 'op': {
        if (token.value !== '(') throw new Error(`unexpected ${token.value}`);
        const value = this.#or();
        if (!this.#peekOp(')')) throw new Error('missing )');
        this.#pos++;
        return value;
      }
    }
  }
}

export type ExpressionResult = { readonly ok: true; readonly matches: boolean } | { readonly ok: false; readonly error: string };

/**
 * `Statement#valid?` (what `ExpressionValidator` asks): the text is a statement of the language,
 * evaluated once with every reference null.
 */
export const isValidExpression = (expression: string): boolean => evaluateExpression(expression, () => null).ok;

export function evaluateExpression(expression: string, resolve: (reference: Reference) => Value): ExpressionResult {
  const tokens = tokenize(expression);
  if (typeof tokens === 'string') return { ok: false, error: tokens };
  try {
    return { ok: true, matches: present(new Parser(tokens, resolve).parse()) };
  } catch (error) {
    return { ok: false, error: `invalid expression: ${expression} (${(error as Error).message})` };
  }
}
