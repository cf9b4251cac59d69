/**
 * The renderer with a test-local loader (the content document, unchanged), against a real git
 * repository. Expected values follow GitLab's Processor/Mapper/InstancePath behaviour.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../../scripts/core/diagnostic.js';
import { toPlain, type Value, type ValueMap } from '../../../scripts/gitlab/ruby/value.js';
import type { LoadError, LoadOptions, LoadResult } from '../../../scripts/gitlab/component/load.js';
import {
  findComponentIncludes,
  includeEntries,
  prepareRender,
  renderPipeline,
  resolveCommitContext,
  type ComponentLoader,
  type RenderContext,
  type RenderOutcome,
} from '../../../scripts/gitlab/includes/processor.js';
import { parseYamlDocuments, type ParsedDocument } from '../../../scripts/gitlab/yaml/psych.js';
import { createRepo, type FixtureRepo } from '../../helpers/fixture-repo.js';

interface LoaderCall {
  readonly file: string;
  readonly options: LoadOptions;
}

/** Returns the last document as content, like GitLab for a file without interpolation blocks. */
function contentLoader(calls: LoaderCall[] = []): ComponentLoader {
  return (text, file, options) => {
    calls.push({ file, options });
    const docs = parseYamlDocuments(text, file).documents.filter((d) => d.value !== null);
    const last = docs[docs.length - 1];
    return { ok: true, content: last?.value ?? new Map(), hasHeader: docs.length > 1 };
  };
}

const component = (body: string) => `spec:\n  inputs:\n    stage:\n      default: test\n---\n${body}`;

const doc = (text: string): ParsedDocument => {
  const parsed = parseYamlDocuments(text, 'pipeline.yml');
  const first = parsed.documents[0];
  if (!first) throw new Error('no document');
  return first;
};

/** JSON text keeps key order, so comparing it checks the merge order too. */
const ordered = (value: Value) => JSON.stringify(toPlain(value));
const json = (value: unknown) => JSON.stringify(value);

let repo: FixtureRepo;
const commits: Record<string, string> = {};

beforeAll(async () => {
  repo = await createRepo('catalog-render-');
  for (const tag of ['1.0.0', '1.1.0', '1.2.0-rc.1', 'v2.0.0']) {
    await repo.write('README.md', `# catalog ${tag}\n`);
    await repo.write('templates/build.yml', component(`build:\n  stage: test\n  script:\n    - echo build ${tag}\n`));
    await repo.write('templates/deploy/template.yml', component(`deploy:\n  script: echo deploy ${tag}\n`));
    // Both layouts: the single file wins.
    await repo.write('templates/both.yml', 'simple: true\n');
    await repo.write('templates/both/template.yml', 'complex: true\n');
    // A blank single file is not "present": the directory layout is used.
    await repo.write('templates/blank.yml', '  \n');
    await repo.write('templates/blank/template.yml', 'from-directory: true\n');
    await repo.write('templates/nothing.yml', component('{}\n'));
    commits[tag] = await repo.commit(`release ${tag}`);
    repo.git('tag', tag);
  }
  // Unreleased work on main.
  await repo.write('templates/build.yml', component('build:\n  stage: test\n  script:\n    - echo build main\n'));
  await repo.write('templates/defaults.yml', 'default:\n  image: alpine\n  tags: [small]\nvariables:\n  A: from-defaults\n  B: from-defaults\n');
  await repo.write('templates/overrides.yml', 'default:\n  image: debian\n  retry: 2\nvariables:\n  B: from-overrides\n');
  await repo.write(
    'templates/nested.yml',
    [
      'include:',
      '  - component: $CI_SERVER_FQDN/$CI_PROJECT_PATH/defaults@$CI_COMMIT_SHA',
      '  - local: ci/shared.yml',
      '  - ci/string-local.yml',
      '  - remote: https://example.com/ci.yml',
      'variables:',
      '  A: from-nested',
      'nested-job:',
      '  script: echo nested',
      '',
    ].join('\n'),
  );
  await repo.write('templates/loop.yml', 'include:\n  - component: gitlab.com/group/catalog/loop@main\nloop: true\n');
  commits['main'] = await repo.commit('unreleased');
  repo.git('checkout', '--quiet', '-b', 'feature', commits['1.0.0'] as string);
  await repo.write('templates/build.yml', component('build:\n  stage: test\n  script:\n    - echo build feature\n'));
  commits['feature'] = await repo.commit('feature');
  repo.git('checkout', '--quiet', 'main');
});

