/**
 * Resolves the arguments of an include against `spec:inputs` as GitLab's `Ci::Inputs::Builder`
 * and `Interpolation::Inputs` do:
 * - inputs are validated in declaration order, each against the already resolved earlier inputs
 *   merged with the raw arguments (what `rules: if:` sees);
 * - a default is validated whenever one exists, even if a value is provided;
 * - errors: `unknown input arguments: …` first, then unknown specifications, then each input's
 *   errors in declaration order (the caller keeps the first three).
 */
import { isRubyFloat, isNumeric, isValueMap, rubyEquals, type Value } from '../ruby/value.js';
import { parseRubyJson } from '../ruby/json.js';
import { rubyToS } from '../ruby/inspect.js';
import { compileRe2 } from '../ruby/re2.js';
import { evaluateRuleCondition } from './input-rules.js';

export const INPUT_TYPES = ['array', 'boolean', 'number', 'string'] as const;
export type InputType = (typeof INPUT_TYPES)[number];

export interface InputError {
  readonly message: string;
  /** The input names the error is about. */
  readonly inputs: readonly string[];
  /** True when the error is about the spec's default rather than the provided value. */
  readonly aboutDefault?: boolean | undefined;
}

export interface ResolvedInputs {
  readonly errors: readonly InputError[];
  readonly values: ReadonlyMap<string, Value>;
}

/** `Builder::TYPES.find { |klass| klass.matches?(spec) }`. */
export function inputType(spec: Value): InputType | undefined {
  if (spec === null) return 'string';
  if (!isValueMap(spec)) return undefined;
  if (!spec.has('type')) return 'string';
  const type = spec.get('type');
  return INPUT_TYPES.find((t) => t === type);
}

const has = (spec: Value, key: string) => isValueMap(spec) && spec.has(key);
const get = (spec: Value, key: string): Value => (isValueMap(spec) ? (spec.get(key) ?? null) : null);

class Input {
  readonly errors: InputError[] = [];
  readonly name: string;
  readonly type: InputType;
  readonly spec: Value;
  constructor(name: string, type: InputType, spec: Value) {
    this.name = name;
    this.type = type;
    this.spec = spec;
  }

  get rules(): Value[] | undefined {
    const rules = get(this.spec, 'rules');
    return has(this.spec, 'rules') && Array.isArray(rules) ? rules : undefined;
  }

  /** `required?`: no `default` key and no rule that gives a default or is a fallback. */
  get required(): boolean {
    const throughRules = (this.rules ?? []).some((rule) => isValueMap(rule) && (rule.has('default') || !rule.has('if')));
    return !(has(this.spec, 'default') || throughRules);
  }

