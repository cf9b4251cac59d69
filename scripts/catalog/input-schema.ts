/**
 * A JSON Schema (draft 2020-12) for the `inputs:` a consumer may pass to one component. It accepts
 * exactly what GitLab's coercion accepts, so an editor or ajv never rejects a value GitLab takes:
 * string inputs take any scalar (`to_s`), number/boolean/array inputs also take the JSON text of
 * such a value (`Gitlab::Json.parse`). Options become `enum`s, `regex` a `pattern` (RE2 and
 * ECMA-262 agree on the common syntax; RE2-only constructs are left out rather than mistranslated).
 */
import { isValueMap, toPlain, type Value } from '../gitlab/ruby/value.js';
import type { HeaderSpec } from '../gitlab/inputs/header.js';
import { inputType, type InputType } from '../gitlab/inputs/resolve.js';

export type JsonSchema = Record<string, unknown>;

const NUMBER_TEXT = '^\\s*-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][-+]?[0-9]+)?\\s*$';
const BOOLEAN_TEXT = '^\\s*(true|false)\\s*$';
const ARRAY_TEXT = '^\\s*\\[[\\s\\S]*\\]\\s*$';

function typeSchema(type: InputType): JsonSchema {
  switch (type) {
    case 'string':
      return { type: ['string', 'number', 'boolean'] };
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
function optionsSchema(type: InputType, options: readonly Value[]): JsonSchema[] {
  const plain = options.map(toPlain);
  switch (type) {
    case 'string': {
      const texts = plain.map(String);
      const typed = texts.flatMap((t): (boolean | number)[] => (t === 'true' ? [true] : t === 'false' ? [false] : /^-?(0|[1-9][0-9]*)$/.test(t) ? [Number(t)] : []));
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

function inputSchema(spec: Value): JsonSchema {
  const type = inputType(spec) ?? 'string';
  const schema: JsonSchema = typeSchema(type);
  const get = (key: string) => (isValueMap(spec) ? spec.get(key) : undefined);
  const description = get('description');
  if (typeof description === 'string') schema['description'] = description;
  const options = optionsOf(spec);
  if (options) schema['anyOf'] = optionsSchema(type, options);
  if (options) delete schema['type'];
  const regex = get('regex');
  // `pattern` applies to strings only; a number given to a string input is matched after to_s by GitLab.
  if (typeof regex === 'string' && type === 'string' && !RE2_ONLY.test(regex)) schema['pattern'] = regex;
  const hasDefault = isValueMap(spec) && spec.has('default');
  if (hasDefault) schema['default'] = toPlain(get('default') ?? null);
  return schema;
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