afterAll(async () => {
  await repo.cleanup();
});

async function context(loader: ComponentLoader = contentLoader(), sha?: string): Promise<RenderContext> {
  return prepareRender(repo.dir, { projectPath: 'group/catalog', serverFqdn: 'gitlab.com', loader, sha });
}

async function render(text: string, loader?: ComponentLoader, sha?: string): Promise<RenderOutcome> {
  return renderPipeline(text, 'pipeline.yml', await context(loader, sha));
}

async function rendered(text: string, loader?: ComponentLoader, sha?: string): Promise<ValueMap> {
  const outcome = await render(text, loader, sha);
  if (!outcome.ok) throw new Error(`render failed: ${outcome.diagnostics.map((d) => d.message).join('; ')}`);
  return outcome.value as ValueMap;
}

async function failures(text: string, loader?: ComponentLoader): Promise<Diagnostic[]> {
  const outcome = await render(text, loader);
  if (outcome.ok) throw new Error('render succeeded');
  return [...outcome.diagnostics];
}

const brief = (d: Diagnostic) => `${d.start.line}:${d.start.column} ${d.message}`;

describe('includeEntries / findComponentIncludes', () => {
  it('wraps a single include and drops null items (Array.wrap(...).compact)', () => {
    expect(includeEntries(doc('include: a.yml\n').value)).toEqual([{ path: ['include'], value: 'a.yml' }]);
    expect(includeEntries(doc('include:\n  - a.yml\n  -\n  - b.yml\n').value).map((e) => e.path)).toEqual([
      ['include', 0],
      ['include', 2],
    ]);
    expect(includeEntries(doc('include:\njob: {}\n').value)).toEqual([]);
    expect(includeEntries(doc('job: {}\n').value)).toEqual([]);
  });

  it('returns each component include with its address, inputs and positions', () => {
    const text = [
      'include:',
      '  - local: ci/a.yml',
      '  - component: $CI_SERVER_FQDN/$CI_PROJECT_PATH/build@1.0.0',
      '    inputs:',
      '      stage: lint',
      '      flag: true',
      '  - ci/b.yml',
      '  - component: gitlab.com/other/project/x@2',
      '',
    ].join('\n');
    const found = findComponentIncludes(doc(text));
    expect(found.map((c) => [c.path, c.address])).toEqual([
      [['include', 1], '$CI_SERVER_FQDN/$CI_PROJECT_PATH/build@1.0.0'],
      [['include', 3], 'gitlab.com/other/project/x@2'],
    ]);
    const [first, second] = found;
    expect(toPlain(first?.inputs as Value)).toEqual({ stage: 'lint', flag: true });
    expect(first?.locations.component?.start).toEqual({ line: 3, column: 16 });
    expect(first?.locations.inputs?.start).toEqual({ line: 4, column: 5 });
    expect(first?.locations.inputKeys.get('stage')?.start).toEqual({ line: 5, column: 7 });
    expect(first?.locations.inputKeys.get('flag')?.start).toEqual({ line: 6, column: 7 });
    expect(first?.locations.entry?.start).toEqual({ line: 3, column: 5 });
    expect(second?.inputs).toBeUndefined();
    expect(second?.locations.inputs).toBeUndefined();
  });

  it('finds a single component hash', () => {
    const found = findComponentIncludes(doc('include:\n  component: gitlab.com/g/p/c@1\n'));
    expect(found.map((c) => [c.path, c.address, c.locations.component?.start])).toEqual([
      [['include'], 'gitlab.com/g/p/c@1', { line: 2, column: 14 }],
    ]);
  });
});

