/**
 * The release stage of the catalog's own pipeline (`.gitlab-ci.yml`), rendered as
 * test/ci/gitlab-ci.test.ts renders it (`catalog render` in a temporary repository holding the
 * file, `templates/` and `examples/`), then each job's `rules:` decided as GitLab decides them for
 * a pipeline of a given ref: a semver tag's pipeline has `release-check-tag` and the `release:`
 * job, a branch's or another tag's has neither.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEMVER_TAG_PATTERN } from '../../scripts/gitlab/includes/versions.js';
import { evaluateInclusion } from '../../scripts/gitlab/jobs/job-rules.js';
import { JobResolver } from '../../scripts/gitlab/jobs/located.js';
import { jobsOf } from '../../scripts/gitlab/jobs/model.js';
import { isValueMap, type Value, type ValueMap } from '../../scripts/gitlab/ruby/value.js';
import { REPO_ROOT } from '../helpers/cli.js';
import { catalogRepo, parseYaml, renderExample } from '../components/catalog.js';
import type { FixtureRepo } from '../helpers/fixture-repo.js';

const PIPELINE = '.gitlab-ci.yml';
let repo: FixtureRepo | undefined;
let content: ValueMap | undefined;

beforeAll(async () => {
  const made = await catalogRepo(REPO_ROOT);
  repo = made.repo;
  await repo.write(PIPELINE, readFileSync(path.join(REPO_ROOT, PIPELINE), 'utf8'));
  await repo.commit('pipeline');
  const result = await renderExample(repo.dir, PIPELINE);
  if (result.code !== 0) throw new Error(`catalog render ${PIPELINE} failed (exit ${result.code}):\n${result.stderr}`);
  const parsed = parseYaml(result.stdout, `${PIPELINE} (rendered)`);
  if (!isValueMap(parsed)) throw new Error(`${PIPELINE} renders to no mapping`);
  content = parsed;
});

afterAll(async () => {
  await repo?.cleanup();
});

type Ref = { readonly tag: string } | { readonly branch: string };

/** GitLab's predefined variables of a push pipeline for `ref`. */
function predefined(ref: Ref): Map<string, string> {
  const name = 'tag' in ref ? ref.tag : ref.branch;
  const variables = new Map([
    ['CI_COMMIT_REF_NAME', name],
    ['CI_PIPELINE_SOURCE', 'push'],
    ['CI_DEFAULT_BRANCH', 'main'],
    ['CI_PROJECT_PATH', 'group/catalog'],
  ]);
  variables.set('tag' in ref ? 'CI_COMMIT_TAG' : 'CI_COMMIT_BRANCH', name);
  return variables;
}

/** The visible jobs of the rendered pipeline that run in a pipeline for `ref`. */
function jobsFor(ref: Ref): string[] {
  if (!content) throw new Error('the pipeline was not rendered');
  const resolver = new JobResolver(content);
  const variables = predefined(ref);
  return jobsOf(content)
    .filter((job) => !job.hidden)
    .filter((job) => {
      const get = (key: string): Value | undefined => resolver.get(job.name, key)?.value;
      const inclusion = evaluateInclusion({
        rules: get('rules'),
        only: get('only'),
        except: get('except'),
        when: get('when'),
        variables,
        ref: { ref: 'tag' in ref ? ref.tag : ref.branch, tag: 'tag' in ref, source: 'push' },
      });
      expect(inclusion.errors, `${job.name}: rules`).toEqual([]);
      return inclusion.when !== 'never';
    })
    .map((job) => job.name);
}

/** The jobs that create a GitLab release (the `release:` keyword). */
function releaseJobs(): string[] {
  if (!content) throw new Error('the pipeline was not rendered');
  const resolver = new JobResolver(content);
  return jobsOf(content)
    .filter((job) => !job.hidden && resolver.get(job.name, 'release') !== undefined)
    .map((job) => job.name);
}

const field = (job: string, key: string): Value | undefined => (content ? new JobResolver(content).get(job, key)?.value : undefined);

describe(`${PIPELINE}: the release stage`, () => {
  it('has one release job: the GitLab CLI image pinned by version, the tag, its CHANGELOG section as description, after release-check-tag', () => {
    expect(releaseJobs()).toEqual(['create-release']);
    expect(field('create-release', 'image')).toMatch(/^registry\.gitlab\.com\/gitlab-org\/cli:v\d+\.\d+\.\d+(@sha256:[0-9a-f]{64})?$/);
    const release = field('create-release', 'release');
    expect(isValueMap(release ?? null) ? Object.fromEntries(release as ValueMap) : release).toEqual({
      tag_name: '$CI_COMMIT_TAG',
      name: '$CI_COMMIT_TAG',
      description: 'release-notes.md',
    });
    expect(field('create-release', 'needs')).toEqual(['release-check-tag']);
    expect(field('release-check-tag', 'script')).toContain('node dist/scripts/cli/main.js release check-tag "$CI_COMMIT_TAG" --notes release-notes.md');
    const artifacts = field('release-check-tag', 'artifacts');
    expect(isValueMap(artifacts ?? null) ? (artifacts as ValueMap).get('paths') : undefined).toEqual(['release-notes.md']);
  });

  it('runs release-check-tag and the release job in the pipeline of tag 1.0.0, after the other stages', () => {
    const jobs = jobsFor({ tag: '1.0.0' });
    expect(jobs).toContain('release-check-tag');
    expect(jobs).toContain('create-release');
    expect(jobs).toContain('test');
    expect(field('create-release', 'stage')).toBe('release');
    expect(content?.get('stages')).toEqual(['test', 'verify', 'integration', 'release']);
  });

  it('runs neither in the pipeline of a branch', () => {
    const jobs = jobsFor({ branch: 'main' });
    expect(jobs).toContain('test');
    expect(jobs).not.toContain('release-check-tag');
    expect(jobs.filter((job) => releaseJobs().includes(job))).toEqual([]);
  });

  it.each(['1.0.0', 'v1.2.3', '1.3.0-rc.0', 'v2.0.0-beta.1+build.5', '1.0', '01.0.0', 'v1', 'release-1', 'latest', '1.0.0.0', 'V1.0.0'])(
    'creates a release for tag %s exactly when GitLab would publish it as a version',
    (tag) => {
      const jobs = jobsFor({ tag });
      expect(jobs.includes('create-release')).toBe(SEMVER_TAG_PATTERN.test(tag));
      expect(jobs.includes('release-check-tag')).toBe(SEMVER_TAG_PATTERN.test(tag));
    },
  );
});
