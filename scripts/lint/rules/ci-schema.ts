/**
 * `ci-schema`: every rendered variant of a target's content document must be valid against
 * GitLab's CI JSON Schema (ci.json, draft-07), as GitLab's pipeline editor checks it. The header
 * document is never validated (ci.json's `spec` is narrower than GitLab's; the header has its own checks).
 *
 * ajv with `allErrors` reports every failed alternative of an `anyOf`/`oneOf` (a `needs:` item
 * that is not a string, not `{job}`, not `{pipeline, job}`…). Those cascades are explained here:
 * each failed alternative is validated again on its own, which tells how many of the errors just
 * before the `anyOf`/`oneOf` error are its own; the alternative whose type fits and that has the
 * fewest (then deepest) errors is kept, the others are dropped; when no alternative has the value's
 * type, one error names the types it could have. Last, as gitlab-ci-local's
 * `filterSingleErrorPerProperty` does, one error is kept per property (`enum` over `type` over the rest).
 */
import { isValueMap, toPlain, YamlReference, type Value } from '../../gitlab/ruby/value.js';
import type { ErrorObject, SchemaValidator } from '../../core/json-schema.js';
import type { PathSegment } from '../../gitlab/yaml/psych.js';
import { compileCiSchema } from '../../gitlab/ci-schema/ci-schema.js';
import { defineRule } from '../rule.js';

type MessageId = 'unknownKey' | 'missingKey' | 'type' | 'enum' | 'invalid';

export const ciSchema = defineRule<MessageId>({
  id: 'ci-schema',
  description: "Rendered configuration must be valid against GitLab's CI JSON Schema (ci.json)",
  severity: 'error',
  messages: {
    unknownKey: 'unknown key {{key}} in {{where}}. expected one of {{expected}}{{variant}}',
    missingKey: '{{where}} is missing required key {{key}}{{variant}}',
    type: '{{where}} must be {{expected}}, not {{actual}}{{variant}}',
    enum: '{{where}} must be one of {{expected}}, not {{actual}}{{variant}}',
    invalid: '{{where}} {{problem}}{{variant}}',
  },
  check(ctx) {
    const schema = ctx.settings.ciSchema;
    if (!schema) return;
    const reported = new Set<string>();
    for (const variant of ctx.target.variants) {
      for (const finding of ciSchemaFindings(schema, variant.content)) {
        const at = variant.locate(finding.path, finding.part);
        const key = `${at.line}:${at.column}:${finding.messageId}:${JSON.stringify(finding.data)}`;
        if (reported.has(key)) continue;
        reported.add(key);
        const label = variant.label === 'defaults' || variant.label === 'pipeline' ? '' : ` (with the inputs of ${variant.label})`;
        ctx.report({ messageId: finding.messageId, at, data: { ...finding.data, variant: label } });
      }
    }
  },
});

/** One problem ci.json finds in a configuration, at the content path (and part) it is about. */
export interface CiSchemaFinding {
  readonly messageId: MessageId;
  readonly data: Readonly<Record<string, string>>;
  readonly path: readonly PathSegment[];
  readonly part: 'key' | 'value';
}

/** Every problem ci.json finds in `content`, explained (see the file comment); none when it is valid. */
export function ciSchemaFindings(schema: Readonly<Record<string, unknown>>, content: Value): CiSchemaFinding[] {
  const validate = compileCiSchema(schema);
  const references: string[] = [];
  const data = schemaData(content, '', references);
  if (validate(data)) return [];
  const errors = singleErrorPerProperty(
    explainAlternatives(validate, [...validate.errors]).filter((e) => !references.some((r) => e.instancePath === r || e.instancePath.startsWith(`${r}/`))),
  );
  return errors.map((error) => describeError(error, data, schema));
}

/**
 * The content as the JSON ci.json describes: a `!reference [job, key]` is the sequence it is
 * written as (GitLab's editor sees it that way); its JSON pointer is noted, and errors at or under
 * it are dropped, since what it stands for is only known after GitLab merges the configuration.
 */