describe('renderPipeline: include shapes and addresses', () => {
  it('expands a single component hash and drops include:', async () => {
    const value = await rendered('include:\n  component: gitlab.com/group/catalog/build@1.0.0\nstages: [test]\n');
    expect(ordered(value)).toBe(json({ build: { stage: 'test', script: ['echo build 1.0.0'] }, stages: ['test'] }));
  });

  it('expands $CI_SERVER_FQDN / ${CI_PROJECT_PATH} and a literal address alike', async () => {
    for (const address of [
      '$CI_SERVER_FQDN/$CI_PROJECT_PATH/build@1.1.0',
      '${CI_SERVER_FQDN}/${CI_PROJECT_PATH}/build@1.1.0',
      'gitlab.com/group/catalog/build@1.1.0',
      'gitlab.com/Group/Catalog/build@1.1.0',
    ]) {
      const value = await rendered(`include:\n  - component: ${address}\n`);
      expect(ordered(value)).toBe(json({ build: { stage: 'test', script: ['echo build 1.1.0'] } }));
    }
  });

  it('uses templates/<name>.yml, else templates/<name>/template.yml', async () => {
    expect(ordered(await rendered('include:\n  - component: gitlab.com/group/catalog/deploy@1.0.0\n'))).toBe(
      json({ deploy: { script: 'echo deploy 1.0.0' } }),
    );
    expect(ordered(await rendered('include:\n  - component: gitlab.com/group/catalog/both@1.0.0\n'))).toBe(json({ simple: true }));
    expect(ordered(await rendered('include:\n  - component: gitlab.com/group/catalog/blank@1.0.0\n'))).toBe(
      json({ 'from-directory': true }),
    );
  });

  it('passes the inputs, the variables and the component context to the loader', async () => {
    const calls: LoaderCall[] = [];
    await rendered(
      'include:\n  - component: gitlab.com/group/catalog/build@1\n    inputs:\n      stage: lint\n  - component: gitlab.com/group/catalog/deploy@1.0.0\n',
      contentLoader(calls),
    );
    expect(calls.map((c) => c.file)).toEqual(['templates/build.yml', 'templates/deploy/template.yml']);
    expect(toPlain(calls[0]?.options.inputs as Value)).toEqual({ stage: 'lint' });
    expect(calls[0]?.options.component).toEqual({ name: 'build', sha: commits['1.1.0'], version: '1.1.0', reference: '1' });
    // No inputs: key at all is GitLab's nil, not an empty hash.
    expect(calls[1]?.options).not.toHaveProperty('inputs');
    expect(calls[1]?.options.variables?.find((v) => v.key === 'CI_PROJECT_PATH')?.value).toBe('group/catalog');
  });

  it('expands variables in a string inputs: value (VariablesExpander) before the loader sees it', async () => {
    const calls: LoaderCall[] = [];
    await rendered('include:\n  - component: gitlab.com/group/catalog/build@1.0.0\n    inputs: $CI_PROJECT_PATH\n', contentLoader(calls));
    expect(calls[0]?.options.inputs).toBe('group/catalog');
  });
});

