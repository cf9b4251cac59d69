// Expected values follow gitlabhq lib/ci/inputs/*.rb and their specs (string_input_spec: "does not
// add errors because it will be coerced to string"; number_input_spec: "42" becomes 42), the error
// templates of gitlab-semantics.md §2.4, and interpolator_spec "when there are many invalid arguments".
import { describe, expect, it } from 'vitest';
import { fromPlain, RubyFloat, type Value, type ValueMap } from '../../../scripts/gitlab/ruby/value.js';
import { resolveInputs } from '../../../scripts/gitlab/inputs/resolve.js';

const resolve = (specs: Record<string, unknown>, params: Record<string, unknown> = {}) =>
  resolveInputs(fromPlain(specs) as ValueMap, fromPlain(params) as ValueMap);
const errors = (specs: Record<string, unknown>, params: Record<string, unknown> = {}) => resolve(specs, params).errors.map((e) => e.message);
const value = (specs: Record<string, unknown>, params: Record<string, unknown>, name: string): Value => {
  const result = resolve(specs, params);
  expect(result.errors).toEqual([]);
  return result.values.get(name) ?? null;
};

describe('resolveInputs', () => {
  it('reports the first errors of many invalid arguments in declaration order (interpolator_spec)', () => {
    const specs = { allow_failure: { type: 'boolean' }, image: null, parallel: { type: 'number' }, website: null };
    expect(errors(specs, { allow_failure: 'no', parallel: 'yes', website: 8 })).toEqual([
      '`allow_failure` input: provided value is not a boolean',
      '`image` input: required value has not been provided',
      '`parallel` input: provided value is not a number',
    ]);
  });

  it('puts unknown input arguments first', () => {
    expect(errors({ a: null }, { zed: 1, yak: 2 })).toEqual([
      'unknown input arguments: zed, yak',
      '`a` input: required value has not been provided',
    ]);
  });

  it('coerces string inputs with to_s', () => {
    expect(value({ s: null }, { s: 123 }, 's')).toBe('123');
    expect(value({ s: null }, { s: true }, 's')).toBe('true');
    expect(value({ s: null }, { s: new RubyFloat(1) }, 's')).toBe('1.0');
    expect(value({ s: { default: null } }, {}, 's')).toBe('');
  });

  it('parses JSON text for number, boolean and array inputs', () => {
    expect(value({ n: { type: 'number' } }, { n: '42' }, 'n')).toBe(42);
    expect(value({ n: { type: 'number' } }, { n: '1.5' }, 'n')).toEqual(new RubyFloat(1.5));
    expect(value({ b: { type: 'boolean' } }, { b: 'true' }, 'b')).toBe(true);
    expect(value({ a: { type: 'array' } }, { a: '["x","y"]' }, 'a')).toEqual(['x', 'y']);
  });

  it('rejects values of the wrong type with provided/default wording', () => {
    expect(errors({ n: { type: 'number' } }, { n: 'hello' })).toEqual(['`n` input: provided value is not a number']);
    expect(errors({ n: { type: 'number', default: 'x' } })).toEqual(['`n` input: default value is not a number']);
    expect(errors({ b: { type: 'boolean', default: 'maybe' } })).toEqual(['`b` input: default value is not a boolean']);
    expect(errors({ a: { type: 'array', default: 'x' } })).toEqual(['`a` input: default value is not an array']);
  });

  it('always validates the default, even when a value is provided', () => {
    expect(errors({ n: { type: 'number', default: 'x' } }, { n: 3 })).toEqual(['`n` input: default value is not a number']);
  });

  it('uses each type its own options message', () => {
    expect(errors({ s: { options: ['a', 'b'] } }, { s: 'c' })).toEqual(['`s` input: `c` cannot be used because it is not in the list of allowed options']);
    expect(errors({ n: { type: 'number', options: [1, 2] } }, { n: 3 })).toEqual([
      '`n` input: `3` cannot be used because it is not in the list of the allowed options',
    ]);
    expect(errors({ a: { type: 'array', options: ['x', 'y'] } }, { a: ['x', 'z', 'w'] })).toEqual([
      '`a` input: z, w cannot be used because it is not in the list of allowed options',
    ]);
    expect(errors({ b: { type: 'boolean', options: [true] } }, { b: true })).toEqual([
      '`b` input: Options can only be used with string and number inputs',
    ]);
  });

  it('compares string options after to_s and number options by value (1 == 1.0)', () => {
    expect(errors({ s: { options: [1, true] } }, { s: 'true' })).toEqual([]);
    expect(errors({ n: { type: 'number', options: [1, 2] } }, { n: new RubyFloat(1) })).toEqual([]);
  });

  it('matches regex unanchored with RE2, and rejects regex on other types', () => {
    expect(errors({ s: { regex: 'b+' } }, { s: 'abbbc' })).toEqual([]);
    expect(errors({ s: { regex: '^v\\d+$' } }, { s: 'x1' })).toEqual(['`s` input: provided value does not match required RegEx pattern']);
    expect(errors({ s: { regex: '^v', default: 'x' } }, { s: 'v1' })).toEqual(['`s` input: default value does not match required RegEx pattern']);
    expect(errors({ s: { regex: '\\Av\\z' } }, { s: 'v' })).toEqual([]);
    expect(errors({ n: { type: 'number', regex: '1' } }, { n: 1 })).toEqual(['`n` input: RegEx validation can only be used with string inputs']);
  });

  it('reports an RE2 syntax error as an invalid regular expression', () => {
    // 'a++' is valid in Ruby/JS terms but RE2 rejects a nested repetition.
    expect(errors({ s: { regex: 'a++' } }, { s: 'a' })).toEqual(['`s` input: invalid regular expression']);
    // RE2 has no backreferences.
    expect(errors({ s: { regex: '(a)\\1' } }, { s: 'aa' })).toEqual(['`s` input: invalid regular expression']);
  });

  it('reports a spec with a null type as an unknown input specification', () => {
    expect(errors({ x: { type: null } })).toEqual(['unknown input specification for `x` (valid types: array, boolean, number, string)']);
  });

  it('evaluates rules against earlier inputs (MR 205726 example)', () => {
    const specs = {
      target_environment: { options: ['development', 'staging', 'production'], default: 'development' },
      resource_tier: {
        rules: [
          { if: '$[[ inputs.target_environment ]] == "development"', options: ['small', 'medium'], default: 'small' },
          { if: '$[[ inputs.target_environment ]] == "production"', options: ['large', 'xlarge'], default: 'xlarge' },
          { options: ['small'] },
        ],
      },
    };
    expect(value(specs, {}, 'resource_tier')).toBe('small');
    expect(value(specs, { target_environment: 'production' }, 'resource_tier')).toBe('xlarge');
    expect(value(specs, { target_environment: 'production', resource_tier: 'large' }, 'resource_tier')).toBe('large');
    expect(errors(specs, { target_environment: 'production', resource_tier: 'small' })).toEqual([
      '`resource_tier` input: `small` cannot be used because it is not in the list of allowed options',
    ]);
    // The fallback rule: staging matches no `if`, so only 'small' is allowed and is the default.
    expect(value(specs, { target_environment: 'staging' }, 'resource_tier')).toBe('small');
  });
});
