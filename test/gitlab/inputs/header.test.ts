// Expected texts come from gitlab-semantics.md §2.4 (interpolator_spec, root_spec, input_spec,
// component_spec) and from the validators in gitlabhq lib/gitlab/config/entry/validators.rb
// (`should be a #{type.name}` lower-cased), header/input.rb, header/input/rules/rule.rb and
// entry/base_input.rb.
import { describe, expect, it } from 'vitest';
import { fromPlain, type ValueMap } from '../../../scripts/gitlab/ruby/value.js';
import { validateHeader } from '../../../scripts/gitlab/inputs/header.js';

const messages = (header: unknown) => validateHeader(fromPlain(header) as ValueMap).errors.map((e) => e.message);
const input = (config: unknown) => messages({ spec: { inputs: { environment: config } } });

describe('validateHeader', () => {
  it('accepts the documented keys and a bare input', () => {
    expect(messages({ spec: { inputs: { website: null, stage: { default: 'test' } }, component: ['name'], description: 'x' } })).toEqual([]);
    expect(messages({ spec: null })).toEqual([]);
  });

  it('rejects unknown spec keys (interpolator_spec)', () => {
    expect(messages({ spec: { arguments: { website: null } } })).toEqual(['header:spec config contains unknown keys: arguments']);
  });

  it('lower-cases the whole message, including the user key names', () => {
    expect(messages({ spec: { Inputs: {} } })).toEqual(['header:spec config contains unknown keys: inputs']);
    expect(messages({ spec: { inputs: { Foo: { Bad: 1 } } } })).toEqual(['header:spec:inputs:foo config contains unknown keys: bad']);
  });

  it("reports an `if` that is not an expression (rule.rb `validates :if, expression: true`: ExpressionValidator's 'Invalid expression syntax')", () => {
    for (const condition of ['$[[ inputs.a ]] === "x"', '($[[ inputs.a ]] == "x"', '$[[ inputs.a ]] == "x")', '$[[ inputs.a ]] ==', '&& $[[ inputs.a ]]', '$[[ inputs.a ]] == "x" "y"']) {
      expect(input({ rules: [{ if: condition, options: ['a'] }, { options: ['b'] }] }), condition).toEqual([
        'header:spec:inputs:environment:rules:rule if invalid expression syntax',
      ]);
    }
    for (const condition of ['$[[ inputs.a ]] == "x"', '($[[ inputs.a ]] == "x" || $[[ inputs.b ]] != null) && $[[ inputs.a ]] =~ /^x/']) {
      expect(input({ rules: [{ if: condition, options: ['a'] }, { options: ['b'] }] }), condition).toEqual([]);
    }
  });

  it('rejects unknown input keys (root_spec)', () => {
    expect(messages({ spec: { inputs: { foo: { bad: 1 } } } })).toEqual(['header:spec:inputs:foo config contains unknown keys: bad']);
  });

  it('rejects an unknown type (input_spec)', () => {
    expect(input({ type: 'datetime' })).toEqual(['header:spec:inputs:environment input type unknown value: datetime']);
  });

  it('requires regex to be a string', () => {
    expect(input({ regex: ['a'] })).toEqual(['header:spec:inputs:environment input regex should be a string']);
  });

  it('caps options at 50', () => {
    const options = Array.from({ length: 51 }, (_, i) => `o${i}`);
    expect(input({ options })).toEqual(['header:spec:inputs:environment config cannot define more than 50 options']);
    expect(input({ options: options.slice(0, 50) })).toEqual([]);
  });

  it('rejects null options (base_input.rb)', () => {
    expect(input({ options: ['a', null] })).toEqual(['header:spec:inputs:environment config options array cannot contain null values']);
  });

  it('lists mutually exclusive keys in the order they were written', () => {
    const rules = [{ options: ['a'] }];
    expect(input({ rules, options: ['a'] })).toEqual(['header:spec:inputs:environment config these keys cannot be used together: rules, options']);
    expect(input({ options: ['a'], rules })).toEqual(['header:spec:inputs:environment config these keys cannot be used together: options, rules']);
    expect(input({ rules, default: 'a' })).toEqual(['header:spec:inputs:environment config these keys cannot be used together: rules, default']);
  });

  it('validates rule entries (rule.rb)', () => {
    expect(input({ rules: [{ if: '$[[ inputs.a ]] == "x"' }] })).toEqual([
      "header:spec:inputs:environment:rules:rule config rule with 'if' must define 'options' or 'default'",
    ]);
    expect(input({ rules: [{ default: 'x' }] })).toEqual(["header:spec:inputs:environment:rules:rule config fallback rule must define 'options'"]);
    expect(input({ rules: [{ options: ['a'], invalid_key: 1 }] })).toEqual([
      'header:spec:inputs:environment:rules:rule config contains unknown keys: invalid_key',
    ]);
    expect(input({ rules: ['x'] })).toEqual(['header:spec:inputs:environment:rules:rule config should be a hash']);
  });

  it('rejects rules that are not an array (input_spec "reports error about rules type")', () => {
    expect(input({ rules: 'x' })).toEqual(['header:spec:inputs:environment:rules config should be an array']);
  });

  it('validates spec:component values (component_spec, derived texts)', () => {
    expect(messages({ spec: { component: ['name', 'invalid_key'] } })).toEqual(['header:spec:component config contains unknown values: invalid_key']);
    expect(validateHeader(fromPlain({ spec: { component: ['name', 'sha', 'name'] } }) as ValueMap).spec.component).toEqual(['name', 'sha']);
  });

  it('keeps inputs in declaration order and gives bare inputs an empty spec', () => {
    const { spec } = validateHeader(fromPlain({ spec: { inputs: { b: null, a: { type: 'number' } } } }) as ValueMap);
    expect([...spec.inputs.keys()]).toEqual(['b', 'a']);
    expect(spec.inputs.get('b')).toEqual(new Map());
  });

  it('points each error at the node it is about', () => {
    const { errors } = validateHeader(fromPlain({ spec: { inputs: { env: { type: 'datetime' } } } }) as ValueMap);
    expect(errors[0]?.path).toEqual(['spec', 'inputs', 'env', 'type']);
  });
});
