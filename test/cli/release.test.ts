/**
 * `catalog release` and `catalog release check-tag` on temporary git repositories holding a small
 * catalog that passes validate, lint and docs --check: the version each tag history gives, every
 * refusal and its message, the release commit, annotated tag and push, and --dry-run leaving
 * `git status`, `git tag` and HEAD as they were.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runDocs } from '../../scripts/cli/commands/docs.js';
import { runRelease, type ReleaseArgs } from '../../scripts/cli/commands/release.js';
import type { Io } from '../../scripts/cli/io.js';
import { catalog, runInProcess, type InProcessRun } from '../helpers/cli.js';
import { createRepo, type FixtureRepo } from '../helpers/fixture-repo.js';

const COMPONENT = `spec:
  inputs:
    stage:
      default: test
      description: The stage of the job
---
hello:
  stage: $[[ inputs.stage ]]
  image: alpine:3.20
  script:
    - echo hello
`;

const PACKAGE = (release: Record<string, string> | undefined) =>
  `${JSON.stringify({ name: 'fixture-catalog', private: true, ...(release ? { catalog: { release } } : {}) }, null, 2)}\n`;

const repos: FixtureRepo[] = [];
afterEach(async () => {
  for (const repo of repos.splice(0)) await repo.cleanup();
});

type Run = InProcessRun;
const run = (dir: string, args: ReleaseArgs) => runInProcess(dir, (io) => runRelease(args, io), '');

/** A catalog that passes every check, committed as `feat: the hello component`. */
async function catalogRepo(options: { release?: Record<string, string> | undefined } = {}): Promise<FixtureRepo> {
  const repo = await createRepo('catalog-release-');
  repos.push(repo);
  // The release commit and tag are the maintainer's: give the repository an identity, unsigned.
  repo.git('config', 'user.name', 'Fixture');
  repo.git('config', 'user.email', 'fixture@example.com');
  repo.git('config', 'commit.gpgsign', 'false');
  repo.git('config', 'tag.gpgsign', 'false');
  await repo.write('templates/hello.yml', COMPONENT);
  await repo.write('README.md', '# Fixture catalog\n\n## Components\n');
  await repo.write('package.json', PACKAGE('release' in options ? options.release : { description: 'A fixture catalog' }));
  const quiet: Io = { cwd: repo.dir, stdout: () => undefined, stderr: () => undefined, readStdin: async () => '' };
  expect(await runDocs({}, quiet)).toBe(0);
  await repo.commit('feat: the hello component');
  return repo;
}

/** An annotated tag at HEAD, as a release makes it. */
const tag = (repo: FixtureRepo, name: string) => repo.git('tag', '--annotate', '-m', `Release ${name}`, name);

const state = (repo: FixtureRepo) => ({ status: repo.git('status', '--porcelain'), tags: repo.git('tag', '--list'), head: repo.git('rev-parse', 'HEAD') });

