/**
 * The release stage of the catalog's own pipeline (`.gitlab-ci.yml`), rendered as
 * test/ci/gitlab-ci.test.ts renders it (`catalog render` in a temporary repository holding the
 * file, `templates/` and `examples/`), then each job's `rules:` decided as GitLab decides them for
 * a pipeline of a given ref: a semver tag's pipeline has `release-check-tag`, the package publish
 * and the `release:` job, a branch's or another tag's has none of them. The release links one input
 * schema per component (as discoverComponents finds them, each a file of the repository) and the
 * package. `rules:changes` of the integration stage is decided with the paths each pipeline
 * changed: docs-only merge requests and pushes skip it, a tag pipeline never does.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEMVER_TAG_PATTERN } from '../../scripts/gitlab/includes/versions.js';
import { discoverComponents } from '../../scripts/catalog/discover.js';
import { evaluateInclusion, type ChangedPaths } from '../../scripts/gitlab/jobs/job-rules.js';
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

type Ref =
  | { readonly tag: string }
  | { readonly branch: string; readonly changed?: readonly string[]; readonly sinceDefault?: readonly string[] }
  | { readonly mergeRequest: string; readonly changed: readonly string[] };

const refName = (ref: Ref): string => ('tag' in ref ? ref.tag : 'branch' in ref ? ref.branch : ref.mergeRequest);

/** GitLab's predefined variables of a pipeline for `ref` (a push, or a merge request's). */
function predefined(ref: Ref): Map<string, string> {
  const variables = new Map([
    ['CI_COMMIT_REF_NAME', refName(ref)],
    ['CI_PIPELINE_SOURCE', 'mergeRequest' in ref ? 'merge_request_event' : 'push'],
    ['CI_DEFAULT_BRANCH', 'main'],
    ['CI_PROJECT_PATH', 'group/catalog'],
    ['CI_REGISTRY_IMAGE', 'registry.gitlab.com/group/catalog'],
  ]);
  if ('tag' in ref) variables.set('CI_COMMIT_TAG', ref.tag);
  else if ('branch' in ref) variables.set('CI_COMMIT_BRANCH', ref.branch);
  else variables.set('CI_MERGE_REQUEST_IID', '1').set('CI_MERGE_REQUEST_SOURCE_BRANCH_NAME', ref.mergeRequest);
  return variables;
}

/**
 * The paths GitLab compares for `ref` (app/models/ci/pipeline.rb): a merge request's changes, a
 * branch push's (none for a new branch: `changed` undefined), none for a tag; with compare_to, the
 * changes since the merge base with the default branch.
 */
function changedPaths(ref: Ref): ChangedPaths {
  return {
    pipeline: () => ('tag' in ref ? undefined : ref.changed),
    since: (compareTo) => (compareTo === 'refs/heads/main' && 'branch' in ref ? (ref.sinceDefault ?? []) : undefined),
  };
}

/** Whether a set of rules lets a pipeline for `ref` have the job (or the pipeline, for workflow:rules). */
function included(ref: Ref, rules: Value | undefined, rest: { only?: Value | undefined; except?: Value | undefined; when?: Value | undefined } = {}, what = 'rules'): boolean {
  const inclusion = evaluateInclusion({
    rules,
    ...rest,
    variables: predefined(ref),
    ref: { ref: refName(ref), tag: 'tag' in ref, source: 'mergeRequest' in ref ? 'merge_request_event' : 'push' },
    changes: changedPaths(ref),
  });
  expect(inclusion.errors, what).toEqual([]);
  return inclusion.when !== 'never';
}

