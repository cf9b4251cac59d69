// The stand-ins for what a consumer gives (scripts/gitlab/component/stand-ins.ts): which inputs
// get one, the value per type and set, the options rule, and the `component.*` fields.
import { describe, expect, it } from 'vitest';
import { fromPlain, toPlain, type Value } from '../../../scripts/gitlab/ruby/value.js';
import { resolveInputs } from '../../../scripts/gitlab/inputs/resolve.js';
import { CHECKING_STAND_INS, RENDERING_STAND_INS, standInFor, standInsFor } from '../../../scripts/gitlab/component/stand-ins.js';

const spec = (plain: Record<string, unknown>): Value => fromPlain(plain);

describe('standInFor', () => {
  it.each([
    ['string', {}, 'example', 'placeholder'],
    ['string (explicit)', { type: 'string' }, 'example', 'placeholder'],
    ['number', { type: 'number' }, 1, 0],
    ['boolean', { type: 'boolean' }, true, false],
    ['array', { type: 'array' }, ['example'], []],
  ])('a required %s input: lint renders with %j, validate checks with %j', (_, input, rendering, checking) => {
    expect(toPlain(standInFor(spec(input), RENDERING_STAND_INS) ?? null)).toEqual(rendering);
    expect(toPlain(standInFor(spec(input), CHECKING_STAND_INS) ?? null)).toEqual(checking);
  });

  it('renders an input with options with its first option; checking ignores the options', () => {
    expect(standInFor(spec({ options: ['amd64', 'arm64'] }), RENDERING_STAND_INS)).toBe('amd64');
    expect(standInFor(spec({ type: 'number', options: [3, 5] }), RENDERING_STAND_INS)).toBe(3);
    // An array input's options are its allowed items: the stand-in is a list of the first one.
    expect(toPlain(standInFor(spec({ type: 'array', options: ['amd64', 'arm64'] }), RENDERING_STAND_INS) ?? null)).toEqual(['amd64']);
    expect(standInFor(spec({ options: ['amd64', 'arm64'] }), CHECKING_STAND_INS)).toBe('placeholder');
    expect(standInFor(spec({ type: 'number', options: [3, 5] }), CHECKING_STAND_INS)).toBe(0);
  });

  it('gives none to an input that has a default or rules, or whose type GitLab does not know', () => {
    for (const standIns of [RENDERING_STAND_INS, CHECKING_STAND_INS]) {
      expect(standInFor(spec({ default: 'x' }), standIns)).toBeUndefined();
      expect(standInFor(spec({ default: null }), standIns)).toBeUndefined();
      expect(standInFor(spec({ rules: [{ options: ['a'] }] }), standIns)).toBeUndefined();
      expect(standInFor(spec({ type: null }), standIns)).toBeUndefined();
    }
  });
});

describe('standInsFor', () => {
  it('lists the required inputs with their stand-ins, in declaration order', () => {
    const inputs = new Map<string, Value>([
      ['b', spec({ type: 'boolean' })],
      ['stage', spec({ default: 'build' })],
      ['a', spec({})],
    ]);
    expect([...standInsFor(inputs, RENDERING_STAND_INS)]).toEqual([
      ['b', true],
      ['a', 'example'],
    ]);
  });

  // What lint promises with these values: every block renders, so no stand-in may be one that
  // GitLab's own input checks reject.
  it.each([
    ['string', { options: ['a', 'b'] }],
    ['number', { type: 'number', options: [1, 2] }],
    ['array', { type: 'array', options: ['a', 'b'] }],
    ['string', {}],
    ['number', { type: 'number' }],
    ['boolean', { type: 'boolean' }],
    ['array', { type: 'array' }],
  ])('a rendering stand-in passes GitLab input checks (%s %j)', (_, input) => {
    const specs = new Map<string, Value>([['x', spec(input)]]);
    expect(resolveInputs(specs, standInsFor(specs, RENDERING_STAND_INS)).errors).toEqual([]);
  });
});

describe('component stand-ins', () => {
  it('renders with the component name where it is known and example values for the other fields', () => {
    expect(RENDERING_STAND_INS.component('build')).toEqual({ name: 'build', sha: 'example-sha', version: 'example-version', reference: 'example-reference' });
    expect(RENDERING_STAND_INS.component(undefined)).toEqual({
      name: 'example-name',
      sha: 'example-sha',
      version: 'example-version',
      reference: 'example-reference',
    });
  });

  it('checks with placeholder in every field', () => {
    expect(CHECKING_STAND_INS.component('build')).toEqual({ name: 'placeholder', sha: 'placeholder', version: 'placeholder', reference: 'placeholder' });
  });
});