describe('renderPipeline: version forms', () => {
  const contextFor = async (reference: string, sha?: string) => {
    const calls: LoaderCall[] = [];
    const value = await rendered(`include:\n  - component: $CI_SERVER_FQDN/$CI_PROJECT_PATH/build@${reference}\n`, contentLoader(calls), sha);
    return { component: calls[0]?.options.component, script: toPlain(value) };
  };

  it('full semver, partial versions, ~latest, pre-release, branch and SHA', async () => {
    expect((await contextFor('1.0.0')).component).toEqual({ name: 'build', sha: commits['1.0.0'], version: '1.0.0', reference: '1.0.0' });
    expect((await contextFor('1')).component).toEqual({ name: 'build', sha: commits['1.1.0'], version: '1.1.0', reference: '1' });
    expect((await contextFor('1.0')).component).toEqual({ name: 'build', sha: commits['1.0.0'], version: '1.0.0', reference: '1.0' });
    expect((await contextFor('~latest')).component).toEqual({ name: 'build', sha: commits['v2.0.0'], version: 'v2.0.0', reference: '~latest' });
    expect((await contextFor('1.2.0-rc.1')).component).toEqual({
      name: 'build',
      sha: commits['1.2.0-rc.1'],
      version: '1.2.0-rc.1',
      reference: '1.2.0-rc.1',
    });
    expect((await contextFor('feature')).component).toEqual({ name: 'build', sha: commits['feature'], version: null, reference: 'feature' });
    const sha = commits['1.1.0'] as string;
    expect((await contextFor(sha)).component).toEqual({ name: 'build', sha, version: null, reference: sha });
  });

  it('reads the component at the resolved revision', async () => {
    expect((await contextFor('feature')).script).toEqual({ build: { stage: 'test', script: ['echo build feature'] } });
    expect((await contextFor('1')).script).toEqual({ build: { stage: 'test', script: ['echo build 1.1.0'] } });
    expect((await contextFor('main')).script).toEqual({ build: { stage: 'test', script: ['echo build main'] } });
  });

  it('$CI_COMMIT_SHA is HEAD by default, or the --sha revision', async () => {
    const head = await contextFor('$CI_COMMIT_SHA');
    expect(head.component).toEqual({ name: 'build', sha: commits['main'], version: null, reference: commits['main'] });
    const old = await contextFor('$CI_COMMIT_SHA', '1.0.0');
    expect(old.component).toEqual({ name: 'build', sha: commits['1.0.0'], version: null, reference: commits['1.0.0'] });
    expect(old.script).toEqual({ build: { stage: 'test', script: ['echo build 1.0.0'] } });
  });

  it('$CI_COMMIT_TAG / $CI_COMMIT_REF_NAME follow the --sha ref name', async () => {
    const tagged = await contextFor('$CI_COMMIT_TAG', '1.1.0');
    expect(tagged.component).toEqual({ name: 'build', sha: commits['1.1.0'], version: '1.1.0', reference: '1.1.0' });
    const branch = await contextFor('$CI_COMMIT_REF_NAME');
    expect(branch.component).toEqual({ name: 'build', sha: commits['main'], version: null, reference: 'main' });
  });

  it('never reads the work tree', async () => {
    await repo.write('templates/build.yml', component('build:\n  script:\n    - echo UNCOMMITTED\n'));
    await repo.write('templates/untracked.yml', 'untracked: true\n');
    try {
      expect((await contextFor('$CI_COMMIT_SHA')).script).toEqual({ build: { stage: 'test', script: ['echo build main'] } });
      const errors = await failures('include:\n  - component: gitlab.com/group/catalog/untracked@$CI_COMMIT_SHA\n');
      const [message] = errors.map((d) => d.message);
      expect(message).toMatch(new RegExp(`^Component 'gitlab\\.com/group/catalog/untracked@${commits['main']}' - content not found; components of group/catalog at ${commits['main']?.slice(0, 7)}, nearest first: `));
      // The committed components are listed; the untracked one is not.
      expect(message).not.toMatch(/nearest first: .*untracked/);
    } finally {
      repo.git('checkout', '--quiet', '--', 'templates/build.yml');
      await repo.remove('templates/untracked.yml');
    }
  });
});

describe('resolveCommitContext', () => {
  it('defaults to HEAD on the current branch', async () => {
    expect(await resolveCommitContext(repo.dir)).toEqual({ sha: commits['main'], refName: 'main', branch: 'main' });
  });

  it('names a tag or branch given as the revision, and uses the SHA otherwise', async () => {
    expect(await resolveCommitContext(repo.dir, 'v2.0.0')).toEqual({ sha: commits['v2.0.0'], refName: 'v2.0.0', tag: 'v2.0.0' });
    expect(await resolveCommitContext(repo.dir, 'feature')).toEqual({ sha: commits['feature'], refName: 'feature', branch: 'feature' });
    const sha = commits['1.0.0'] as string;
    expect(await resolveCommitContext(repo.dir, sha.slice(0, 9))).toEqual({ sha, refName: sha });
  });

  it('refuses an unknown revision', async () => {
    await expect(resolveCommitContext(repo.dir, 'nope')).rejects.toThrow("--sha: unknown revision 'nope'");
  });
});

