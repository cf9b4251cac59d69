/**
 * Job `rules:`, `only:`/`except:` and `when:` as GitLab decides whether a job is part of a
 * pipeline. `rules:if` uses the pipeline expression language (gitlabhq
 * `Gitlab::Ci::Pipeline::Expression`): `$VAR` (an undefined variable is `null`), string literals,
 * `null`, `/regex/flags` (RE2, like `Gitlab::UntrustedRegexp`), `==`, `!=`, `=~`, `!~`, `&&`, `||`
 * (`&&` binds tighter) and parentheses. A statement is true when its value is `present?`: neither
 * null nor empty. `=~` matches `to_s` of the left side (null → ""), and a variable on the right
 * holding `/pattern/` is used as that pattern.
 */
import { isValueMap, type Value } from '../core/value.js';
import { compileRe2 } from '../inputs/regex.js';

type Token =
  | { kind: 'variable'; name: string }
  | { kind: 'string'; value: string }
  | { kind: 'null' }
  | { kind: 'regex'; pattern: string; flags: string }
  | { kind: 'op'; value: '==' | '!=' | '=~' | '!~' | '&&' | '||' | '(' | ')' };

const TOKEN_PATTERNS: [RegExp, (m: RegExpExecArray) => Token][] = [
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

type Regex = { regex: string; flags: string };
type Operand = string | null | boolean | Regex;
const isRegex = (operand: Operand): operand is Regex => typeof operand === 'object' && operand !== null;

/** `/pattern/flags` written as a string (a variable's value) → a pattern, else undefined. */
function regexOfString(text: string): Regex | undefined {
  const match = /^\/(.*)\/([a-z]*)$/s.exec(text);
  return match ? { regex: match[1] as string, flags: match[2] as string } : undefined;
}

function testRegex(regex: Regex, subject: string): boolean {
  // Ruby flags: `i` case-insensitive, `m` dot matches newline (RE2 `s`), `x` extended.
  let prefix = '';
  if (regex.flags.includes('i')) prefix += 'i';
  if (regex.flags.includes('m')) prefix += 's';
  const re = compileRe2((prefix ? `(?${prefix})` : '') + regex.regex);
  if (!re.ok) throw new Error(`invalid regex /${regex.regex}/: ${re.error}`);
  return re.test(subject);
}

/** Ruby `present?` on the values an expression produces. */
const present = (value: Operand): boolean => value !== null && value !== false && value !== '';
const asText = (value: Operand): string => (isRegex(value) ? `/${value.regex}/${value.flags}` : value === null ? '' : String(value));

class Parser {
  #pos = 0;
  readonly #tokens: Token[];
  readonly #variables: ReadonlyMap<string, string>;
  constructor(tokens: Token[], variables: ReadonlyMap<string, string>) {
    this.#tokens = tokens;
    this.#variables = variables;
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
      left = present(left) ? left : right;
    }
    return left;
  }
  #and(): Operand {
    let left = this.#comparison();
    while (this.#peekOp('&&')) {
      this.#pos++;
      const right = this.#comparison();
      left = present(left) ? right : left;
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
      const equal = isRegex(left) || isRegex(right) ? asText(left) === asText(right) : left === right;
      return equal === (op === '==');
    }
    // `return false unless regexp` (`true` for `!~`): a null pattern never matches.
    if (right === null || right === false) return op === '!~';
    const regex = isRegex(right) ? right : regexOfString(String(right));
    if (!regex) throw new Error(`not a regular expression: ${String(right)}`);
    return testRegex(regex, asText(left)) === (op === '=~');
  }
  #operand(): Operand {
    const token = this.#tokens[this.#pos++];
    if (!token) throw new Error('unexpected end');
    switch (token.kind) {
      case 'variable':
        return this.#variables.get(token.name) ?? null;
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

/** Evaluates a `rules:if` / `only:variables` expression against the job's variables. */
export function evaluateExpression(expression: string, variables: ReadonlyMap<string, string>): ExpressionResult {
  const tokens = tokenize(expression);
  if (typeof tokens === 'string') return { ok: false, error: tokens };
  try {
    return { ok: true, matches: present(new Parser(tokens, variables).parse()) };
  } catch (error) {
    return { ok: false, error: `invalid expression: ${expression} (${(error as Error).message})` };
  }
}

export type When = 'on_success' | 'on_failure' | 'always' | 'manual' | 'delayed' | 'never';
const WHENS: ReadonlySet<string> = new Set(['on_success', 'on_failure', 'always', 'manual', 'delayed', 'never']);

export interface Inclusion {
  /** `never`: the job is not part of the pipeline. */
  readonly when: When;
  /** Variables of the matching rule (unexpanded values). */
  readonly variables: ReadonlyMap<string, Value>;
  /** `allow_failure` of the matching rule, when it sets one. */
  readonly allowFailure?: Value | undefined;
  /** Why the job was left out or how it was decided, for the log. */
  readonly reason: string;
  readonly errors: readonly string[];
}

export interface RefContext {
  /** The branch or tag name. */
  readonly ref: string;
  readonly tag: boolean;
  /** `CI_PIPELINE_SOURCE`: `push`, `web`, `schedule`, `merge_request_event`… */
  readonly source: string;
}

export interface InclusionInput {
  readonly rules?: Value | undefined;
  readonly only?: Value | undefined;
  readonly except?: Value | undefined;
  readonly when?: Value | undefined;
  readonly variables: ReadonlyMap<string, string>;
  readonly ref: RefContext;
  /** `rules:exists`: whether a path (relative to the project) exists. Globs are not expanded. */
  readonly exists?: ((path: string) => boolean) | undefined;
}

const jobWhen = (when: Value | undefined): When => (typeof when === 'string' && WHENS.has(when) ? (when as When) : 'on_success');

/**
 * Whether and how a job runs: the first rule whose clauses all hold decides (`when:` defaults to
 * the job's `when:`), no matching rule means `never`; without `rules:`, `only`/`except` decide
 * (GitLab's default is `only: [branches, tags]`).
 */
export function evaluateInclusion(input: InclusionInput): Inclusion {
  const errors: string[] = [];
  if (input.rules !== undefined && input.rules !== null) {
    const rules = Array.isArray(input.rules) ? input.rules : [];
    for (const [index, rule] of rules.entries()) {
      if (!isValueMap(rule)) continue;
      if (!ruleMatches(rule, input, errors)) continue;
      const when = rule.has('when') ? jobWhen(rule.get('when')) : jobWhen(input.when);
      const variables = rule.get('variables');
      return {
        when,
        variables: isValueMap(variables) ? variables : new Map(),
        allowFailure: rule.get('allow_failure'),
        reason: `rule ${index + 1} matched (when: ${when})`,
        errors,
      };
    }
    return { when: 'never', variables: new Map(), reason: 'no rule matched', errors };
  }
  const only = input.only ?? (input.except === undefined ? undefined : null);
  if (only !== undefined && only !== null && !refPolicyMatches(only, input, errors)) {
    return { when: 'never', variables: new Map(), reason: 'excluded by only:', errors };
  }
  if (input.except !== undefined && input.except !== null && refPolicyMatches(input.except, input, errors)) {
    return { when: 'never', variables: new Map(), reason: 'excluded by except:', errors };
  }
  const when = jobWhen(input.when);
  return { when, variables: new Map(), reason: `when: ${when}`, errors };
}

function ruleMatches(rule: ReadonlyMap<string, Value>, input: InclusionInput, errors: string[]): boolean {
  const condition = rule.get('if');
  if (typeof condition === 'string') {
    const result = evaluateExpression(condition, input.variables);
    if (!result.ok) {
      errors.push(result.error);
      return false;
    }
    if (!result.matches) return false;
  }
  const exists = rule.get('exists');
  if (exists !== undefined && input.exists) {
    const paths = (isValueMap(exists) ? exists.get('paths') : exists) ?? [];
    const list = (Array.isArray(paths) ? paths : [paths]).filter((p): p is string => typeof p === 'string');
    // Globs are not expanded here: a pattern with glob characters counts as present.
    if (!list.some((p) => /[*?[{]/.test(p) || input.exists?.(p))) return false;
  }
  // `changes:` is always true outside merge request and branch-push diffs we can see (a new
  // branch's first pipeline behaves the same way in GitLab).
  return true;
}

/** `only:`/`except:` in the array form (refs) or the hash form (`refs:`, `variables:`). */
function refPolicyMatches(policy: Value, input: InclusionInput, errors: string[]): boolean {
  if (isValueMap(policy)) {
    const refs = policy.get('refs');
    const variables = policy.get('variables');
    const refsOk = refs === undefined || refsMatch(refs, input.ref);
    const variablesOk =
      variables === undefined ||
      (Array.isArray(variables) ? variables : [variables]).some((expression) => {
        if (typeof expression !== 'string') return false;
        const result = evaluateExpression(expression, input.variables);
        if (!result.ok) errors.push(result.error);
        return result.ok && result.matches;
      });
    return refsOk && variablesOk;
  }
  return refsMatch(policy, input.ref);
}

function refsMatch(refs: Value, ref: RefContext): boolean {
  const list = (Array.isArray(refs) ? refs : [refs]).filter((r): r is string => typeof r === 'string');
  return list.some((entry) => {
    if (entry === 'branches') return !ref.tag;
    if (entry === 'tags') return ref.tag;
    if (entry === 'pushes') return ref.source === 'push';
    if (['api', 'external', 'pipelines', 'schedules', 'triggers', 'web', 'merge_requests', 'chat', 'external_pull_requests'].includes(entry)) {
      const sources: Record<string, string> = { pipelines: 'pipeline', schedules: 'schedule', triggers: 'trigger', merge_requests: 'merge_request_event' };
      return ref.source === (sources[entry] ?? entry);
    }
    const regex = regexOfString(entry);
    if (regex) return testRegex(regex, ref.ref);
    return entry === ref.ref;
  });
}
