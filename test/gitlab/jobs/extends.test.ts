/**
 * `extends:` as `Gitlab::Ci::Config::Extendable::Entry` merges it (gitlabhq
 * lib/gitlab/ci/config/extendable/entry.rb; examples from spec/lib/gitlab/ci/config/extendable_spec.rb
 * and extendable/entry_spec.rb).
 */
import { describe, expect, it } from 'vitest';

import { JobConfigError } from '../../../scripts/gitlab/jobs/config-error.js';
import { expandExtends } from '../../../scripts/gitlab/jobs/extends.js';
import { fromPlain, toPlain, type ValueMap } from '../../../scripts/gitlab/ruby/value.js';

const expand = (plain: Record<string, unknown>) => JSON.stringify(toPlain(expandExtends(fromPlain(plain) as ValueMap)));
const error = (plain: Record<string, unknown>) => {
  try {
    expandExtends(fromPlain(plain) as ValueMap);
  } catch (e) {
    if (e instanceof JobConfigError) return e.message;
    throw e;
  }
  return undefined;
};

describe('expandExtends', () => {
  it('deep-merges the bases in order, then the job itself; extends: stays', () => {
    expect(
      expand({
        '.a': { script: ['a'], variables: { A: 'a', B: 'a' }, artifacts: { paths: ['x'] } },
        '.b': { variables: { B: 'b' }, image: 'b' },
        job: { extends: ['.a', '.b'], variables: { C: 'c' }, artifacts: { reports: { dotenv: 'd.env' } } },
      }),
    ).toBe(
      JSON.stringify({
        '.a': { script: ['a'], variables: { A: 'a', B: 'a' }, artifacts: { paths: ['x'] } },
        '.b': { variables: { B: 'b' }, image: 'b' },
        job: { script: ['a'], variables: { A: 'a', B: 'b', C: 'c' }, artifacts: { paths: ['x'], reports: { dotenv: 'd.env' } }, image: 'b', extends: ['.a', '.b'] },
      }),
    );
  });

  it('extends a base that extends, and replaces arrays', () => {
    const out = JSON.parse(expand({ '.a': { script: ['a'], tags: ['a'] }, '.b': { extends: '.a', script: ['b'] }, job: { extends: '.b' } }));
    expect(out.job).toEqual({ script: ['b'], tags: ['a'], extends: '.b' });
  });

  it('places an unknown or invalid base of an extends: list at its element, so a finding can name what wrote it', () => {
    const pathOf = (plain: Record<string, unknown>) => {
      const errors: JobConfigError[] = [];
      expandExtends(fromPlain(plain) as ValueMap, (e) => errors.push(e));
      return errors.map((e) => [e.message, e.path]);
    };
    // A component's `extends: ['$[[ inputs.login-job ]]', '.sign-…']`: the first element is the input's.
    expect(pathOf({ '.b': { script: 'b' }, job: { extends: ['.missing', '.b'], script: 'a' } })).toEqual([['job: unknown keys in `extends` (.missing)', ['job', 'extends', 0]]]);
    expect(pathOf({ '.x': 'text', '.a': {}, job: { extends: ['.a', '.x'] } })).toEqual([['job: invalid base hashes in `extends` (.x)', ['job', 'extends', 1]]]);
    // A single base, and a cycle, are the whole extends: value.
    expect(pathOf({ job: { extends: '.missing' } })).toEqual([['job: unknown keys in `extends` (.missing)', ['job', 'extends']]]);
    expect(pathOf({ a: { extends: ['a'] } })).toEqual([['a: circular dependency detected in `extends`', ['a', 'extends']]]);
  });

  it('reports unknown and invalid bases, cycles and too deep nesting with GitLab’s messages', () => {
    expect(error({ job: { extends: ['.x', '.y'], script: 'a' } })).toBe('job: unknown keys in `extends` (.x, .y)');
    expect(error({ '.x': 'text', job: { extends: '.x' } })).toBe('job: invalid base hashes in `extends` (.x)');
    expect(error({ a: { extends: 'b' }, b: { extends: 'a' } })).toBe('a: circular dependency detected in `extends`');
    expect(error({ a: { extends: 'a' } })).toBe('a: circular dependency detected in `extends`');
  });

  it('allows 11 levels of extends and refuses the 12th (MAX_NESTING_LEVELS = 10 ancestors)', () => {
    const chain = (length: number) => {
      const plain: Record<string, unknown> = { [`.j${length}`]: { script: 'x' } };
      for (let i = 0; i < length; i++) plain[`.j${i}`] = { extends: `.j${i + 1}` };
      return plain;
    };
    expect(error(chain(11))).toBeUndefined();
    expect(error(chain(12))).toBe('.j11: nesting too deep in `extends`');
  });
});