/** The visible jobs of the rendered pipeline that run in a pipeline for `ref`. */
function jobsFor(ref: Ref): string[] {
  if (!content) throw new Error('the pipeline was not rendered');
  const workflow = content.get('workflow');
  expect(included(ref, isValueMap(workflow ?? null) ? (workflow as ValueMap).get('rules') : undefined, {}, 'workflow:rules'), `workflow:rules refuse a pipeline for ${refName(ref)}`).toBe(true);
  const resolver = new JobResolver(content);
  return jobsOf(content)
    .filter((job) => !job.hidden)
    .filter((job) => {
      const get = (key: string): Value | undefined => resolver.get(job.name, key)?.value;
      return included(ref, get('rules'), { only: get('only'), except: get('except'), when: get('when') }, `${job.name}: rules`);
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
    const { assets: _assets, ...keys } = isValueMap(release ?? null) ? Object.fromEntries(release as ValueMap) : {};
    expect(keys).toEqual({
      tag_name: '$CI_COMMIT_TAG',
      name: '$CI_COMMIT_TAG',
      description: 'release-notes.md',
    });
    expect(field('create-release', 'needs')).toEqual(['release-check-tag', 'publish-cli-package']);
    expect(field('release-check-tag', 'script')).toContain('node dist/scripts/cli/main.js release check-tag "$CI_COMMIT_TAG" --notes release-notes.md');
    const artifacts = field('release-check-tag', 'artifacts');
    expect(isValueMap(artifacts ?? null) ? (artifacts as ValueMap).get('paths') : undefined).toEqual(['release-notes.md']);
  });

  it('runs release-check-tag and the release job in the pipeline of tag 1.0.0, after the other stages', () => {
    const jobs = jobsFor({ tag: '1.0.0' });
    expect(jobs).toContain('release-check-tag');
    expect(jobs).toContain('create-release');
    expect(jobs).toContain('publish-cli-package');
    expect(jobs).toContain('test');
    expect(field('create-release', 'stage')).toBe('release');
    expect(content?.get('stages')).toEqual(['test', 'verify', 'integration', 'release']);
  });

  it('runs neither in the pipeline of a branch', () => {
    const jobs = jobsFor({ branch: 'main' });
    expect(jobs).toContain('test');
    expect(jobs).not.toContain('release-check-tag');
    expect(jobs).not.toContain('publish-cli-package');
    expect(jobs.filter((job) => releaseJobs().includes(job))).toEqual([]);
  });

  it.each(['1.0.0', 'v1.2.3', '1.3.0-rc.0', 'v2.0.0-beta.1+build.5', '1.0', '01.0.0', 'v1', 'release-1', 'latest', '1.0.0.0', 'V1.0.0'])(
    'creates a release for tag %s exactly when GitLab would publish it as a version',
    (tag) => {
      const jobs = jobsFor({ tag });
      expect(jobs.includes('create-release')).toBe(SEMVER_TAG_PATTERN.test(tag));
      expect(jobs.includes('release-check-tag')).toBe(SEMVER_TAG_PATTERN.test(tag));
      expect(jobs.includes('publish-cli-package')).toBe(SEMVER_TAG_PATTERN.test(tag));
    },
  );
});

const mapOf = (value: Value | undefined): ValueMap => (isValueMap(value ?? null) ? (value as ValueMap) : new Map());
const LINK_TYPES = ['other', 'runbook', 'image', 'package'];
const RAW_AT_TAG = '$CI_PROJECT_URL/-/raw/$CI_COMMIT_TAG/';

describe(`${PIPELINE}: what the release links`, () => {
  const links = (): ValueMap[] => {
    const list = mapOf(mapOf(field('create-release', 'release')).get('assets')).get('links');
    return (Array.isArray(list) ? list : []).map(mapOf);
  };

  it('links the input schema of every component, at the tag, each a file of the repository', async () => {
    const components = (await discoverComponents(REPO_ROOT)).map((c) => c.name);
    expect(components.length).toBeGreaterThan(0);
    const urls = links().map((link) => String(link.get('url')));
    for (const name of components) {
      expect(urls, `no release link to the input schema of ${name}`).toContain(`${RAW_AT_TAG}docs/schemas/${name}.inputs.schema.json`);
    }
    for (const url of urls.filter((u) => u.startsWith(RAW_AT_TAG))) {
      expect(existsSync(path.join(REPO_ROOT, url.slice(RAW_AT_TAG.length))), `${url} names no file of the repository`).toBe(true);
    }
  });

  it('links the CLI package by the tarball URL publish-cli-package reports, every link named once with a GitLab link_type', () => {
    const all = links();
    const names = all.map((link) => link.get('name'));
    expect(new Set(names).size).toBe(names.length);
    for (const link of all) expect(LINK_TYPES, String(link.get('name'))).toContain(link.get('link_type'));
    const packages = all.filter((link) => link.get('link_type') === 'package');
    expect(packages.map((link) => link.get('url'))).toEqual(['$CATALOG_PACKAGE_TARBALL']);
    const script = flatScript('publish-cli-package');
    expect(script).toMatch(/CATALOG_PACKAGE_TARBALL=%s[^>]*> cli-package\.env/);
    expect(mapOf(mapOf(field('publish-cli-package', 'artifacts')).get('reports')).get('dotenv')).toBe('cli-package.env');
  });
});

