// Ported from gitlabhq spec/lib/gitlab/ci/config/interpolation/access_spec.rb (newest version,
// with array indexing); expected texts are the spec's.
import { describe, expect, it } from 'vitest';
import { fromPlain, type ValueMap } from '../../../scripts/gitlab/ruby/value.js';
import { evaluateAccess, rubySplitLimit } from '../../../scripts/gitlab/interpolation/access.js';

const ctx = (plain: unknown) => fromPlain(plain) as ValueMap;
const value = (access: string, context: unknown) => {
  const result = evaluateAccess(access, ctx(context));
  if (!result.ok) throw new Error(result.errors.join(', '));
  return result.value;
};
const firstError = (access: string, context: unknown) => {
  const result = evaluateAccess(access, ctx(context));
  return result.ok ? undefined : result.errors[0];
};

describe('evaluateAccess (access_spec.rb)', () => {
  const base = { inputs: { data: 'abcd' }, env: { ENV: 'dev' } };

  it('properly evaluates the access pattern', () => expect(value('inputs.data', base)).toBe('abcd'));

  it('only supports MAX_ACCESS_OBJECTS (5) steps: the rest stays in the last segment', () => {
    expect(rubySplitLimit('a.b.c.d.e.f.g.h', '.', 5)).toEqual(['a', 'b', 'c', 'd', 'e.f.g.h']);
  });

  it('rejects an expression over 1024 bytes', () => {
    const long = `inputs.${'x'.repeat(1100)}`;
    expect(firstError(long, base)).toBe('maximum interpolation expression size exceeded');
  });

  it('counts bytes, not characters, for the size limit', () => {
    // 'é' is two bytes in UTF-8: 7 + 2 * 509 = 1025 bytes, 516 characters.
    expect(firstError(`inputs.${'é'.repeat(509)}`, base)).toBe('maximum interpolation expression size exceeded');
  });

  it('returns an error when there are no objects found', () => {
    expect(firstError('abc[123]', base)).toBe('invalid pattern used for interpolation. valid pattern is $[[ inputs.input ]]');
  });

  it('reports a non-existent key', () => {
    expect(firstError('inputs.nonexistent', base)).toBe('unknown interpolation provided: `nonexistent` in `inputs.nonexistent`');
  });

  it('reports an existing key followed by a non-existent key', () => {
    expect(firstError('inputs.data.extra', base)).toBe('unknown interpolation provided: `extra` in `inputs.data.extra`');
  });

  it('indexes arrays', () => {
    const arrays = { inputs: { my_array: ['first', 'second'] } };
    expect(value('inputs.my_array[0]', arrays)).toBe('first');
    expect(value('inputs.my_array[1]', arrays)).toBe('second');
  });

  it('accesses a nested value after an array index', () => {
    expect(value('inputs.items[0].name', { inputs: { items: [{ name: 'item1' }] } })).toBe('item1');
  });

  it('accesses multi-dimensional arrays', () => {
    expect(value('inputs.matrix[1][0]', { inputs: { matrix: [['a', 'b'], ['c', 'd']] } })).toBe('c');
  });

  it('reports an index out of bounds', () => {
    expect(firstError('inputs.arr[1]', { inputs: { arr: ['one'] } })).toBe('array index 1 out of bounds (size: 1) in `inputs.arr[1]`');
  });

  it('reports indexing a non-array value', () => {
    expect(firstError('inputs.str[0]', { inputs: { str: 'hello' } })).toBe('cannot index into non-array value at [0] in `inputs.str[0]`');
  });

  it('rejects negative and non-integer indices', () => {
    const arrays = { inputs: { arr: ['a', 'b'] } };
    expect(firstError('inputs.arr[-1]', arrays)).toBe('invalid array index in `inputs.arr[-1]`: `-1` is not a valid index');
    expect(firstError('inputs.arr[a]', arrays)).toBe('invalid array index in `inputs.arr[a]`: `a` is not a valid index');
    expect(firstError('inputs.arr[]', arrays)).toBe('invalid array index in `inputs.arr[]`: `` is not a valid index');
  });

  it('reports a missing closing bracket and trailing text', () => {
    const arrays = { inputs: { arr: ['a', 'b'] } };
    expect(firstError('inputs.arr[0', arrays)).toBe('invalid array index in `inputs.arr[0`: missing closing bracket');
    expect(firstError('inputs.arr[0]junk', arrays)).toBe('invalid array index syntax in `inputs.arr[0]junk`');
  });

  it('returns nil and hash elements', () => {
    expect(value('inputs.arr[0]', { inputs: { arr: [null, 'val'] } })).toBeNull();
    expect(value('inputs.rules[0]', { inputs: { rules: [{ if: '$CI', when: 'always' }] } })).toEqual(fromPlain({ if: '$CI', when: 'always' }));
  });

  it('walks deeply nested structures', () => {
    expect(value('inputs.data.items[0].values[0]', { inputs: { data: { items: [{ values: ['deep'] }] } } })).toBe('deep');
  });

  it('allows five indices and rejects six', () => {
    expect(value('inputs.arr[0][0][0][0][0]', { inputs: { arr: [[[[[42]]]]] } })).toBe(42);
    expect(firstError('inputs.arr[0][0][0][0][0][0]', { inputs: { arr: [[[[[[42]]]]]] } })).toBe(
      'too many array indices in `inputs.arr[0][0][0][0][0][0]` (maximum depth: 5)',
    );
  });

  it('reports an indexed segment without a key, and a non-existent base key', () => {
    expect(firstError('inputs.matrix[0].[1]', { inputs: { matrix: [['a', 'b']] } })).toBe('invalid indexed access without a key in `inputs.matrix[0].[1]`');
    expect(firstError('inputs.nonexistent[0]', { inputs: { arr: ['val'] } })).toBe('unknown interpolation provided: `nonexistent` in `inputs.nonexistent[0]`');
  });
});