function schemaData(value: Value, pointer: string, references: string[]): unknown {
  if (value instanceof YamlReference) {
    references.push(pointer);
    return value.path.map(toPlain);
  }
  if (Array.isArray(value)) return value.map((item, i) => schemaData(item, `${pointer}/${i}`, references));
  if (isValueMap(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of value) {
      const data = schemaData(item, `${pointer}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`, references);
      Object.defineProperty(out, key, { value: data, enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return toPlain(value);
}

const isUnion = (e: ErrorObject) => e.keyword === 'anyOf' || e.keyword === 'oneOf';

/**
 * Replaces each failed `anyOf`/`oneOf` and the errors of all its alternatives by the errors of the
 * alternative meant (see the file comment). ajv reports an alternative's errors right before the
 * union's own error; walking backwards, each union's block is measured by validating its
 * alternatives alone, and checked error by error before it is trusted.
 */
function explainAlternatives(validate: SchemaValidator, errors: readonly ErrorObject[]): ErrorObject[] {
  const out: ErrorObject[] = [];
  let i = errors.length - 1;
  while (i >= 0) {
    const error = errors[i] as ErrorObject;
    if (error.keyword === 'if') {
      i--; // "must match "then" schema": the `then` errors before it say what is wrong
      continue;
    }
    if (!isUnion(error)) {
      out.unshift(error);
      i--;
      continue;
    }
    const block = alternativesBefore(validate, errors, i);
    if (!block) {
      i--; // not measurable: drop the summary and keep the details
      continue;
    }
    const passing = (error.params as { passingSchemas?: unknown }).passingSchemas;
    if (error.keyword === 'oneOf' && passing !== null && passing !== undefined) out.unshift(error);
    else out.unshift(...chooseAlternative(validate, error, block.alternatives));
    i = block.start - 1;
  }
  return out;
}

/** The errors of each alternative of the union at `errors[index]`, taken from just before it. */
function alternativesBefore(
  validate: SchemaValidator,
  errors: readonly ErrorObject[],
  index: number,
): { start: number; alternatives: ErrorObject[][] } | undefined {
  const union = errors[index] as ErrorObject;
  const branches: unknown = union.schema;
  if (!Array.isArray(branches)) return undefined;
  const own: (readonly ErrorObject[])[] = [];
  for (const branch of branches) {
    if (branch === true) own.push([]);
    else if (branch === false) own.push([union]);
    else {
      const sub = typeof branch === 'object' && branch !== null ? validate.subschema(branch) : undefined;
      if (!sub) return undefined;
      own.push(sub(union.data) ? [] : [...sub.errors]);
    }
  }
  const total = own.reduce((n, list) => n + list.length, 0);
  const start = index - total;
  if (start < 0) return undefined;
  const alternatives: ErrorObject[][] = [];
  let at = start;
  for (const list of own) {
    const taken = errors.slice(at, at + list.length);
    const same = list.every((e, k) => {
      const t = taken[k];
      return t !== undefined && t.keyword === e.keyword && t.instancePath === union.instancePath + e.instancePath && JSON.stringify(t.params) === JSON.stringify(e.params);
    });
    if (!same) return undefined;
    alternatives.push(taken);
    at += list.length;
  }
  return { start, alternatives };
}

function chooseAlternative(validate: SchemaValidator, union: ErrorObject, alternatives: readonly ErrorObject[][]): ErrorObject[] {
  const here = union.instancePath;
  const explained = alternatives.map((list) => explainAlternatives(validate, list));
  const wrongType = (list: readonly ErrorObject[]) => list.some((e) => e.instancePath === here && e.keyword === 'type');
  const fitting = explained.map((errors, n) => ({ errors, n })).filter((a) => a.errors.length > 0 && !wrongType(a.errors));
  if (fitting.length === 0) {
    const types = explained.flatMap((list) => list.filter((e) => e.instancePath === here && e.keyword === 'type').flatMap((e) => typeList(e.params)));
    const first = explained.flat().find((e) => e.instancePath === here && e.keyword === 'type');
    return first ? [{ ...first, params: { type: [...new Set(types)] } }] : [union];
  }
  // A `not` error ("must not be valid") says least: it counts double.
  const cost = (list: readonly ErrorObject[]) => list.reduce((n, e) => n + (e.keyword === 'not' ? 2 : 1), 0);
  const depth = (list: readonly ErrorObject[]) => Math.max(...list.map((e) => e.instancePath.split('/').length));
  fitting.sort((a, b) => cost(a.errors) - cost(b.errors) || depth(b.errors) - depth(a.errors) || a.n - b.n);
  const best = fitting[0] as { errors: ErrorObject[] };
  const merged = mergeKeyAlternatives(here, best.errors, fitting.map((a) => a.errors));
  return merged ?? best.errors;
}

/**
 * When the best alternative only misses keys and has keys it does not know, and other mapping
 * alternatives do the same (an `include:` item: `local`, `project`, `template`, `component`,
 * `remote`), a key none of them knows is reported once with every key they know, without the
 * missing-key errors (which alternative was meant is not known).
 */
function mergeKeyAlternatives(here: string, best: readonly ErrorObject[], fitting: readonly (readonly ErrorObject[])[]): ErrorObject[] | undefined {
  const onlyKeys = (list: readonly ErrorObject[]) => list.every((e) => e.instancePath === here && (e.keyword === 'additionalProperties' || e.keyword === 'required'));
  if (!onlyKeys(best)) return undefined;
  const shaped = fitting.filter(onlyKeys);
  if (shaped.length < 2) return undefined;
  const unknownIn = (list: readonly ErrorObject[]) => new Set(list.filter((e) => e.keyword === 'additionalProperties').map((e) => String(e.params['additionalProperty'])));
  const sets = shaped.map(unknownIn);
  const unknown = [...(sets[0] ?? [])].filter((key) => sets.every((s) => s.has(key)));
  if (unknown.length === 0) return undefined;
  const known = new Set(shaped.flatMap((list) => list.flatMap((e) => propertyNames(e.parentSchema))));
  const template = best.find((e) => e.keyword === 'additionalProperties') as ErrorObject;
  return unknown.map((key) => ({ ...template, params: { additionalProperty: key }, parentSchema: { properties: Object.fromEntries([...known].map((k) => [k, true])) } }));
}

/** One error per property: the instance path plus the key an additionalProperties/required error names. */
function singleErrorPerProperty(errors: readonly ErrorObject[]): ErrorObject[] {
  const weight = (e: ErrorObject) => (e.keyword === 'enum' || e.keyword === 'const' ? 2 : e.keyword === 'type' ? 1 : 0);
  const kept = new Map<string, ErrorObject>();
  for (const error of errors) {
    const named = error.params['additionalProperty'] ?? error.params['missingProperty'];
    const property = named === undefined ? error.instancePath : `${error.instancePath}/${String(named)}`;
    const existing = kept.get(property);
    if (!existing || weight(error) > weight(existing)) kept.set(property, error);
  }
  return [...kept.values()];
}

function describeError(error: ErrorObject, data: unknown, schema: Readonly<Record<string, unknown>>): CiSchemaFinding {
  const path = toPath(error.instancePath, data);
  const where = describePath(path, schema);
  const value = error.data === undefined ? valueAt(data, path) : error.data;
  const finding = (found: { messageId: MessageId; data: Record<string, string> }, atPath: readonly PathSegment[] = path, part: 'key' | 'value' = 'value'): CiSchemaFinding => ({
    ...found,
    path: atPath,
    part,
  });
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(error.params['additionalProperty']);
      // `!reference` is how ci.json lets a tag through, not a key anyone writes.
      const expected = propertyNames(error.parentSchema).filter((k) => !k.startsWith('!')).sort().map(quote).join(', ');
      if (expected) return finding({ messageId: 'unknownKey', data: { key: quote(key), where, expected } }, [...path, key], 'key');
      const patterns = Object.keys(objectAt(error.parentSchema, 'patternProperties'));
      const problem = patterns.length > 0 ? `has key ${quote(key)}, which matches none of ${patterns.map((p) => `/${p}/`).join(', ')}` : `must not have key ${quote(key)}`;
      return finding({ messageId: 'invalid', data: { where, problem } }, [...path, key], 'key');
    }
    case 'required':
    case 'dependencies':
      return finding({ messageId: 'missingKey', data: { where, key: quote(String(error.params['missingProperty'])) } }, path, path.length > 0 ? 'key' : 'value');
    case 'type':
      return finding({ messageId: 'type', data: { where, expected: typeList(error.params).join(' or '), actual: typeOf(value) } });
    case 'enum':
    case 'const': {
      const allowed: unknown[] = error.keyword === 'enum' ? ((error.params['allowedValues'] as unknown[] | undefined) ?? []) : [error.params['allowedValue']];
      return finding({ messageId: 'enum', data: { where, expected: allowed.map(show).join(', '), actual: show(value) } });
    }
    case 'oneOf':
      return finding({ messageId: 'invalid', data: { where, problem: 'matches more than one of the forms ci.json allows for it' } });
    case 'anyOf':
      return finding({ messageId: 'invalid', data: { where, problem: 'matches none of the forms ci.json allows for it' } });
    default:
      return finding({ messageId: 'invalid', data: { where, problem: (error.message ?? 'is invalid').replace(/\bNOT\b/g, 'not') } });
  }
}

/** A JSON pointer as a content path: array indices become numbers. */
function toPath(pointer: string, data: unknown): PathSegment[] {
  if (pointer === '') return [];
  const path: PathSegment[] = [];
  let node = data;
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(node)) {
      const index = Number(segment);
      path.push(index);
      node = node[index];
    } else {
      path.push(segment);
      node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[segment] : undefined;
    }
  }
  return path;
}