/** The job's script items joined, as one shell runs them. */
function flatScript(job: string): string {
  const items = field(job, 'script');
  return (Array.isArray(items) ? items.flat(9) : [items]).filter((i): i is string => typeof i === 'string').join('\n');
}

describe(`${PIPELINE}: the CLI package in the project's package registry`, () => {
  it('publishes to the project endpoint the version of the tag, pre-releases under a dist-tag other than latest', () => {
    const script = flatScript('publish-cli-package');
    expect(script).toContain('registry="$CI_API_V4_URL/projects/$CI_PROJECT_ID/packages/npm/"');
    expect(script).toContain('version=${CI_COMMIT_TAG#v}');
    expect(script).toMatch(/npm version "\$version" --no-git-tag-version/);
    expect(script).toMatch(/\*-\*\) dist_tag=(?!latest)[a-z]+ ;;/);
    expect(script).toMatch(/npm publish [^\n]*--registry "\$registry" --tag "\$dist_tag"/);
  });

  it('gives npm the job token through a 0600 .npmrc outside the project, never on a command line, in a log or an artifact', () => {
    const script = flatScript('publish-cli-package');
    const uses = script.split('\n').filter((line) => line.includes('CI_JOB_TOKEN') && !line.trim().startsWith('#'));
    // The one use: the .npmrc line names the variable in single quotes, for npm to expand.
    expect(uses).toHaveLength(1);
    expect(uses[0]).toContain(`printf '//%s:_authToken=\${CI_JOB_TOKEN}\\n' "\${registry#*://}" > "$npmrc"`);
    expect(script.indexOf('chmod 600 "$npmrc"')).toBeGreaterThan(script.indexOf('npmrc=$(mktemp)'));
    expect(script.indexOf('chmod 600 "$npmrc"')).toBeLessThan(script.indexOf('> "$npmrc"'));
    expect(script).toContain(`trap 'rm -f "$npmrc"' EXIT`);
    const artifacts = mapOf(field('publish-cli-package', 'artifacts'));
    expect([...artifacts.keys()]).toEqual(['reports']);
    expect([...mapOf(artifacts.get('reports')).keys()]).toEqual(['dotenv']);
  });

  it('skips a version already published with the same tarball and fails on another, naming the version', () => {
    const script = flatScript('publish-cli-package');
    expect(script).toMatch(/npm view "\$name@\$version" dist\.integrity/);
    expect(script).toContain('a published version is never replaced');
    expect(script).toMatch(/not published again/);
  });
});

describe(`${PIPELINE}: rules:changes of the integration stage`, () => {
  const integration = (ref: Ref): string[] => jobsFor(ref).filter((job) => field(job, 'stage') === 'integration');
  const DOCS = ['README.md', 'docs/runners.md', 'CHANGELOG.md', 'CONTRIBUTING.md'];

  it('leaves the integration stage out of a merge request that changes only documentation, keeping the checks', () => {
    const ref = { mergeRequest: 'docs-typo', changed: DOCS };
    expect(integration(ref)).toEqual([]);
    expect(jobsFor(ref)).toEqual(expect.arrayContaining(['test', 'validate-catalog', 'lint-reports']));
  });

  it('runs it for a merge request that changes a component', () => {
    const jobs = integration({ mergeRequest: 'fix', changed: ['README.md', 'components/buildx-ecr/build.sh'] });
    expect(jobs).toEqual(expect.arrayContaining(['integration-buildx-ecr', 'integration-podman-amd64', 'integration-podman-verify']));
  });

  it('runs it in every tag pipeline, whatever changed', () => {
    expect(integration({ tag: '1.0.0' })).toEqual(expect.arrayContaining(['integration-buildx-ecr', 'integration-podman-verify']));
  });

  it('on the default branch, compares the push; elsewhere, the changes since the default branch (also for a new branch)', () => {
    expect(integration({ branch: 'main', changed: DOCS })).toEqual([]);
    expect(integration({ branch: 'main', changed: ['templates/ecr-login.yml'] })).toContain('integration-buildx-ecr');
    // A new branch: no push diff; compare_to decides.
    expect(integration({ branch: 'docs', sinceDefault: DOCS })).toEqual([]);
    expect(integration({ branch: 'feature', sinceDefault: ['examples/buildx-ecr/app/Dockerfile'] })).toContain('integration-buildx-ecr');
    expect(integration({ branch: 'feature', changed: DOCS, sinceDefault: ['.gitlab-ci.yml'] })).toContain('integration-buildx-ecr');
  });
});
