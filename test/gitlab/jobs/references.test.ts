/**
 * `!reference` as `Gitlab::Ci::Config::Yaml::Tags::Resolver` resolves it (gitlabhq
 * lib/gitlab/ci/config/yaml/tags/resolver.rb, reference.rb, base.rb).
 */
import { describe, expect, it } from 'vitest';

import { JobConfigError } from '../../../scripts/gitlab/jobs/config-error.js';
import { resolveAllReferences, resolveReferences } from '../../../scripts/gitlab/jobs/references.js';
import { YamlReference, type Value, type ValueMap } from '../../../scripts/gitlab/ruby/value.js';

const ref = (...path: Value[]) => new YamlReference(path);
const map = (entries: [string, Value][]): ValueMap => new Map(entries);
const error = (run: () => unknown) => {
  try {
    run();
  } catch (e) {
    if (e instanceof JobConfigError) return e.message;
    throw e;
  }
  return undefined;
};

describe('resolveReferences', () => {
  const config = map([
    ['.setup', map([['script', ['a', 'b']], ['variables', map([['A', '1']])], ['off', false]])],
    ['.chain', map([['script', [ref('.setup', 'script'), 'c']]])],
    ['text', 'x'],
  ]);

  it('puts the value in place as it is, resolving references inside it; a list stays nested', () => {
    expect(resolveReferences(['x', ref('.chain', 'script')], config)).toEqual(['x', [['a', 'b'], 'c']]);
    expect(resolveReferences(map([['v', ref('.setup', 'variables', 'A')]]), config)).toEqual(map([['v', '1']]));
  });

  it('reports what it cannot find with GitLab’s message (data[:seq].inspect)', () => {
    expect(error(() => resolveReferences(ref('.setup', 'nothing'), config))).toBe('!reference [".setup", "nothing"] could not be found');
    // `dig` into a String or an Array raises TypeError, also "could not be found"; so does a false value.
    expect(error(() => resolveReferences(ref('text', 'x'), config))).toBe('!reference ["text", "x"] could not be found');
    expect(error(() => resolveReferences(ref('.setup', 'off'), config))).toBe('!reference [".setup", "off"] could not be found');
    expect(error(() => resolveReferences(ref('.setup', 1), config))).toBe('!reference [".setup", 1] is not valid');
  });

  it('reports a cycle', () => {
    const cyclic = map([['a', map([['x', ref('b', 'x')]])], ['b', map([['x', ref('a', 'x')]])]]);
    expect(error(() => resolveAllReferences(cyclic))).toMatch(/^!reference \["[ab]", "x"\] is part of a circular chain$/);
  });

  it('allows 10 nested levels and refuses more', () => {
    const chain = (length: number) => {
      const entries: [string, Value][] = [[`j${length}`, map([['x', 'end']])]];
      for (let i = 0; i < length; i++) entries.push([`j${i}`, map([['x', ref(`j${i + 1}`, 'x')]])]);
      return map(entries);
    };
    expect(resolveReferences(ref('j0', 'x'), chain(9))).toBe('end');
    expect(error(() => resolveReferences(ref('j0', 'x'), chain(10)))).toBe('!reference ["j10", "x"] is nested more than 10 levels deep');
  });
});