describe('renderPipeline: merge order (Processor#perform)', () => {
  it('merges included files in order, then the including file on top; arrays are replaced', async () => {
    const text = [
      'include:',
      '  - component: gitlab.com/group/catalog/defaults@main',
      '  - component: gitlab.com/group/catalog/overrides@main',
      'variables:',
      '  C: from-pipeline',
      '  A: from-pipeline',
      'default:',
      '  tags: [large]',
      'job:',
      '  script: echo job',
      '',
    ].join('\n');
    const value = await rendered(text);
    expect(ordered(value)).toBe(
      json({
        default: { image: 'debian', tags: ['large'], retry: 2 },
        variables: { A: 'from-pipeline', B: 'from-overrides', C: 'from-pipeline' },
        job: { script: 'echo job' },
      }),
    );
  });

  it('the later include wins over the earlier one', async () => {
    const value = await rendered(
      'include:\n  - component: gitlab.com/group/catalog/overrides@main\n  - component: gitlab.com/group/catalog/defaults@main\n',
    );
    expect(ordered(value)).toBe(
      json({ default: { image: 'alpine', retry: 2, tags: ['small'] }, variables: { B: 'from-defaults', A: 'from-defaults' } }),
    );
  });

  it('the same component twice with different inputs merges both (same job keys collapse)', async () => {
    const value = await rendered(
      'include:\n  - component: gitlab.com/group/catalog/build@1.0.0\n  - component: gitlab.com/group/catalog/build@v2.0.0\n',
    );
    expect(ordered(value)).toBe(json({ build: { stage: 'test', script: ['echo build v2.0.0'] } }));
  });
});

describe('renderPipeline: includes left for GitLab', () => {
  it('keeps non-component includes and other projects’ components in an include: list, with a note each', async () => {
    const text = [
      'include:',
      '  - local: ci/local.yml',
      '  - ci/string.yml',
      '  - component: gitlab.com/group/catalog/build@1.0.0',
      '  - project: group/other',
      '    file: ci/x.yml',
      '    ref: main',
      '  - remote: https://example.com/ci.yml',
      '  - template: Auto-DevOps.gitlab-ci.yml',
      '  - component: gitlab.com/group/other/thing@1.0',
      'job:',
      '  script: echo',
      '',
    ].join('\n');
    const outcome = await render(text);
    if (!outcome.ok) throw new Error('render failed');
    expect(ordered(outcome.value)).toBe(
      json({
        include: [
          { local: 'ci/local.yml' },
          'ci/string.yml',
          { project: 'group/other', file: 'ci/x.yml', ref: 'main' },
          { remote: 'https://example.com/ci.yml' },
          { template: 'Auto-DevOps.gitlab-ci.yml' },
          { component: 'gitlab.com/group/other/thing@1.0' },
        ],
        build: { stage: 'test', script: ['echo build 1.0.0'] },
        job: { script: 'echo' },
      }),
    );
    expect(outcome.diagnostics.map((d) => `${d.severity} ${d.start.line}:${d.start.column}`)).toEqual([
      'info 2:5',
      'info 3:5',
      'info 5:5',
      'info 8:5',
      'info 9:5',
      'warning 10:16',
    ]);
    expect(outcome.diagnostics[0]?.message).toBe('`local` include "ci/local.yml" is left in include: for GitLab to expand');
    // A component no source serves is not checked: a warning, not a note.
    expect(outcome.diagnostics[5]).toMatchObject({
      ruleId: 'no-source',
      message:
        'component "thing" of gitlab.com/group/other is not checked: no catalog source serves that project (give the renderer a copy of gitlab.com/group/other); it is left in include: for GitLab',
    });
  });

  it('leaves a pipeline untouched when nothing could be expanded', async () => {
    const text = 'include: ci/local.yml\njob:\n  script: echo\n';
    const outcome = await render(text);
    if (!outcome.ok) throw new Error('render failed');
    expect(ordered(outcome.value)).toBe(json({ include: 'ci/local.yml', job: { script: 'echo' } }));
    expect(outcome.diagnostics).toHaveLength(1);
  });

  it('leaves a pipeline without includes untouched (even an empty include:)', async () => {
    expect(ordered(await rendered('include: []\njob: {script: echo}\n'))).toBe(json({ include: [], job: { script: 'echo' } }));
  });

  it('notes include:rules, which it does not evaluate', async () => {
    const outcome = await render('include:\n  - component: gitlab.com/group/catalog/deploy@1.0.0\n    rules:\n      - if: $X\n');
    if (!outcome.ok) throw new Error('render failed');
    expect(ordered(outcome.value)).toBe(json({ deploy: { script: 'echo deploy 1.0.0' } }));
    expect(outcome.diagnostics.map(brief)).toEqual(['2:16 include:rules are not evaluated by the renderer: the component is included']);
  });
});