  #matchingRule(context: ReadonlyMap<string, Value>): Map<string, Value> | undefined {
    for (const rule of this.rules ?? []) {
      if (!isValueMap(rule)) continue;
      const condition = rule.get('if');
      if (condition === undefined || condition === null || condition === '') return rule;
      if (typeof condition === 'string') {
        const result = evaluateRuleCondition(condition, context);
        if (result.ok && result.matches) return rule;
      }
    }
    return undefined;
  }

  #options(context: ReadonlyMap<string, Value>): Value[] | undefined {
    if (this.rules) {
      const options = this.#matchingRule(context)?.get('options');
      return Array.isArray(options) ? options : undefined;
    }
    const options = get(this.spec, 'options');
    return Array.isArray(options) ? options : undefined;
  }

  /**
   * The default in force. With rules it is the matching rule's `default`, or its first option when
   * it has none (GitLab MR 214046, "auto-use the first option as the default").
   */
  #default(context: ReadonlyMap<string, Value>): Value {
    if (!this.rules) return get(this.spec, 'default');
    const rule = this.#matchingRule(context);
    if (!rule) return null;
    if (rule.has('default')) return rule.get('default') ?? null;
    const options = rule.get('options');
    return Array.isArray(options) ? (options[0] ?? null) : null;
  }

  #error(message: string, aboutDefault = false): void {
    this.errors.push({ message: `\`${this.name}\` input: ${message}`, inputs: [this.name], aboutDefault });
  }

  /** `coerced_value`: strings use `to_s`; other types go through `Gitlab::Json.parse`, keeping the value when it is not JSON. */
  coerce(value: Value): Value {
    if (this.type === 'string') return rubyToS(value);
    if (value === null) return null;
    const parsed = parseRubyJson(typeof value === 'string' ? value : rubyToS(value));
    return parsed.ok ? parsed.value : value;
  }

  validate(param: Value | undefined, context: ReadonlyMap<string, Value>): void {
    const provided = param ?? null;
    if (this.required && provided === null) this.#error('required value has not been provided');
    if (this.errors.length > 0) return;
    if (!this.required) this.#run(this.#default(context), context, true);
    if (provided !== null) this.#run(provided, context, false);
  }

  actualValue(param: Value | undefined, context: ReadonlyMap<string, Value>): Value {
    const provided = param ?? null;
    return this.coerce(provided === null ? this.#default(context) : provided);
  }

  #run(raw: Value, context: ReadonlyMap<string, Value>, isDefault: boolean): void {
    const value = this.coerce(raw);
    const which = isDefault ? 'default' : 'provided';
    this.#validateType(value, which, isDefault);
    this.#validateOptions(value, context, isDefault);
    this.#validateRegex(value, which, isDefault);
  }

  #validateType(value: Value, which: string, isDefault: boolean): void {
    if (this.type === 'number' && !isNumeric(value)) this.#error(`${which} value is not a number`, isDefault);
    if (this.type === 'boolean' && typeof value !== 'boolean') this.#error(`${which} value is not a boolean`, isDefault);
    if (this.type === 'array' && !Array.isArray(value)) this.#error(`${which} value is not an array`, isDefault);
  }

  #validateOptions(value: Value, context: ReadonlyMap<string, Value>, isDefault: boolean): void {
    if (this.type === 'boolean') {
      if (has(this.spec, 'options') && get(this.spec, 'options') !== null) {
        this.#error('Options can only be used with string and number inputs', isDefault);
      }
      return;
    }
    const allowed = this.#options(context);
    // `return unless allowed_options && value`: nil and false skip the check.
    if (!allowed || value === null || value === false) return;
    if (this.type === 'string') {
      if (!allowed.map(rubyToS).includes(value as string)) {
        this.#error(`\`${rubyToS(value)}\` cannot be used because it is not in the list of allowed options`, isDefault);
      }
    } else if (this.type === 'number') {
      if (!allowed.some((option) => rubyEquals(option, value))) {
        this.#error(`\`${rubyToS(value)}\` cannot be used because it is not in the list of the allowed options`, isDefault);
      }
    } else if (Array.isArray(value)) {
      // Array#- compares with eql?/hash: 1 and 1.0 are different elements there.
      const invalid = value.filter((item) => !allowed.some((option) => strictEql(option, item)));
      if (invalid.length > 0) {
        this.#error(`${rubyJoin(invalid)} cannot be used because it is not in the list of allowed options`, isDefault);
      }
    }
  }

  #validateRegex(value: Value, which: string, isDefault: boolean): void {
    if (!has(this.spec, 'regex')) return;
    if (this.type !== 'string') {
      this.#error('RegEx validation can only be used with string inputs', isDefault);
      return;
    }
    const pattern = get(this.spec, 'regex');
    if (typeof value !== 'string' || typeof pattern !== 'string') return;
    const regex = compileRe2(pattern);
    if (!regex.ok) this.#error('invalid regular expression', isDefault);
    else if (!regex.test(value)) this.#error(`${which} value does not match required RegEx pattern`, isDefault);
  }
}

/** Ruby `eql?`: like `==` but an Integer never equals a Float. */
function strictEql(a: Value, b: Value): boolean {
  if (isNumeric(a) && isNumeric(b) && isRubyFloat(a) !== isRubyFloat(b)) return false;
  return rubyEquals(a, b);
}

/** `Array#join(', ')`: nested arrays are joined recursively, other elements with `to_s`. */
function rubyJoin(values: readonly Value[]): string {
  return values.map((v) => (Array.isArray(v) ? rubyJoin(v) : rubyToS(v))).join(', ');
}

export function resolveInputs(specs: ReadonlyMap<string, Value>, params: ReadonlyMap<string, Value>): ResolvedInputs {
  const specErrors: InputError[] = [];
  const inputs: Input[] = [];
  for (const [name, spec] of specs) {
    const type = inputType(spec);
    if (type) inputs.push(new Input(name, type, spec));
    else {
      specErrors.push({
        message: `unknown input specification for \`${name}\` (valid types: ${INPUT_TYPES.join(', ')})`,
        inputs: [name],
      });
    }
  }
  const values = new Map<string, Value>();
  for (const input of inputs) {
    const context = new Map([...values, ...params]);
    input.validate(params.get(input.name), context);
    values.set(input.name, input.actualValue(params.get(input.name), context));
  }
  const names = new Set(inputs.map((i) => i.name));
  const unknown = [...params.keys()].filter((k) => !names.has(k));
  const errors: InputError[] = [
    ...(unknown.length > 0 ? [{ message: `unknown input arguments: ${unknown.join(', ')}`, inputs: unknown }] : []),
    ...specErrors,
    ...inputs.flatMap((input) => input.errors),
  ];
  return { errors, values };
}
