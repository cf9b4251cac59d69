/**
 * Validates a component's header document the way GitLab's config entries do
 * (`Header::Root`, `Header::Spec`, `Header::Input`, `Header::Input::Rules::Rule`,
 * `Header::Component`). Each message is `"#{location} #{attribute} #{error}".downcase`, with the
 * location made of the ancestor keys joined by `:` and the root named `header`. A parent that is
 * invalid does not compose its children, so their errors are not reported.
 */
import { RubyFloat, YamlReference, isValueMap, type Value, type ValueMap } from '../ruby/value.js';
import type { PathSegment } from '../yaml/psych.js';
import { isValidExpression } from '../expression.js';

export interface HeaderError {
  readonly message: string;
  /** Path in the header document of the node the error is about. */
  readonly path: readonly PathSegment[];
  /** `key` when the error is about a mapping key (an unknown key): it is found at the key, not its value. */
  readonly part?: 'key' | undefined;
}

export interface HeaderSpec {
  /** `spec:inputs` as GitLab passes it to the inputs builder: name → spec (`{}` for a bare `name:`). */
  readonly inputs: ReadonlyMap<string, Value>;
  /** `spec:component`, de-duplicated: which `component.*` fields may be interpolated. */
  readonly component: readonly string[];
  readonly description?: string | undefined;
  /** `spec:include` is present: inputs defined in other files, which the toolkit does not fetch. */
  readonly hasIncludedInputs: boolean;
}

const SPEC_KEYS = ['inputs', 'include', 'component', 'description'];
const INPUT_KEYS = ['default', 'description', 'options', 'regex', 'type', 'rules'];
const INPUT_TYPES = ['array', 'boolean', 'number', 'string'];
const RULE_KEYS = ['if', 'options', 'default'];
const COMPONENT_VALUES = ['name', 'sha', 'version', 'reference'];
export const OPTIONS_LIMIT = 50;
const DESCRIPTION_LIMIT = 256;

class Collector {
  readonly errors: HeaderError[] = [];
  add(location: readonly string[], attribute: string, error: string, path: readonly PathSegment[], part?: 'key'): void {
    this.errors.push({ message: `${location.join(':')} ${attribute} ${error}`.toLowerCase(), path, ...(part ? { part } : {}) });
  }
  /** `contains unknown keys: …`, found at the first of them. */
  unknownKeys(location: readonly string[], unknown: readonly string[], path: readonly PathSegment[]): void {
    this.add(location, 'config', `contains unknown keys: ${unknown.join(', ')}`, [...path, unknown[0] as string], 'key');
  }
}

/** Ruby's class name for a value, for messages such as "should be a hash". */
const isHash = isValueMap;
const isString = (v: Value | undefined): v is string => typeof v === 'string';
/** `AlphanumericValidator`: a String, Symbol or Integer. */
const isAlphanumeric = (v: Value | undefined) => typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v));