describe('renderPipeline: nested includes', () => {
  it('expands the component’s own includes first, in its context; hoists the rest', async () => {
    const outcome = await render('include:\n  - component: gitlab.com/group/catalog/nested@main\nvariables:\n  B: from-pipeline\n');
    if (!outcome.ok) throw new Error(outcome.diagnostics.map((d) => d.message).join('; '));
    const main = commits['main'];
    expect(ordered(outcome.value)).toBe(
      json({
        include: [
          { project: 'group/catalog', ref: main, file: 'ci/shared.yml' },
          { project: 'group/catalog', ref: main, file: 'ci/string-local.yml' },
          { remote: 'https://example.com/ci.yml' },
        ],
        default: { image: 'alpine', tags: ['small'] },
        variables: { A: 'from-nested', B: 'from-pipeline' },
        'nested-job': { script: 'echo nested' },
      }),
    );
    // The notes point at the consumer's include that brought the nested ones in.
    expect(outcome.diagnostics.map((d) => `${d.start.line}:${d.start.column}`)).toEqual(['2:16', '2:16', '2:16']);
  });

  it('stops a component that includes itself at the include limit', async () => {
    const errors = await failures('include:\n  - component: gitlab.com/group/catalog/loop@main\n');
    expect(errors.map(brief)).toEqual(['1:1 Maximum of 150 nested includes are allowed!']);
  });
});

