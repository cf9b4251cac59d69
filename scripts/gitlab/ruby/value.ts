/**
 * The value model GitLab's Ruby code works on after `YAML.safe_load`: strings, integers, floats,
 * booleans, nil, arrays and ordered hashes. Two choices keep Ruby's semantics in JavaScript:
 * - hashes are `Map`s, because a plain object reorders integer-like keys ("1", "2") and treats
 *   `__proto__` specially, and GitLab keeps insertion order;
 * - a float is a `RubyFloat`, because Ruby prints `1.0` where JavaScript prints `1`, and the
 *   difference shows up in string interpolation and in JSON output.
 * Integers are plain numbers (integers beyond 2^53 lose precision: Ruby's bignums are not modelled).
 */
export class RubyFloat {
  readonly value: number;
  constructor(value: number) {
    this.value = value;
  }
}

/**
 * A `!reference [job, key]` tag. GitLab loads it as an object that is resolved only after includes
 * are merged, so interpolation walks past it: `$[[ ]]` inside a `!reference` is never replaced.
 */
export class YamlReference {
  readonly path: readonly Value[];
  constructor(path: readonly Value[]) {
    this.path = path;
  }
}

export type Scalar = string | number | boolean | null | RubyFloat | YamlReference;
export type Value = Scalar | Value[] | ValueMap;
export type ValueMap = Map<string, Value>;

export const isValueMap = (value: unknown): value is ValueMap => value instanceof Map;
export const isRubyFloat = (value: unknown): value is RubyFloat => value instanceof RubyFloat;
export const isNumeric = (value: Value): value is number | RubyFloat =>
  typeof value === 'number' || value instanceof RubyFloat;

/** Ruby `==` on values: 1 == 1.0 is true in Ruby, and hashes compare by content. */
export function rubyEquals(a: Value, b: Value): boolean {
  if (isNumeric(a) && isNumeric(b)) return numericValue(a) === numericValue(b);
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, index) => rubyEquals(item, b[index] as Value));
  }
  if (isValueMap(a) && isValueMap(b)) {
    if (a.size !== b.size) return false;
    for (const [key, item] of a) {
      if (!b.has(key) || !rubyEquals(item, b.get(key) as Value)) return false;
    }
    return true;
  }
  return a === b;
}

export const numericValue = (value: number | RubyFloat): number =>
  typeof value === 'number' ? value : value.value;

/**
 * Converts a plain JSON value (from `--inputs`, `JSON.parse`) to the model. JSON numbers written
 * with a fraction or exponent become floats, as Ruby's JSON parser does; `JSON.parse` cannot tell
 * us how a number was written, so callers that care pass the source text to `parseJson` instead.
 */
export function fromPlain(value: unknown): Value {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isInteger(value) ? value : new RubyFloat(value);
  if (value instanceof RubyFloat) return value;
  if (Array.isArray(value)) return value.map(fromPlain);
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [String(k), fromPlain(v)]));
  if (typeof value === 'object') {
    return new Map(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, fromPlain(v)]));
  }
  return String(value);
}

/** The model as plain JSON-compatible data (floats become numbers; key order is kept). */
export function toPlain(value: Value): unknown {
  if (value instanceof RubyFloat) return value.value;
  if (value instanceof YamlReference) return { '!reference': value.path.map(toPlain) };
  if (Array.isArray(value)) return value.map(toPlain);
  if (value instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of value) {
      Object.defineProperty(out, key, { value: toPlain(item), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}
