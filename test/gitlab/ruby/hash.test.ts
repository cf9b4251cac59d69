/**
 * ActiveSupport `Hash#deep_merge` on the value model.
 */
import { describe, expect, it } from 'vitest';

import { deepMerge } from '../../../scripts/gitlab/ruby/hash.js';
import { toPlain, type Value, type ValueMap } from '../../../scripts/gitlab/ruby/value.js';
import { parseYamlDocuments } from '../../../scripts/gitlab/yaml/psych.js';

const doc = (text: string) => ({ value: parseYamlDocuments(text, 'test.yml').documents[0]?.value ?? null });
/** JSON text keeps key order, so comparing it checks the merge order too. */
const ordered = (value: Value) => JSON.stringify(toPlain(value));
const json = (value: unknown) => JSON.stringify(value);

describe('deepMerge (ActiveSupport Hash#deep_merge)', () => {
  it('merges hashes recursively, replaces everything else, keeps first key positions', () => {
    const a = doc('x: 1\nh:\n  a: 1\n  b: [1, 2]\ny: 2\n').value as ValueMap;
    const b = doc('y: 3\nh:\n  b: [3]\n  c: 4\nz: 5\nx: null\n').value as ValueMap;
    expect(ordered(deepMerge(a, b))).toBe(json({ x: null, h: { a: 1, b: [3], c: 4 }, y: 3, z: 5 }));
  });

  it('replaces a hash by a scalar and a scalar by a hash', () => {
    const a = doc('p: {a: 1}\nq: 1\n').value as ValueMap;
    const b = doc('p: 2\nq: {b: 2}\n').value as ValueMap;
    expect(ordered(deepMerge(a, b))).toBe(json({ p: 2, q: { b: 2 } }));
  });
});