describe('catalog release: the version each tag history gives (dry run)', () => {
  const wouldRelease = (result: Run) => /^would release (\S+)/m.exec(result.stdout)?.[1];

  it('releases 0.1.0 first from a feat commit, 0.x rules: feat and breaking bump minor, fix patch', async () => {
    const repo = await catalogRepo();
    expect(wouldRelease(await run(repo.dir, { fromCommits: true, dryRun: true }))).toBe('0.1.0');
    tag(repo, '0.3.1');
    await repo.commit('fix(hello): quote the stage');
    expect(wouldRelease(await run(repo.dir, { fromCommits: true, dryRun: true }))).toBe('0.3.2');
    await repo.commit('feat(hello)!: rename the stage input');
    expect(wouldRelease(await run(repo.dir, { fromCommits: true, dryRun: true }))).toBe('0.4.0');
    expect(wouldRelease(await run(repo.dir, { version: 'major', dryRun: true }))).toBe('1.0.0');
  });

  it('from 1.0.0: breaking -> major, feat -> minor, counting only commits since the highest tag', async () => {
    const repo = await catalogRepo();
    await repo.commit('feat!: everything changes');
    tag(repo, '1.4.0');
    await repo.commit('fix: a');
    expect(wouldRelease(await run(repo.dir, { fromCommits: true, dryRun: true }))).toBe('1.4.1');
    await repo.commit('feat(hello): b');
    expect(wouldRelease(await run(repo.dir, { fromCommits: true, dryRun: true }))).toBe('1.5.0');
    await repo.commit('refactor(hello)!: c\n\nBREAKING CHANGE: the job is now hello-job');
    expect(wouldRelease(await run(repo.dir, { fromCommits: true, dryRun: true }))).toBe('2.0.0');
  });

  it('uses the configured v prefix, and reads v-prefixed tags as versions', async () => {
    const repo = await catalogRepo({ release: { description: 'A fixture catalog', 'tag-prefix': 'v' } });
    tag(repo, 'v1.2.0');
    await repo.commit('feat: x');
    const result = await run(repo.dir, { fromCommits: true, dryRun: true });
    expect(wouldRelease(result)).toBe('v1.3.0');
    expect(result.stdout).toContain('## v1.3.0 - 2024-01-01');
    expect(result.stdout).toContain('then publish with: git push --atomic origin refs/heads/main refs/tags/v1.3.0\n');
  });

  it('counts pre-releases on with --pre and completes them without', async () => {
    const repo = await catalogRepo();
    tag(repo, '1.0.0');
    await repo.commit('feat: y');
    tag(repo, '1.1.0-rc.0');
    expect(wouldRelease(await run(repo.dir, { version: 'minor', pre: 'rc', dryRun: true }))).toBe('1.1.0-rc.1');
    expect(wouldRelease(await run(repo.dir, { fromCommits: true, pre: 'rc', dryRun: true }))).toBeUndefined();
    expect(wouldRelease(await run(repo.dir, { version: 'minor', dryRun: true }))).toBe('1.1.0');
  });
});

describe('catalog release: --dry-run', () => {
  it('prints the plan and leaves git status, git tag and HEAD unchanged, writing no CHANGELOG', async () => {
    const repo = await catalogRepo();
    tag(repo, '1.0.0');
    await repo.commit('feat(hello): an input');
    repo.git('remote', 'add', 'origin', 'https://gitlab.example.com/platform/catalog.git');
    const before = state(repo);
    const result = await run(repo.dir, { version: 'minor', dryRun: true, push: true });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('would release 1.1.0 (1 conventional commit(s) since 1.0.0)\n');
    expect(result.stdout).toContain('would commit CHANGELOG.md on main: chore(release): 1.1.0\n');
    expect(result.stdout).toContain('would create the annotated tag 1.1.0\n');
    expect(result.stdout).toContain('would push: git push --atomic origin refs/heads/main refs/tags/1.1.0\n');
    expect(state(repo)).toEqual(before);
    expect(existsSync(path.join(repo.dir, 'CHANGELOG.md'))).toBe(false);
  });
});

describe('catalog release: a release', () => {
  it('commits the CHANGELOG section, creates an annotated tag and prints the exact git push', async () => {
    const repo = await catalogRepo({ release: { description: 'A fixture catalog', 'project-url': 'https://gitlab.example.com/platform/catalog' } });
    await repo.write('CHANGELOG.md', '# Changelog\n\n## Unreleased\n\nFirst release: hello.\n');
    await repo.commit('docs: notes for the first release');
    const feat = repo.git('log', '--format=%H', '--grep=^feat: the hello component');
    const result = await run(repo.dir, { version: '1.0.0' });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('publish it (the tag pipeline creates the GitLab release) with:\n  git push --atomic origin refs/heads/main refs/tags/1.0.0\n');
    expect(repo.git('cat-file', '-t', 'refs/tags/1.0.0')).toBe('tag');
    expect(repo.git('rev-parse', '1.0.0^{commit}')).toBe(repo.git('rev-parse', 'HEAD'));
    expect(repo.git('log', '-1', '--format=%s')).toBe('chore(release): 1.0.0');
    expect(repo.git('status', '--porcelain')).toBe('');
    expect(readFileSync(path.join(repo.dir, 'CHANGELOG.md'), 'utf8')).toBe(
      [
        '# Changelog',
        '',
        '## Unreleased',
        '',
        '## [1.0.0](https://gitlab.example.com/platform/catalog/-/tags/1.0.0) - 2024-01-01',
        '',
        'First release: hello.',
        '',
        '### Features',
        '',
        `- the hello component ([${feat.slice(0, 8)}](https://gitlab.example.com/platform/catalog/-/commit/${feat}))`,
        '',
      ].join('\n'),
    );
    const check = await run(repo.dir, { version: 'check-tag', tag: '1.0.0', notes: 'notes.md' });
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout).toBe('1.0.0: publishable: 1 component(s), README.md, the CHANGELOG.md section (written to notes.md)\n');
    expect(readFileSync(path.join(repo.dir, 'notes.md'), 'utf8')).toBe(`First release: hello.\n\n### Features\n\n- the hello component ([${feat.slice(0, 8)}](https://gitlab.example.com/platform/catalog/-/commit/${feat}))\n`);
  });

  it('with --push, pushes the branch and the tag to origin', async () => {
    const remote = await createRepo('catalog-release-remote-');
    repos.push(remote);
    remote.git('config', 'receive.denyCurrentBranch', 'ignore');
    const repo = await catalogRepo();
    repo.git('remote', 'add', 'origin', remote.dir);
    const result = await run(repo.dir, { version: 'patch', push: true });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('pushed main and 0.0.1 to origin');
    expect(remote.git('rev-parse', 'refs/tags/0.0.1^{commit}')).toBe(repo.git('rev-parse', 'HEAD'));
    expect(remote.git('rev-parse', 'refs/heads/main')).toBe(repo.git('rev-parse', 'HEAD'));
  });
});

