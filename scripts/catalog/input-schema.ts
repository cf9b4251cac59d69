/**
 * A JSON Schema (draft 2020-12) for the `inputs:` a consumer may pass to one component. It accepts
 * what GitLab's input validation accepts (test/property/input-schema.test.ts checks both ways):
 * string inputs take any value (`to_s`), number/boolean/array inputs also take the JSON text of
 * such a value (`Gitlab::Json.parse`), null is no value (the default, when there is one), and an
 * input GitLab can never accept (a regex on a non-string input, options on a boolean) admits nothing.
 * Options become `enum`s, `regex` a `pattern`. Where a JSON Schema cannot decide (a regex against a
 * number's text, JSON text against options) it admits the value rather than reject one GitLab takes.
 */
import { isValueMap, toPlain, type Value } from '../gitlab/ruby/value.js';
import type { HeaderSpec } from '../gitlab/inputs/header.js';
import { inputType, type InputType } from '../gitlab/inputs/resolve.js';
import { compileRe2 } from '../gitlab/ruby/re2.js';
import { rubyFloatToS, rubyIntegerToS } from '../gitlab/ruby/inspect.js';

export type JsonSchema = Record<string, unknown>;

/** Oj's blank characters (rails mode), around a value. */
const BLANK = '[ \\t\\n\\r\\f]*';
/**
 * Text `Gitlab::Json.parse` reads as a number (scripts/gitlab/ruby/json.ts, Oj in rails mode): a
 * leading `+`, leading zeros, a bare sign or a trailing dot are integers; NaN and Infinity floats;
 * a fraction or an exponent must be complete.
 */
const NUMBER_TEXT = `^${BLANK}(?:[+-]?(?:Infinity|[Nn]a[Nn])|[+-][0-9]*\\.?|[0-9]+\\.?|[+-]?[0-9]+(?:\\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|[+-]\\.[0-9]+(?:[eE][+-]?[0-9]+)?)${BLANK}$`;
const BOOLEAN_TEXT = `^${BLANK}(?:true|false)${BLANK}$`;
/** Arrays as JSON text are admitted by their brackets: a pattern cannot parse JSON. */
const ARRAY_TEXT = `^${BLANK}\\[[\\s\\S]*\\]${BLANK}$`;

function typeSchema(type: InputType): JsonSchema {
  switch (type) {
    case 'string':
      // `to_s` takes anything; only null is no value.
      return { type: ['string', 'number', 'boolean', 'array', 'object'] };
    case 'number':
      return { anyOf: [{ type: 'number' }, { type: 'string', pattern: NUMBER_TEXT }] };
    case 'boolean':
      return { anyOf: [{ type: 'boolean' }, { type: 'string', pattern: BOOLEAN_TEXT }] };
    case 'array':
      return { anyOf: [{ type: 'array' }, { type: 'string', pattern: ARRAY_TEXT }] };
  }
}

