/**
 * `rules:changes` in `evaluateInclusion`, case by case from GitLab's
 * `lib/gitlab/ci/build/rules/rule/clause/changes.rb` and the pipeline's changed paths
 * (`app/models/ci/pipeline.rb`): nothing to compare holds, no changed path or no glob does not,
 * `compare_to` diffs from its merge base and names a ref or fails with GitLab's text, globs and
 * `compare_to` are expanded with the job's variables, and `changes:` is `changes:paths:`.
 */
import { describe, expect, it } from 'vitest';
import { COMPARE_TO_NOT_A_REF, evaluateInclusion, type ChangedPaths } from '../../../scripts/gitlab/jobs/job-rules.js';
import type { Value } from '../../../scripts/gitlab/ruby/value.js';

const map = (entries: Record<string, Value>): Map<string, Value> => new Map(Object.entries(entries));
const REF = { ref: 'feature', tag: false, source: 'push' };

/** The changed paths of a pipeline: `pushed` for the pipeline itself, `since` per compare_to ref. */
function paths(pushed: readonly string[] | undefined, since: Record<string, readonly string[]> = {}): ChangedPaths & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    pipeline: () => pushed,
    since: (ref) => {
      asked.push(ref);
      return since[ref];
    },
  };
}

function decide(changes: Value, changed: ChangedPaths, variables: Record<string, string> = {}) {
  return evaluateInclusion({ rules: [map({ changes })], variables: new Map(Object.entries(variables)), ref: REF, changes: changed });
}

describe('evaluateInclusion: rules:changes', () => {
  it('holds when a changed path matches a glob, and not otherwise', () => {
    expect(decide(['components/**/*'], paths(['components/a/template.yml'])).when).toBe('on_success');
    expect(decide(['components/**/*'], paths(['README.md', 'docs/a.md'])).when).toBe('never');
  });

  it('holds when GitLab has no paths to compare (a new branch, a tag, a schedule)', () => {
    expect(decide(['components/**/*'], paths(undefined)).when).toBe('on_success');
  });

  it('does not hold when no path changed, or when there is no glob', () => {
    expect(decide(['**/*'], paths([])).when).toBe('never');
    expect(decide([], paths(['README.md'])).when).toBe('never');
  });

  it('reads changes:paths as changes, and compares with the merge base of compare_to, its variables expanded', () => {
    const changed = paths(['README.md'], { 'refs/heads/main': ['templates/a.yml'] });
    const inclusion = decide(map({ paths: ['templates/*.yml'], compare_to: 'refs/heads/$CI_DEFAULT_BRANCH' }), changed, { CI_DEFAULT_BRANCH: 'main' });
    expect(changed.asked).toEqual(['refs/heads/main']);
    expect(inclusion.when).toBe('on_success');
    expect(decide(map({ paths: ['templates/*.yml'] }), paths(['README.md'])).when).toBe('never');
  });

  it('fails with GitLab\'s text when compare_to names no commit', () => {
    const inclusion = decide(map({ paths: ['**/*'], compare_to: 'no-such-ref' }), paths(['a']));
    expect(inclusion.errors).toEqual([COMPARE_TO_NOT_A_REF]);
    expect(COMPARE_TO_NOT_A_REF).toBe('rules:changes:compare_to is not a valid ref');
  });

  it('expands the globs with the job variables, leaving unknown ones as written', () => {
    expect(decide(['$DIR/**/*'], paths(['helm/x.yaml']), { DIR: 'helm' }).when).toBe('on_success');
    expect(decide(['$DIR/**/*'], paths(['helm/x.yaml'])).when).toBe('never');
  });

  it('needs every clause of the rule: if and changes together', () => {
    const rules = [map({ if: '$CI_COMMIT_TAG', changes: ['**/*'] })];
    expect(evaluateInclusion({ rules, variables: new Map(), ref: REF, changes: paths(['a']) }).when).toBe('never');
    expect(evaluateInclusion({ rules, variables: new Map([['CI_COMMIT_TAG', '1.0.0']]), ref: REF, changes: paths(['a']) }).when).toBe('on_success');
  });

  it('assumes a match past GitLab\'s 50,000 pattern comparisons', () => {
    const many = Array.from({ length: 50_001 }, (_, i) => `docs/${i}.md`);
    expect(decide(['components/**/*'], paths(many)).when).toBe('on_success');
    expect(decide(['components/**/*'], paths(many.slice(0, 50_000))).when).toBe('never');
  });
});