describe('catalog release: refusals (exit 1), each saying what to do', () => {
  const refusal = async (repo: FixtureRepo, args: ReleaseArgs = { version: 'minor' }) => {
    const before = state(repo);
    const result = await run(repo.dir, args);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toBe('');
    expect(state(repo)).toEqual(before);
    return result.stderr;
  };

  it('a dirty work tree', async () => {
    const repo = await catalogRepo();
    await repo.write('templates/hello.yml', `${COMPONENT}# edited\n`);
    await repo.write('scratch.txt', 'x');
    expect(await refusal(repo)).toBe('catalog release: the work tree has uncommitted changes (2: templates/hello.yml, scratch.txt): commit or stash them, then release\n');
  });

  it('a version not greater than the highest semver tag', async () => {
    const repo = await catalogRepo();
    tag(repo, '2.0.0');
    expect(await refusal(repo, { version: '1.9.0' })).toBe(
      'catalog release: 1.9.0 is not greater than the highest semver tag, 2.0.0: choose a higher version (catalog release patch|minor|major, or <x.y.z> above 2.0.0)\n',
    );
    expect(await refusal(repo, { version: '2.1' })).toBe('catalog release: 2.1: must follow semantic version: give the version as <major>.<minor>.<patch>, e.g. 1.4.0 or 2.0.0-rc.0\n');
  });

  it('no commit calling for a release with --from-commits', async () => {
    const repo = await catalogRepo();
    tag(repo, '1.0.0');
    await repo.commit('docs: wording');
    expect(await refusal(repo, { fromCommits: true })).toBe(
      'catalog release: no feat, fix, perf or breaking-change commit since 1.0.0: nothing calls for a release; name the part to release anyway (catalog release patch|minor|major)\n',
    );
  });

  it('README.md missing, in GitLab\'s words', async () => {
    const repo = await catalogRepo();
    await repo.remove('README.md');
    await repo.commit('docs: no readme');
    expect(await refusal(repo)).toBe("catalog release: Project must have a README: add README.md at the top of the repository (GitLab reads exactly that path at the tag's commit)\n");
  });

  it('no project description, in GitLab\'s words', async () => {
    const repo = await catalogRepo({ release: undefined });
    expect(await refusal(repo)).toBe(
      'catalog release: Project must have a description: set "catalog.release.description" in package.json to the GitLab project\'s description (Settings > General), which GitLab requires to publish\n',
    );
  });

  it('no component under templates/, in GitLab\'s words', async () => {
    const repo = await catalogRepo();
    await repo.remove('templates');
    await repo.write('templates/docs.md', 'not a component\n');
    await repo.commit('chore: no components');
    expect(await refusal(repo)).toBe(
      'catalog release: Project must contain components. Ensure you are using the correct directory structure: put each component in templates/<name>.yml or templates/<name>/template.yml\n',
    );
  });

  it('more than 100 components, in GitLab\'s words', async () => {
    const repo = await catalogRepo();
    for (let i = 1; i <= 100; i++) await repo.write(`templates/c${i}.yml`, COMPONENT);
    await repo.commit('feat: 101 components');
    expect(await refusal(repo)).toBe('catalog release: Release cannot contain more than 100 components: templates/ has 101; move some into another catalog project\n');
  });

  it('an invalid component name (a file GitLab would not release)', async () => {
    const repo = await catalogRepo();
    await repo.write('templates/build.arm64.yml', COMPONENT);
    await repo.write('templates/push/template.yaml', COMPONENT);
    await repo.commit('feat: two misnamed components');
    expect(await refusal(repo)).toBe(
      [
        'catalog release: templates/build.arm64.yml: invalid component name: GitLab releases only templates/<name>.yml and templates/<name>/template.yml, <name> made of letters, digits, "_" and "-" ([\\w-]+); rename the file',
        'catalog release: templates/push/template.yaml: invalid component name: GitLab releases only templates/<name>.yml and templates/<name>/template.yml, <name> made of letters, digits, "_" and "-" ([\\w-]+); rename the file',
        '',
      ].join('\n'),
    );
  });

  it('catalog validate failing', async () => {
    const repo = await catalogRepo();
    await repo.write('templates/hello.yml', COMPONENT.replace('default: test', 'default: test\n      type: strin'));
    await repo.commit('fix: a typo');
    const stderr = await refusal(repo);
    expect(stderr).toMatch(/^catalog release: catalog validate reports problems; fix them \(run catalog validate\), then release:\ntemplates\/hello\.yml:\d+:\d+: /);
  });

  it('catalog lint failing', async () => {
    const repo = await catalogRepo();
    await repo.write('templates/hello.yml', COMPONENT.replace('echo hello', 'docker login -u ci -p "$REGISTRY_PASSWORD" registry.example.com'));
    const quiet: Io = { cwd: repo.dir, stdout: () => undefined, stderr: () => undefined, readStdin: async () => '' };
    expect(await runDocs({}, quiet)).toBe(0);
    await repo.commit('fix: log in');
    const stderr = await refusal(repo);
    expect(stderr).toMatch(/^catalog release: catalog lint reports problems; fix them \(run catalog lint\), then release:\n/);
    expect(stderr).toContain('[password-on-argv]');
    expect(stderr).not.toContain('catalog validate');
  });

  it('catalog docs --check failing', async () => {
    const repo = await catalogRepo();
    await repo.write('templates/hello.yml', COMPONENT.replace('The stage of the job', 'The stage the job runs in'));
    await repo.commit('docs(hello): describe the stage');
    expect(await refusal(repo)).toBe(
      'catalog release: catalog docs --check reports problems; fix them (run catalog docs --check), then release:\nREADME.md: section for "hello" is out of date; run catalog docs\n',
    );
  });

  it('catalog build --check failing', async () => {
    const repo = await catalogRepo();
    await repo.write('components/hello/template.yml', COMPONENT.replace('echo hello', '|\n        # catalog:include hello.sh'));
    await repo.write('components/hello/hello.sh', 'echo hello\n');
    await repo.commit('refactor(hello): shell in a file');
    expect(await refusal(repo)).toBe(
      'catalog release: catalog build --check reports problems; fix them (run catalog build --check), then release:\ntemplates/hello.yml: is out of date; run catalog build\n',
    );
  });

  it('--push without an origin remote', async () => {
    const repo = await catalogRepo();
    expect(await refusal(repo, { version: 'patch', push: true })).toBe('catalog release: --push: there is no "origin" remote: add it (git remote add origin <url>) or release without --push\n');
  });

  it('reports the quick refusals together', async () => {
    const repo = await catalogRepo({ release: undefined });
    await repo.remove('README.md');
    await repo.commit('docs: no readme');
    await repo.write('scratch.txt', 'x');
    expect((await refusal(repo)).split('\n').filter(Boolean).map((line) => line.split(':')[1]?.trim())).toEqual([
      'the work tree has uncommitted changes (1',
      'Project must have a description',
      'Project must have a README',
    ]);
  });
});