/** The `to_s` GitLab uses when it prints an unknown value in a header message. */
function shortToS(value: Value): string {
  if (value === null) return '';
  if (value instanceof RubyFloat) return String(value.value);
  if (value instanceof YamlReference) return '!reference';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export function validateHeader(header: ValueMap): { errors: HeaderError[]; spec: HeaderSpec } {
  const c = new Collector();
  const root = ['header'];
  const unknownRoot = [...header.keys()].filter((k) => k !== 'spec');
  const empty: HeaderSpec = { inputs: new Map(), component: [], hasIncludedInputs: false };
  if (unknownRoot.length > 0) {
    c.unknownKeys(root, unknownRoot, []);
    return { errors: c.errors, spec: empty };
  }
  const spec = header.get('spec') ?? null;
  // `spec:` with nothing under it is valid: GitLab's docs recommend it for components without inputs.
  if (spec === null) return { errors: [], spec: empty };
  const location = ['header', 'spec'];
  if (!isHash(spec)) {
    c.add(location, 'config', 'should be a hash', ['spec']);
    return { errors: c.errors, spec: empty };
  }
  const unknown = [...spec.keys()].filter((k) => !SPEC_KEYS.includes(k));
  if (unknown.length > 0) c.unknownKeys(location, unknown, ['spec']);
  const description = spec.get('description');
  if (description !== undefined && description !== null) {
    if (!isString(description)) c.add(location, 'config description', 'should be a string', ['spec', 'description']);
    else if ([...description].length > DESCRIPTION_LIMIT) {
      c.add(location, 'config description', `is too long (maximum is ${DESCRIPTION_LIMIT} characters)`, ['spec', 'description']);
    }
  }
  if (c.errors.length > 0) return { errors: c.errors, spec: empty };

  const inputs = validateInputs(c, spec.get('inputs') ?? null);
  const component = validateComponent(c, spec.get('component') ?? null);
  return {
    errors: c.errors,
    spec: { inputs, component, description: isString(description) ? description : undefined, hasIncludedInputs: spec.has('include') },
  };
}

function validateInputs(c: Collector, inputs: Value): Map<string, Value> {
  const result = new Map<string, Value>();
  if (inputs === null) return result;
  const location = ['header', 'spec', 'inputs'];
  if (!isHash(inputs)) {
    c.add(location, 'config', 'should be a hash', ['spec', 'inputs']);
    return result;
  }
  for (const [name, config] of inputs) {
    validateInput(c, [...location, name], ['spec', 'inputs', name], config);
    result.set(name, config === null ? new Map() : config);
  }
  return result;
}

/** `Entry::BaseInput` validations first, then `Header::Input`'s, then the composed `rules` entry. */
function validateInput(c: Collector, location: string[], path: PathSegment[], config: Value): void {
  if (config === null) return;
  const start = c.errors.length;
  const hash = isHash(config) ? config : undefined;
  const attr = (key: string) => hash?.get(key) ?? null;
  const description = attr('description');
  if (description !== null && !isAlphanumeric(description)) {
    c.add(location, 'input description', 'must be an alphanumeric string', [...path, 'description']);
  }
  const regex = attr('regex');
  if (regex !== null && !isString(regex)) c.add(location, 'input regex', 'should be a string', [...path, 'regex']);
  const type = attr('type');
  if (type !== null && !INPUT_TYPES.includes(shortToS(type))) {
    c.add(location, 'input type', `unknown value: ${shortToS(type)}`, [...path, 'type']);
  }
  const options = attr('options');
  if (options !== null && !Array.isArray(options)) c.add(location, 'input options', 'should be an array', [...path, 'options']);
  if (Array.isArray(options) && options.length > OPTIONS_LIMIT) {
    c.add(location, 'config', `cannot define more than ${OPTIONS_LIMIT} options`, [...path, 'options']);
  }
  if (Array.isArray(options) && options.some((o) => o === null)) {
    c.add(location, 'config', 'options array cannot contain null values', [...path, 'options']);
  }
  if (!hash) {
    c.add(location, 'config', 'should be a hash', path);
    return;
  }
  const unknown = [...hash.keys()].filter((k) => !INPUT_KEYS.includes(k));
  if (unknown.length > 0) c.unknownKeys(location, unknown, path);
  for (const other of ['options', 'default']) {
    if (hash.has('rules') && hash.has(other)) {
      // The validator lists the keys in the order the user wrote them; the second one is the clash.
      const keys = [...hash.keys()].filter((k) => k === 'rules' || k === other);
      c.add(location, 'config', `these keys cannot be used together: ${keys.join(', ')}`, [...path, keys[1] as string], 'key');
    }
  }
  // Configurable entries compose their children (here `rules`) only when they are valid.
  if (c.errors.length === start && hash.has('rules')) validateRules(c, [...location, 'rules'], [...path, 'rules'], hash.get('rules') ?? null);
}

function validateRules(c: Collector, location: string[], path: PathSegment[], rules: Value): void {
  if (rules === null) return;
  if (!Array.isArray(rules)) {
    c.add(location, 'config', 'should be an array', path);
    return;
  }
  rules.forEach((rule, index) => validateRule(c, [...location, 'rule'], [...path, index], rule));
}

function validateRule(c: Collector, location: string[], path: PathSegment[], rule: Value): void {
  const before = c.errors.length;
  const emptyRule = rule === null || rule === '' || (Array.isArray(rule) && rule.length === 0) || (isHash(rule) && rule.size === 0);
  if (emptyRule) c.add(location, 'config', "can't be blank", path);
  if (!isHash(rule)) {
    c.add(location, 'config', 'should be a hash', path);
    return;
  }
  const unknown = [...rule.keys()].filter((k) => !RULE_KEYS.includes(k));
  if (unknown.length > 0) c.unknownKeys(location, unknown, path);
  const condition = rule.get('if') ?? null;
  const options = rule.get('options') ?? null;
  if (condition !== null && !isString(condition)) c.add(location, 'if', 'should be a string', [...path, 'if']);
  // `validates :if, expression: true` in the newest rule.rb (ExpressionValidator: 'Invalid expression syntax').
  else if (isString(condition) && condition !== '' && !isValidExpression(condition)) c.add(location, 'if', 'invalid expression syntax', [...path, 'if']);
  if (options !== null && !Array.isArray(options)) c.add(location, 'options', 'should be an array', [...path, 'options']);
  if (c.errors.length > before) return;
  if (Array.isArray(options) && options.length > OPTIONS_LIMIT) {
    c.add(location, 'config', `cannot define more than ${OPTIONS_LIMIT} options`, [...path, 'options']);
  }
  if (condition && options === null && !rule.has('default')) {
    c.add(location, 'config', "rule with 'if' must define 'options' or 'default'", path);
  }
  if (!condition && options === null) c.add(location, 'config', "fallback rule must define 'options'", path);
}

function validateComponent(c: Collector, component: Value): string[] {
  if (component === null) return [];
  const location = ['header', 'spec', 'component'];
  const path = ['spec', 'component'];
  const before = c.errors.length;
  if (!Array.isArray(component)) {
    c.add(location, 'config', 'should be an array', path);
    c.add(location, 'config', 'should be an array of strings', path);
    return [];
  }
  if (!component.every(isString)) c.add(location, 'config', 'should be an array of strings', path);
  const unknown = component.filter((v) => !COMPONENT_VALUES.includes(shortToS(v)));
  const firstUnknown = component.findIndex((v) => !COMPONENT_VALUES.includes(shortToS(v)));
  if (unknown.length > 0) c.add(location, 'config', `contains unknown values: ${unknown.map(shortToS).join(', ')}`, [...path, firstUnknown]);
  if (c.errors.length > before) return [];
  return [...new Set(component as string[])];
}
