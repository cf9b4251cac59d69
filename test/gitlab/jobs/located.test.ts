/**
 * The job model with source paths (what the linter reports at): the value closest to the job through
 * `extends:` (later bases win, as in GitLab's deep merge), else the default it inherits.
 */
import { describe, expect, it } from 'vitest';

import { JobResolver, variableValue } from '../../../scripts/gitlab/jobs/located.js';
import { fromPlain, type Value } from '../../../scripts/gitlab/ruby/value.js';

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

describe('variableValue (Entry::Variable#value: to_s)', () => {
  it.each<[string, Value, string | undefined]>([
    ['a string', 'x', 'x'],
    ['an integer', 2, '2'],
    ['a boolean', true, 'true'],
    ['nil', null, ''],
    ['the value of a hash', new Map([['value', 'v'], ['description', 'd']]), 'v'],
    ['a hash without value', new Map([['description', 'd']]), undefined],
  ])('%s', (_name, value, expected) => {
    expect(variableValue({ value, path: [] })?.value).toBe(expected);
  });
});