describe('catalog release: usage mistakes (exit 2)', () => {
  it.each([
    [{}, 'release: name the version (catalog release patch|minor|major|<x.y.z>) or pass --from-commits'],
    [{ version: 'minor', fromCommits: true }, 'release: give either the version (patch|minor|major|<x.y.z>) or --from-commits, not both'],
    [{ version: '1.2.0', pre: 'rc' }, 'release: --pre goes with patch, minor, major or --from-commits; an explicit version carries its own pre-release (1.2.0-rc.0)'],
    [{ version: 'minor', pre: 'rc.1' }, '--pre rc.1: a pre-release id is a letter, then letters, digits or "-" (e.g. rc, beta)'],
    [{ version: 'check-tag' }, 'release check-tag: name the tag (in a tag pipeline: "$CI_COMMIT_TAG")'],
  ] as [ReleaseArgs, string][])('%j', async (args, message) => {
    const repo = await catalogRepo();
    const before = state(repo);
    expect(await run(repo.dir, args)).toEqual({ code: 2, stdout: '', stderr: `${message}\n` });
    expect(state(repo)).toEqual(before);
  });
});

describe('catalog release check-tag', () => {
  const check = (repo: FixtureRepo, name: string) => run(repo.dir, { version: 'check-tag', tag: name });

  it('refuses a tag that is not semver, in GitLab\'s words', async () => {
    const repo = await catalogRepo();
    tag(repo, 'release-1');
    expect(await check(repo, 'release-1')).toEqual({
      code: 1,
      stdout: '',
      stderr: "catalog release check-tag: release-1: must follow semantic version: GitLab's catalog publishes only tags like 1.2.3, v1.2.3 or 1.3.0-rc.0; tag the release with catalog release\n",
    });
  });

  it('refuses a tag whose commit has no CHANGELOG section, README or components', async () => {
    const repo = await catalogRepo();
    await repo.write('CHANGELOG.md', '# Changelog\n\n## Unreleased\n\n## 0.9.0 - c\n');
    await repo.remove('README.md');
    await repo.remove('templates');
    await repo.commit('chore: strip');
    tag(repo, '1.0.0');
    const result = await check(repo, '1.0.0');
    expect(result.code).toBe(1);
    expect(result.stderr.split('\n')).toEqual([
      "catalog release check-tag: 1.0.0: Project must have a README: add README.md at the top of the repository (GitLab reads exactly that path at the tag's commit)",
      'catalog release check-tag: 1.0.0: Project must contain components. Ensure you are using the correct directory structure: put each component in templates/<name>.yml or templates/<name>/template.yml',
      'catalog release check-tag: 1.0.0: CHANGELOG.md has no "## 1.0.0" section at the tag\'s commit: release with catalog release, which writes it',
      '',
    ]);
  });

  it('reads the tag\'s commit, not the work tree', async () => {
    const repo = await catalogRepo();
    expect((await run(repo.dir, { version: '1.0.0' })).code).toBe(0);
    await repo.remove('README.md');
    await repo.remove('CHANGELOG.md');
    expect((await check(repo, '1.0.0')).code).toBe(0);
  });

  it('an unknown tag is an operational failure', async () => {
    const repo = await catalogRepo();
    expect(await check(repo, '3.0.0')).toEqual({ code: 2, stdout: '', stderr: 'release check-tag: no tag 3.0.0 in this repository: fetch it (git fetch origin tag 3.0.0)\n' });
  });
});

describe('the catalog binary', () => {
  it('passes the version, check-tag, its tag and the options through, and answers a usage mistake with exit 2 and one line', async () => {
    const repo = await catalogRepo();
    tag(repo, 'v0.2.0');
    await repo.commit('feat(hello): z');
    const dry = catalog(['release', '--from-commits', '--pre', 'beta', '--dry-run'], { cwd: repo.dir });
    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('would release 0.3.0-beta.0 (1 conventional commit(s) since v0.2.0)\n');
    const check = catalog(['release', 'check-tag', 'v0.2.0'], { cwd: repo.dir });
    expect(check).toEqual({ status: 1, stdout: '', stderr: 'catalog release check-tag: v0.2.0: CHANGELOG.md is missing at the tag\'s commit: release with catalog release, which writes it\n' });
    expect(catalog(['release', 'minor', 'extra'], { cwd: repo.dir })).toEqual({
      status: 2,
      stdout: '',
      stderr: "catalog: release: unexpected argument 'extra' (only check-tag takes a second argument)\n",
    });
  });
});
