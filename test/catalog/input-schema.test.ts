// The generated schema must accept exactly what GitLab's input resolution accepts for these
// cases: each case is checked against both the schema (through ajv) and resolveInputs.
import { describe, expect, it } from 'vitest';
import { fromPlain, type ValueMap } from '../../scripts/gitlab/ruby/value.js';
import { validateHeader } from '../../scripts/gitlab/inputs/header.js';
import { resolveInputs } from '../../scripts/gitlab/inputs/resolve.js';
import { compileJsonSchema } from '../../scripts/core/json-schema.js';
import { componentInputsSchema } from '../../scripts/catalog/input-schema.js';

const header = fromPlain({
  spec: {
    description: 'Builds an image',
    inputs: {
      image: { description: 'Image repository' },
      stage: { default: 'build', options: ['build', 'deploy'] },
      parallel: { type: 'number', default: 1, options: [1, 2, 4] },
      push: { type: 'boolean', default: true },
      platforms: { type: 'array', default: ['linux/amd64'] },
      tag: { default: 'latest', regex: '^[a-z0-9.-]+$' },
      level: { default: '1', options: ['1', '2'] },
    },
  },
}) as ValueMap;

const { spec } = validateHeader(header);
const schema = componentInputsSchema('builder', spec);
const validate = compileJsonSchema(schema);
const gitlabAccepts = (inputs: Record<string, unknown>) => resolveInputs(spec.inputs, fromPlain(inputs) as ValueMap).errors.length === 0;

describe('componentInputsSchema', () => {
  it('describes the inputs: types, enums, defaults, descriptions, required', () => {
    expect(schema['$schema']).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema['required']).toEqual(['image']);
    expect(schema['additionalProperties']).toBe(false);
    expect(schema['description']).toBe('Builds an image');
    const properties = schema['properties'] as Record<string, Record<string, unknown>>;
    expect(properties['image']?.['description']).toBe('Image repository');
    // An input with a default also takes null: GitLab then uses the default.
    expect(properties['stage']?.['anyOf']).toEqual([{ enum: ['build', 'deploy'] }, { type: 'null' }]);
    expect(properties['stage']?.['default']).toBe('build');
    expect((properties['parallel']?.['anyOf'] as unknown[])[0]).toEqual({ enum: [1, 2, 4] });
    expect((properties['tag']?.['anyOf'] as Record<string, unknown>[])[0]).toEqual({ type: 'string', pattern: '^[a-z0-9.-]+$' });
  });

  const cases: [string, Record<string, unknown>][] = [
    ['only the required input', { image: 'app' }],
    ['a number for a string input (to_s)', { image: 123 }],
    ['a numeric string for a number input', { image: 'app', parallel: '2' }],
    ['a boolean string for a boolean input', { image: 'app', push: 'false' }],
    ['a JSON array string for an array input', { image: 'app', platforms: '["linux/arm64"]' }],
    ['all inputs', { image: 'app', stage: 'deploy', parallel: 4, push: false, platforms: ['a', 'b'], tag: '1.2.3' }],
    ['the required input missing', {}],
    ['an unknown input', { image: 'app', stgae: 'build' }],
    ['a value outside the options', { image: 'app', stage: 'test' }],
    ['a number outside the options', { image: 'app', parallel: 3 }],
    ['a word for a number input', { image: 'app', parallel: 'two' }],
    ['a word for a boolean input', { image: 'app', push: 'yes' }],
    ['a string for an array input', { image: 'app', platforms: 'linux/amd64' }],
    ['a value not matching the regex', { image: 'app', tag: 'Latest!' }],
    ['a number for a string option written as text', { image: 'app', level: 1 }],
    ['a number outside the string options', { image: 'app', level: 3 }],
  ];

  it.each(cases)('agrees with GitLab on %s', (_name, inputs) => {
    expect(validate(inputs)).toBe(gitlabAccepts(inputs));
  });

  it('covers both outcomes', () => {
    const outcomes = new Set(cases.map(([, inputs]) => gitlabAccepts(inputs)));
    expect(outcomes).toEqual(new Set([true, false]));
  });
});
