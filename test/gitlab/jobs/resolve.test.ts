/**
 * The effective jobs GitLab composes: `extends:`, then `!reference` against the extended
 * configuration (`Gitlab::Ci::Config#build_config`: `Extendable` before `Yaml::Tags::Resolver`), then
 * `default:` as `inherit:default` allows (`Entry::Job` inheriting from `Entry::Default`), and the
 * variables `Ci::Variables::Helpers.inherit_yaml_variables` gives a job.
 */
import { describe, expect, it } from 'vitest';

import { resolveJobs } from '../../../scripts/gitlab/jobs/resolve.js';
import { fromPlain, YamlReference, type ValueMap } from '../../../scripts/gitlab/ruby/value.js';

const pipeline = (plain: Record<string, unknown>): ValueMap => fromPlain(plain) as ValueMap;

describe('resolveJobs', () => {
  it('resolves !reference against the extended configuration', () => {
    const p = pipeline({ '.a': { script: ['a'] }, '.b': { extends: '.a' }, job: { script: ['x'] } });
    (p.get('job') as ValueMap).set('before_script', [new YamlReference(['.b', 'script'])]);
    const job = resolveJobs(p).jobs.find((j) => j.name === 'job');
    expect(job?.config.get('before_script')).toEqual([['a']]);
  });

  it('gives visible jobs the defaults they inherit, hidden ones none', () => {
    const p = pipeline({
      default: { image: 'alpine', before_script: ['d'], artifacts: { paths: ['out'] } },
      after_script: ['top'],
      '.tpl': { script: ['t'] },
      a: { extends: '.tpl' },
      b: { script: ['b'], image: 'own', inherit: { default: ['before_script'] } },
      c: { script: ['c'], inherit: { default: false } },
    });
    const jobs = new Map(resolveJobs(p).jobs.map((j) => [j.name, j.config]));
    expect(jobs.get('.tpl')?.has('image')).toBe(false);
    expect(jobs.get('a')?.get('image')).toBe('alpine');
    expect(jobs.get('a')?.get('after_script')).toEqual(['top']);
    expect(jobs.get('a')?.get('artifacts')).toEqual(new Map([['paths', ['out']]]));
    expect(jobs.get('b')?.get('image')).toBe('own');
    expect(jobs.get('b')?.get('before_script')).toEqual(['d']);
    expect(jobs.get('b')?.has('after_script')).toBe(false);
    expect([...(jobs.get('c')?.keys() ?? [])]).toEqual(['script', 'inherit']);
  });

  it('gives a job the top-level variables inherit:variables keeps, then its own', () => {
    const p = pipeline({
      variables: { A: 'top', B: 'top', C: 'top' },
      '.base': { variables: { B: 'base' } },
      all: { extends: '.base', script: ['x'], variables: { C: 'own' } },
      some: { script: ['x'], inherit: { variables: ['A'] } },
      none: { script: ['x'], inherit: { variables: false } },
    });
    const variables = new Map(resolveJobs(p).jobs.map((j) => [j.name, Object.fromEntries(j.variables)]));
    expect(variables.get('all')).toEqual({ A: 'top', B: 'base', C: 'own' });
    expect(variables.get('some')).toEqual({ A: 'top' });
    expect(variables.get('none')).toEqual({});
  });
});
