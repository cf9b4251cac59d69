/**
 * Which top-level keys of a pipeline are jobs. Four copies of this list disagreed (the linter's,
 * the runner harness's through it, the component tests' with `types`, the parity tests' with `types`
 * and `pages:deploy`); GitLab decides it in `Gitlab::Ci::Config::Entry::Root` (gitlabhq
 * lib/gitlab/ci/config/entry/root.rb):
 *
 *     ALLOWED_KEYS = %i[default include before_script image services
 *                       after_script variables stages cache workflow].freeze
 *     entry :include, …, reserved: true   (and before_script, image, services, after_script,
 *                                          variables, stages, cache; not default, not workflow)
 *     def filter_jobs!
 *       @jobs_config = @config
 *         .except(*self.class.reserved_nodes_names)
 *         .select { |name, config| Entry::Jobs.find_type(name, config).present? || ALLOWED_KEYS.exclude?(name) }
 *
 * `types:` was a Root entry until GitLab 15.0 removed it (the `types` → `stages` deprecation);
 * `spec:` lives in the header document (`Config::Header::Root`), never in the content; nothing
 * reserves `pages:deploy` (gitlab-ci-local's `illegalJobNames` has a `page:deploy`).
 */
import { describe, expect, it } from 'vitest';

import { defaultFor, extendsOf, isJobEntry, jobsOf, ROOT_KEYWORDS } from '../../../scripts/gitlab/jobs/model.js';
import { fromPlain, type Value, type ValueMap } from '../../../scripts/gitlab/ruby/value.js';

const pipeline = (plain: Record<string, unknown>): ValueMap => fromPlain(plain) as ValueMap;

describe('isJobEntry / jobsOf (Root#filter_jobs!)', () => {
  it('knows exactly the ten Root keys', () => {
    expect([...ROOT_KEYWORDS].sort()).toEqual(['after_script', 'before_script', 'cache', 'default', 'image', 'include', 'services', 'stages', 'variables', 'workflow']);
  });

  it('takes a top-level types:, spec: or pages:deploy mapping for a job', () => {
    const p = pipeline({
      types: { script: 'echo types' },
      spec: { inputs: { a: { default: 1 } } },
      'pages:deploy': { script: 'echo deploy' },
      pages: { script: 'echo pages' },
      build: { script: 'echo build' },
    });
    expect(jobsOf(p).map((job) => job.name)).toEqual(['types', 'spec', 'pages:deploy', 'pages', 'build']);
  });

  it('never takes a reserved keyword for a job, whatever it holds', () => {
    for (const name of ['include', 'before_script', 'image', 'services', 'after_script', 'variables', 'stages', 'cache']) {
      expect(isJobEntry(name, fromPlain({ script: 'echo' }))).toBe(false);
    }
  });

  it('takes default: and workflow: for a job only when they look like one (script:, run: or trigger:)', () => {
    expect(isJobEntry('default', fromPlain({ image: 'alpine' }))).toBe(false);
    expect(isJobEntry('workflow', fromPlain({ rules: [{ when: 'always' }] }))).toBe(false);
    expect(isJobEntry('default', fromPlain({ script: 'echo' }))).toBe(true);
    expect(isJobEntry('workflow', fromPlain({ trigger: 'x/y' }))).toBe(true);
    // A `default:` that is a job gives no defaults.
    expect(defaultFor(pipeline({ default: { script: 'echo', image: 'alpine' } }), 'image')).toBeUndefined();
  });

  it('lists hidden jobs as hidden and skips entries that are not mappings', () => {
    const p = pipeline({ '.tpl': { script: 'echo' }, list: ['a'], j: { script: 'echo' } });
    expect(jobsOf(p).map((job) => [job.name, job.hidden])).toEqual([
      ['.tpl', true],
      ['j', false],
    ]);
  });
});

describe('defaultFor', () => {
  it('takes default: first, then the deprecated top-level keyword, only for keys a job inherits', () => {
    const p = pipeline({ default: { image: 'from-default' }, image: 'top', before_script: ['top'], variables: { A: '1' }, tags: ['top'] });
    expect(defaultFor(p, 'image')).toEqual({ value: 'from-default', path: ['default', 'image'] });
    expect(defaultFor(p, 'before_script')).toEqual({ value: ['top'], path: ['before_script'] });
    // `tags` has no top-level spelling; `variables` is not a default.
    expect(defaultFor(p, 'tags')).toBeUndefined();
    expect(defaultFor(p, 'variables')).toBeUndefined();
  });
});

describe('extendsOf (Extendable::Entry#extends_keys)', () => {
  it.each<[string, Value, string[]]>([
    ['one name', '.a', ['.a']],
    ['a list', ['.a', '.b'], ['.a', '.b']],
    ['nil', null, []],
    ['a number, to_s', 1, ['1']],
  ])('%s', (_name, value, expected) => {
    expect(extendsOf(new Map([['extends', value]]))).toEqual(expected);
  });
});