describe('renderPipeline: errors', () => {
  it('unknown component: content not found, at the component: value', async () => {
    const errors = await failures('job: {script: echo}\ninclude:\n  - component: $CI_SERVER_FQDN/$CI_PROJECT_PATH/nope@1.0.0\n');
    expect(errors).toEqual([
      {
        ruleId: 'include',
        severity: 'error',
        // "both" is nearest to "nope" (3 edits); the others are 5 edits away, in name order.
        message: `Component 'gitlab.com/group/catalog/nope@1.0.0' - content not found; components of group/catalog at 1.0.0 (${commits['1.0.0']?.slice(0, 7)}), nearest first: both, blank, build, deploy, nothing`,
        file: 'pipeline.yml',
        start: { line: 3, column: 16 },
        end: { line: 3, column: 59 },
      },
    ]);
  });

  it('unknown version: content not found', async () => {
    const errors = await failures('include:\n  - component: gitlab.com/group/catalog/build@2.0.0\n  - component: gitlab.com/group/catalog/build@9\n');
    // The tag is v2.0.0: nearest to 2.0.0. For @9 (9.x.y) the highest versions are nearest.
    const fetch = 'if a newer version is missing, fetch the tags into this repository (`git fetch --tags`)';
    expect(errors.map(brief)).toEqual([
      `2:16 Component 'gitlab.com/group/catalog/build@2.0.0' - content not found; versions of group/catalog, nearest first: v2.0.0, 1.2.0-rc.1, 1.1.0, 1.0.0; ${fetch}`,
      `3:16 Component 'gitlab.com/group/catalog/build@9' - content not found; versions of group/catalog, nearest first: v2.0.0, 1.2.0-rc.1, 1.1.0, 1.0.0; ${fetch}`,
    ]);
  });

  it('a component that does not exist at the resolved version: content not found', async () => {
    const errors = await failures('include:\n  - component: gitlab.com/group/catalog/defaults@1.0.0\n');
    const [message] = errors.map(brief);
    // defaults.yml came later: the components of 1.0.0, "deploy" (5 edits) nearest, then the three 7 edits away in name order.
    expect(message).toBe(
      `2:16 Component 'gitlab.com/group/catalog/defaults@1.0.0' - content not found; components of group/catalog at 1.0.0 (${commits['1.0.0']?.slice(0, 7)}), nearest first: deploy, blank, both, build, nothing`,
    );
  });

  it('another instance or no @: the component path is not supported', async () => {
    const errors = await failures('include:\n  - component: example.com/group/catalog/build@1.0.0\n  - component: gitlab.com/group/catalog/build\n');
    expect(errors.map(brief)).toEqual([
      "2:16 Component 'example.com/group/catalog/build@1.0.0' - the component path is not supported; " +
        'this run takes $CI_SERVER_FQDN to be "gitlab.com": for a pipeline on example.com, pass --server-fqdn example.com',
      "3:16 Component 'gitlab.com/group/catalog/build' - the component path is not supported; a component address ends in @<version>",
    ]);
  });

  it('no project path: content not found', async () => {
    const errors = await failures('include:\n  - component: gitlab.com/build@1.0.0\n');
    expect(errors.map(brief)).toEqual(["2:16 Component 'gitlab.com/build@1.0.0' - content not found"]);
  });

  it('an unknown variable expands to nothing (with a note) and the address fails', async () => {
    const outcome = await render('include:\n  - component: $MY_HOST/group/catalog/build@1.0.0\n');
    expect(outcome.ok).toBe(false);
    expect(outcome.diagnostics.map(brief)).toEqual(["2:16 Component '/group/catalog/build@1.0.0' - the component path is not supported"]);
  });

  it('a component: that is not a string', async () => {
    const errors = await failures('include:\n  - component: 42\n');
    expect(errors.map(brief)).toEqual(['2:16 Included file `42` needs to be a string']);
  });

  it('a component: hash or array is shown as Ruby 3.3 prints it, after VariablesExpander', async () => {
    // gitlabhq File::Component#validate_location!: "Included file `#{masked_location}` needs to be a
    // string", i.e. `location.to_s`. The config is deep_symbolize_keys-ed, so hash keys are Symbols,
    // and GitLab pins Ruby 3.3 (`{:a=>1}`, not 3.4's `{a: 1}`). Mapper::VariablesExpander runs
    // before the file is built: array items become `expand(item.to_s)`, a nested hash is kept.
    const errors = await failures('include:\n  - component: {a: 1, b c: {d: [x]}}\n  - component: [1, $CI_PROJECT_PATH]\n');
    expect(errors.map(brief)).toEqual([
      '2:16 Included file `{:a=>1, :"b c"=>{:d=>["x"]}}` needs to be a string',
      '3:16 Included file `["1", "group/catalog"]` needs to be a string',
    ]);
  });

  it('ambiguous and unmatched include hashes (Mapper::Matcher)', async () => {
    const errors = await failures(
      'include:\n  - component: gitlab.com/group/catalog/build@1.0.0\n    local: x.yml\n  - component: ""\n    inputs: {a: 1}\n',
    );
    expect(errors.map(brief)).toEqual([
      '2:5 Each include must use only one of: `local`, `project`, `remote`, `template`, `artifact`, `component`',
      '4:5 `{"component":"","inputs":{"a":1}}` does not have a valid subkey for include. Valid subkeys are: `local`, `project`, `remote`, `template`, `artifact`, `component`',
    ]);
  });

  it('content that is empty: contains no configuration', async () => {
    const errors = await failures('include:\n  - component: gitlab.com/group/catalog/nothing@1.0.0\n');
    expect(errors.map(brief)).toEqual(['2:16 Included file `gitlab.com/group/catalog/nothing@1.0.0` contains no configuration!']);
  });

  describe('loader errors: `<address>`: <message>', () => {
    const failing =
      (message: string, errors: readonly LoadError[]): ComponentLoader =>
      (): LoadResult => ({ ok: false, message, errors });
    const text = [
      'include:',
      '  - component: gitlab.com/group/catalog/build@1.0.0',
      '    inputs:',
      '      stage: lint',
      '      zeta: 1',
      '      alpha: 2',
      '',
    ].join('\n');

    it('points at the input an error names', async () => {
      const errors = await failures(text, failing('`stage` input: provided value is not a boolean', [{ message: '`stage` input: provided value is not a boolean', inputs: ['stage'] }]));
      expect(errors.map(brief)).toEqual(['4:7 `gitlab.com/group/catalog/build@1.0.0`: `stage` input: provided value is not a boolean']);
      expect(errors[0]?.ruleId).toBe('include');
    });

    it('points at the first unknown argument in the file', async () => {
      const errors = await failures(text, failing('unknown input arguments: zeta, alpha', [{ message: 'unknown input arguments: zeta, alpha', inputs: ['alpha', 'zeta'] }]));
      expect(errors.map(brief)).toEqual(['5:7 `gitlab.com/group/catalog/build@1.0.0`: unknown input arguments: zeta, alpha']);
    });

    it('points at the component: value when no input is named or the named input is absent', async () => {
      const missing = await failures(
        text,
        failing('`other` input: required value has not been provided', [{ message: '`other` input: required value has not been provided', inputs: ['other'] }]),
      );
      expect(missing.map(brief)).toEqual(['2:16 `gitlab.com/group/catalog/build@1.0.0`: `other` input: required value has not been provided']);
      const header = await failures(text, failing('header:spec config contains unknown keys: foo', [{ message: 'header:spec config contains unknown keys: foo' }]));
      expect(header.map(brief)).toEqual(['2:16 `gitlab.com/group/catalog/build@1.0.0`: header:spec config contains unknown keys: foo']);
    });

    it('uses the first reported error that names a present input', async () => {
      const errors = await failures(
        text,
        failing('`other` input: required value has not been provided, `alpha` input: provided value is not a string', [
          { message: '`other` input: required value has not been provided', inputs: ['other'] },
          { message: '`alpha` input: provided value is not a string', inputs: ['alpha'] },
        ]),
      );
      expect(errors.map((d) => `${d.start.line}:${d.start.column}`)).toEqual(['6:7']);
    });

    it('reports every failing include, sorted, and nothing is rendered', async () => {
      const outcome = await render(
        'include:\n  - component: gitlab.com/group/catalog/build@1.0.0\n  - component: gitlab.com/group/catalog/nope@1.0.0\n',
        failing('boom', [{ message: 'boom' }]),
      );
      expect(outcome.ok).toBe(false);
      expect(outcome.diagnostics.map(brief)).toEqual([
        '2:16 `gitlab.com/group/catalog/build@1.0.0`: boom',
        `3:16 Component 'gitlab.com/group/catalog/nope@1.0.0' - content not found; components of group/catalog at 1.0.0 (${commits['1.0.0']?.slice(0, 7)}), nearest first: both, blank, build, deploy, nothing`,
      ]);
    });
  });

  it('a nested include error is reported at the consumer’s include, with the nested text', async () => {
    const loader: ComponentLoader = (text, file, options) =>
      file === 'templates/defaults.yml' ? { ok: false, message: 'nested boom', errors: [{ message: 'nested boom', inputs: ['stage'] }] } : contentLoader()(text, file, options);
    const errors = await failures('include:\n  - component: gitlab.com/group/catalog/nested@main\n    inputs:\n      stage: x\n', loader);
    expect(errors.map(brief)).toEqual([`2:16 \`gitlab.com/group/catalog/defaults@${commits['main']}\`: nested boom`]);
  });
});