/** RE2 syntax that ECMA-262 reads differently or not at all. */
const RE2_ONLY = /\\[AzCpPQE]|\(\?[imsU-]+[):]|\[\[:/;

function optionsOf(spec: Value): Value[] | undefined {
  if (!isValueMap(spec)) return undefined;
  const options = spec.get('options');
  if (Array.isArray(options)) return options;
  const rules = spec.get('rules');
  if (!Array.isArray(rules)) return undefined;
  // With rules, the allowed options depend on other inputs; the union is what any rule allows.
  const union = rules.flatMap((rule) => {
    const ruleOptions = isValueMap(rule) ? rule.get('options') : undefined;
    return Array.isArray(ruleOptions) ? ruleOptions : [];
  });
  return union.length > 0 ? union : undefined;
}

/**
 * Options as schemas that never reject what GitLab accepts: string options compare after `to_s`
 * (so the option "1" also admits the number 1); number, boolean and array inputs also take JSON
 * text, which a schema cannot parse, so such strings are admitted by shape only.
 */
/** The number whose Ruby `to_s` is `text` (`1`, `-2`, `0.5`, `1.0e+20`), if any: a given number matches that option. */
function numberWithText(text: string): number[] {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) return [];
  return (Number.isInteger(n) && rubyIntegerToS(n) === text) || rubyFloatToS(n) === text ? [n] : [];
}

function optionsSchema(type: InputType, options: readonly Value[]): JsonSchema[] {
  const plain = options.map(toPlain);
  switch (type) {
    case 'string': {
      const texts = plain.map(String);
      const typed = texts.flatMap((t): (boolean | number)[] => (t === 'true' ? [true] : t === 'false' ? [false] : numberWithText(t)));
      return [{ enum: [...texts, ...typed] }];
    }
    case 'number':
      return [{ enum: plain }, { type: 'string', pattern: NUMBER_TEXT }];
    case 'array':
      return [{ type: 'array', items: { enum: plain } }, { type: 'string', pattern: ARRAY_TEXT }];
    case 'boolean':
      return [typeSchema('boolean')];
  }
}

/** `schema`, or null. */
function nullable(schema: JsonSchema): JsonSchema {
  if (Array.isArray(schema['anyOf'])) return { ...schema, anyOf: [...(schema['anyOf'] as JsonSchema[]), { type: 'null' }] };
  if (Array.isArray(schema['type'])) return { ...schema, type: [...(schema['type'] as string[]), 'null'] };
  return { anyOf: [schema, { type: 'null' }] };
}

/** A schema no value matches: GitLab rejects whatever is given. */
const NOTHING: JsonSchema = { not: {} };

function inputSchema(spec: Value): JsonSchema {
  const type = inputType(spec) ?? 'string';
  const get = (key: string) => (isValueMap(spec) ? spec.get(key) : undefined);
  const regex = get('regex');
  const options = optionsOf(spec);
  // `RegEx validation can only be used with string inputs`, `Options can only be used with string
  // and number inputs`: such an input rejects every value it is given.
  const rejectsAll = (typeof regex === 'string' && type !== 'string') || (options !== undefined && type === 'boolean');
  let schema: JsonSchema = { ...NOTHING };
  if (!rejectsAll) {
    // Options and a regex each narrow what the type admits (a regex only reaches here on a string input).
    const constraints: JsonSchema[] = [];
    if (options) constraints.push({ anyOf: optionsSchema(type, options) });
    if (typeof regex === 'string') constraints.push(regexSchema(regex));
    if (constraints.length === 0) constraints.push(typeSchema(type));
    schema = constraints.length === 1 ? { ...(constraints[0] as JsonSchema) } : { allOf: constraints };
    // A null value is no value: GitLab takes the default, so null is fine exactly when there is one.
    if (!isRequired(spec)) schema = nullable(schema);
  }
  const description = get('description');
  if (typeof description === 'string') schema['description'] = description;
  const hasDefault = isValueMap(spec) && spec.has('default');
  if (hasDefault) schema['default'] = toPlain(get('default') ?? null);
  return schema;
}

/**
 * GitLab matches the value's `to_s` with RE2. A string is matched by `pattern` (RE2 and ECMA-262
 * agree on the common syntax; RE2-only constructs are left out rather than mistranslated). `true`
 * and `false` are admitted when their text matches. Numbers, arrays and hashes are admitted as they
 * are: their text cannot be matched by a JSON Schema (`pattern` looks at strings only), so the
 * schema stays lenient there.
 */
function regexSchema(regex: string): JsonSchema {
  const re2 = compileRe2(regex);
  if (!re2.ok) return NOTHING;
  const booleans = [true, false].filter((b) => re2.test(String(b)));
  return {
    anyOf: [
      RE2_ONLY.test(regex) ? { type: 'string' } : { type: 'string', pattern: regex },
      { type: ['number', 'array', 'object'] },
      ...(booleans.length > 0 ? [{ enum: booleans }] : []),
    ],
  };
}

function isRequired(spec: Value): boolean {
  if (!isValueMap(spec)) return true;
  if (spec.has('default')) return false;
  const rules = spec.get('rules');
  return !(Array.isArray(rules) && rules.some((rule) => isValueMap(rule) && (rule.has('default') || !rule.has('if'))));
}

export function componentInputsSchema(name: string, spec: HeaderSpec): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const [input, inputSpec] of spec.inputs) {
    Object.defineProperty(properties, input, { value: inputSchema(inputSpec), enumerable: true, writable: true, configurable: true });
    if (isRequired(inputSpec)) required.push(input);
  }
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `${name}.inputs.schema.json`,
    title: `Inputs of the ${name} component`,
    ...(spec.description ? { description: spec.description } : {}),
    type: 'object',
    properties,
    ...(required.length > 0 ? { required } : {}),
    // GitLab rejects unknown inputs: "unknown input arguments: …".
    additionalProperties: false,
  };
}