function valueAt(data: unknown, path: readonly PathSegment[]): unknown {
  let node = data;
  for (const segment of path) node = typeof node === 'object' && node !== null ? (node as Record<string | number, unknown>)[segment] : undefined;
  return node;
}

/** `job "build"`, `"script" in job "build"`, `hidden job ".setup"`, `"workflow:rules:0"`, `the configuration`. */
function describePath(path: readonly PathSegment[], schema: Readonly<Record<string, unknown>>): string {
  const [top, ...rest] = path;
  if (top === undefined) return 'the configuration';
  const keywords = schema['properties'];
  const isKeyword = typeof keywords === 'object' && keywords !== null && String(top) in keywords;
  if (isKeyword) return quote(path.join(':'));
  const job = String(top).startsWith('.') ? `hidden job ${quote(String(top))}` : `job ${quote(String(top))}`;
  return rest.length === 0 ? job : `${quote(rest.join(':'))} in ${job}`;
}

function objectAt(parentSchema: unknown, keyword: string): Record<string, unknown> {
  const value = typeof parentSchema === 'object' && parentSchema !== null ? (parentSchema as Record<string, unknown>)[keyword] : undefined;
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

const propertyNames = (parentSchema: unknown): string[] => Object.keys(objectAt(parentSchema, 'properties'));

function typeList(params: Record<string, unknown>): string[] {
  const type = params['type'];
  const list = Array.isArray(type) ? type.map(String) : String(type).split(',');
  return list.map((t) => t.trim()).filter(Boolean);
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return 'number';
  return typeof value;
}

const quote = (text: string) => JSON.stringify(text);

/** A value in a message: JSON, shortened. */
function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
