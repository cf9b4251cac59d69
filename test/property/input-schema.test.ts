/**
 * A component's generated JSON Schema (`catalog schema`) and GitLab's input validation agree: a value
 * the schema accepts is accepted by input validation (`Ci::Inputs::*`, scripts/gitlab/inputs/resolve.ts)
 * and the reverse, for random input definitions (every type, options, a regex, a default, required or
 * not) and random values (JSON of every kind, strings that look like numbers, booleans and arrays,
 * or no value). Left out, because no JSON Schema can say it:
 * - definitions whose own default GitLab rejects: such a component rejects every include;
 * - a number, array or hash given to a string input with a regex: GitLab matches its `to_s`, and a
 *   JSON Schema `pattern` looks at strings only (the schema admits them, see scripts/catalog/input-schema.ts);
 * - JSON text given to a number or array input with options: GitLab parses it, then looks it up in
 *   the options; a pattern cannot parse JSON (the schema admits such text by its shape).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { componentInputsSchema } from '../../scripts/catalog/input-schema.js';
import { compileJsonSchema } from '../../scripts/core/json-schema.js';
import { validateHeader } from '../../scripts/gitlab/inputs/header.js';
import { resolveInputs } from '../../scripts/gitlab/inputs/resolve.js';
import { fromPlain, type ValueMap } from '../../scripts/gitlab/ruby/value.js';

const word = fc.constantFrom('a', 'b', 'prod', 'dev', '1', '2', 'true', 'x y', '');
const numberish = fc.oneof(fc.integer({ min: -5, max: 5 }), fc.constantFrom(0.5, -1.25, 1e3));
const scalarFor = (type: string): fc.Arbitrary<unknown> =>
  type === 'number' ? numberish : type === 'boolean' ? fc.boolean() : type === 'array' ? fc.array(fc.oneof(word, numberish), { maxLength: 3 }) : fc.oneof(word, numberish, fc.boolean());

/** An input definition as a consumer writes it in spec:inputs. */
const definition = fc.constantFrom('string', 'number', 'boolean', 'array', undefined).chain((type) =>
  fc.record(
    {
      ...(type ? { type: fc.constant(type) } : {}),
      default: scalarFor(type ?? 'string'),
      options: fc.array(type === 'array' ? (fc.oneof(word, numberish) as fc.Arbitrary<unknown>) : scalarFor(type ?? 'string'), { minLength: 1, maxLength: 4 }),
      regex: fc.constantFrom('^a', '^[a-z]+$', '\\d', 'b$', '^$', 'o|x'),
    },
    { requiredKeys: type ? ['type'] : [] },
  ),
);

/** What a consumer might pass: JSON of every kind, and strings shaped like the other types. */
const given = fc.oneof(
  word,
  numberish,
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.oneof(word, numberish), { maxLength: 3 }),
  fc.dictionary(word, word, { maxKeys: 2 }),
  fc.constantFrom(' 42 ', '4.5', '1e3', '-0', '01', 'true', ' false', '[]', '["a", 1]', '[1,', '{"a": 1}', 'null', 'nan'),
);

describe('the generated JSON Schema and input validation', () => {
  it('accept the same values', () => {
    fc.assert(
      fc.property(definition, fc.option(given, { nil: undefined }), (spec, value) => {
        const header = validateHeader(fromPlain({ spec: { inputs: { v: spec } } }) as ValueMap);
        expect(header.errors).toEqual([]);
        // A default GitLab rejects makes every include fail: not a question for the schema.
        fc.pre(resolveInputs(header.spec.inputs, new Map()).errors.every((e) => e.message.includes('required value')));
        const type = spec.type ?? 'string';
        fc.pre(!(typeof value === 'object' || typeof value === 'number') || value === null || spec.regex === undefined || type !== 'string');
        fc.pre(!(typeof value === 'string' && spec.options !== undefined && (type === 'number' || type === 'array')));
        const params = value === undefined ? {} : { v: value };
        const gitlab = resolveInputs(header.spec.inputs, fromPlain(params) as ValueMap).errors.map((e) => e.message);
        const schema = compileJsonSchema(componentInputsSchema('c', header.spec));
        const accepted = schema(params);
        expect({ schema: accepted, gitlab }, JSON.stringify({ spec, params })).toEqual({ schema: gitlab.length === 0, gitlab });
      }),
      { numRuns: 1000 },
    );
    // Each run compiles a schema with ajv: room for a loaded 2-core machine.
  }, 180_000);
});
