/**
 * The job model with source paths (what the linter reports at): the value closest to the job through
 * `extends:` (later bases win, as in GitLab's deep merge), else the default it inherits.
 */
import { describe, expect, it } from 'vitest';

import { JobResolver, variableValue } from '../../../scripts/gitlab/jobs/located.js';
import { fromPlain, RubyFloat, type Value } from '../../../scripts/gitlab/ruby/value.js';

describe('JobResolver', () => {
  const resolver = new JobResolver(
    fromPlain({
      default: { image: 'd' },
      services: ['top-service'],
      variables: { A: 'top', B: 'top' },
      '.a': { image: 'a', variables: { B: 'a' } },
      '.b': { image: 'b', tags: ['b'] },
      job: { extends: ['.a', '.b'], script: 'x', variables: { C: 'own' } },
      plain: { script: 'x', inherit: { default: false, variables: ['A'] } },
    }),
  );

  it('finds the value closest to the job, later bases first, with its path', () => {
    expect(resolver.get('job', 'image')).toEqual({ value: 'b', path: ['.b', 'image'] });
    expect(resolver.get('job', 'script')).toEqual({ value: 'x', path: ['job', 'script'] });
    expect(resolver.get('job', 'services')).toEqual({ value: ['top-service'], path: ['services'] });
    expect(resolver.get('plain', 'image')).toBeUndefined();
  });

  it('merges variables: inherited top-level ones, the extends chain, the job’s own', () => {
    const paths = (job: string) => Object.fromEntries([...resolver.variables(job)].map(([name, entry]) => [name, entry.path.join('.')]));
    expect(paths('job')).toEqual({ A: 'variables.A', B: '.a.variables.B', C: 'job.variables.C' });
    expect(paths('plain')).toEqual({ A: 'variables.A' });
  });
});

describe('variableValue (Entry::Variable#value: to_s, gitlabhq lib/gitlab/ci/config/entry/variable.rb)', () => {
  it.each<[string, Value, string | undefined]>([
    ['a string', 'x', 'x'],
    ['an integer', 2, '2'],
    ['a boolean', true, 'true'],
    // Float#to_s keeps the point: `V: 1.0` is "1.0" in the job, `V: 1e20` is "1.0e+20".
    ['a whole float', new RubyFloat(1), '1.0'],
    ['a large float', new RubyFloat(1e20), '1.0e+20'],
    ['an integer beyond 2^53', 1e21, '1000000000000000000000'],
    ['nil', null, ''],
    ['the value of a hash', new Map([['value', 'v'], ['description', 'd']]), 'v'],
    ['a hash without value', new Map([['description', 'd']]), undefined],
  ])('%s', (_name, value, expected) => {
    expect(variableValue({ value, path: [] })?.value).toBe(expected);
  });
});