describe('renderPipeline: the consumer file', () => {
  it('reports YAML syntax errors', async () => {
    const errors = await failures('include:\n  - component: [unclosed\n');
    expect(errors.every((d) => d.ruleId === 'syntax' && d.severity === 'error')).toBe(true);
    expect(errors.length).toBeGreaterThan(0);
  });

  it('rejects a document that is not a mapping', async () => {
    const errors = await failures('- a\n- b\n');
    expect(errors.map(brief)).toEqual(['1:1 Invalid configuration format']);
  });

  it('renders an empty file as an empty pipeline', async () => {
    expect(ordered(await rendered(''))).toBe(json({}));
  });

  it('uses the content document of a pipeline with its own spec: header', async () => {
    const calls: LoaderCall[] = [];
    const value = await rendered(
      'spec:\n  inputs:\n    x:\n      default: y\n---\ninclude:\n  - component: gitlab.com/group/catalog/deploy@1.0.0\nlocal-job: {script: echo}\n',
      contentLoader(calls),
    );
    expect(ordered(value)).toBe(json({ deploy: { script: 'echo deploy 1.0.0' }, 'local-job': { script: 'echo' } }));
    expect(calls.map((c) => c.file)).toEqual(['pipeline.yml', 'templates/deploy/template.yml']);
  });
});
