/**
 * `catalog render` end to end: the command module, a real git repository and the real
 * `loadComponentText` (inputs, `$[[ ]]` interpolation, `spec:component`).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Io } from '../../scripts/cli/io.js';
import type { RenderArgs } from '../../scripts/cli/commands/render.js';
import { main } from '../../scripts/cli/main.js';
import { createRepo, type FixtureRepo } from '../helpers/fixture-repo.js';

const BUILD = (marker: string) =>
  [
    'spec:',
    '  component: [name, version, reference]',
    '  inputs:',
    '    stage:',
    '      default: test',
    '    image:',
    '      default: alpine:3.20',
    '    parallel:',
    '      type: number',
    '      default: 1',
    '    verbose:',
    '      type: boolean',
    '      default: false',
    '---',
    'build-$[[ inputs.stage ]]:',
    '  stage: $[[ inputs.stage ]]',
    '  image: $[[ inputs.image ]]',
    '  parallel: $[[ inputs.parallel ]]',
    '  variables:',
    '    VERBOSE: $[[ inputs.verbose ]]',
    `    MARKER: ${marker}`,
    '  script:',
    '    - echo $[[ component.name ]] $[[ component.version ]] $[[ component.reference ]]',
    '',
  ].join('\n');

let repo: FixtureRepo;
const commits: Record<string, string> = {};

beforeAll(async () => {
  repo = await createRepo('catalog-render-cmd-');
  repo.git('remote', 'add', 'origin', 'git@gitlab.com:group/catalog.git');
  for (const tag of ['1.0.0', '1.1.0', '1.2.0-rc.1']) {
    await repo.write('templates/build.yml', BUILD(tag));
    commits[tag] = await repo.commit(`release ${tag}`);
    repo.git('tag', tag);
  }
  await repo.write('templates/build.yml', BUILD('main'));
  await repo.write('templates/scan/template.yml', 'spec:\n  inputs:\n    level:\n      options: [low, high]\n      default: low\n---\nscan:\n  script: scan --level $[[ inputs.level ]]\n');
  commits['main'] = await repo.commit('unreleased');
});

afterAll(async () => {
  await repo.cleanup();
});

/** Through the CLI entry point, which owns the exit codes of operational errors. */
function runRender(args: RenderArgs, io: Io): Promise<number> {
  const flags: [keyof RenderArgs, string][] = [['projectPath', '--project-path'], ['serverFqdn', '--server-fqdn'], ['sha', '--sha'], ['repo', '--repo']];
  const argv = ['render', args.pipeline, ...flags.flatMap(([key, flag]) => (args[key] === undefined ? [] : [flag, args[key] as string]))];
  return main(argv, io);
}

interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(pipeline: string, args: Omit<RenderArgs, 'pipeline'> = {}, file = 'pipeline.yml'): Promise<Captured> {
  await writeFile(path.join(repo.dir, file), pipeline);
  let stdout = '';
  let stderr = '';
  const io: Io = {
    cwd: repo.dir,
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    readStdin: async () => '',
  };
  try {
    const code = await runRender({ pipeline: file, ...args }, io);
    return { code, stdout, stderr };
  } finally {
    await rm(path.join(repo.dir, file), { force: true });
  }
}

describe('catalog render (real loader)', () => {
  it('interpolates inputs and the component context, merges, and prints YAML', async () => {
    const result = await run(
      [
        'include:',
        '  - component: $CI_SERVER_FQDN/$CI_PROJECT_PATH/build@1',
        '    inputs:',
        '      stage: lint',
        '      parallel: 3',
        'stages: [lint, test]',
        '',
      ].join('\n'),
    );
    expect(result).toEqual({
      code: 0,
      // What the include resolved to: @1 is the highest 1.x release, 1.1.0 (1.2.0-rc.1 is a pre-release).
      stderr: `build@1 → 1.1.0 (${commits['1.1.0']?.slice(0, 7)})\n`,
      stdout: [
        'build-lint:',
        '  stage: lint',
        '  image: alpine:3.20',
        '  parallel: 3',
        '  variables:',
        '    VERBOSE: false',
        '    MARKER: 1.1.0',
        '  script:',
        '    - echo build 1.1.0 1',
        'stages:',
        '  - lint',
        '  - test',
        '',
      ].join('\n'),
    });
  });

  it('component.version is empty for a branch or SHA reference', async () => {
    const result = await run('include:\n  - component: gitlab.com/group/catalog/build@$CI_COMMIT_SHA\n');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`    MARKER: main\n  script:\n    - echo build  ${commits['main']}\n`);
  });

  it('--sha changes what $CI_COMMIT_SHA reads', async () => {
    const result = await run('include:\n  - component: gitlab.com/group/catalog/build@$CI_COMMIT_SHA\n', { sha: '1.0.0' });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('    MARKER: 1.0.0\n');
    expect(result.stdout).toContain(`    - echo build  ${commits['1.0.0']}\n`);
  });

  it('keeps the including file’s keys over the component’s', async () => {
    const result = await run(
      [
        'include:',
        '  - component: gitlab.com/group/catalog/build@1.0.0',
        'build-test:',
        '  image: ruby:3',
        '  variables:',
        '    EXTRA: "yes"',
        '',
      ].join('\n'),
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        'build-test:',
        '  stage: test',
        '  image: ruby:3',
        '  parallel: 1',
        '  variables:',
        '    VERBOSE: false',
        '    MARKER: 1.0.0',
        '    EXTRA: "yes"',
        '  script:',
        '    - echo build 1.0.0 1.0.0',
        '',
      ].join('\n'),
    );
  });

  it('prints notes for includes it leaves to GitLab on stderr, and keeps them', async () => {
    const result = await run(
      'include:\n  - component: gitlab.com/group/catalog/scan@main\n    inputs:\n      level: high\n  - local: ci/extra.yml\n',
    );
    expect(result).toEqual({
      code: 0,
      stdout: 'include:\n  - local: ci/extra.yml\nscan:\n  script: scan --level high\n',
      stderr: `scan@main → ${commits['main']?.slice(0, 7)}\npipeline.yml:5:5: note: \`local\` include "ci/extra.yml" is left in include: for GitLab to expand [include]\n`,
    });
  });

  it('uses the origin remote as the project path, and --project-path / --server-fqdn when given', async () => {
    const other = await run('include:\n  - component: gitlab.com/group/catalog/scan@main\n', { projectPath: 'someone/else' });
    expect(other.code).toBe(0);
    expect(other.stdout).toBe('include:\n  - component: gitlab.com/group/catalog/scan@main\n');
    // Not this project's component, and no source serves group/catalog: left for GitLab, with a warning saying how to check it.
    expect(other.stderr).toBe(
      'pipeline.yml:2:16: warning: component "scan" of gitlab.com/group/catalog is not checked: no catalog source serves that project ' +
        '(map it to a clone or a git URL under sources: in .catalog.yml ("gitlab.com/group/catalog": <clone or URL>), ' +
        'or pass --catalog gitlab.com/group/catalog=<clone or URL>); it is left in include: for GitLab [no-source]\n',
    );
    const host = await run('include:\n  - component: $CI_SERVER_FQDN/group/catalog/scan@main\n', { serverFqdn: 'git.example.com:8443' });
    expect(host).toEqual({ code: 0, stdout: 'scan:\n  script: scan --level low\n', stderr: `scan@main → ${commits['main']?.slice(0, 7)}\n` });
  });
});

describe('catalog render: errors in the consumer file (exit 1)', () => {
  it('unknown input arguments: at the first unknown key, with GitLab’s text', async () => {
    const result = await run(
      [
        'include:',
        '  - component: $CI_SERVER_FQDN/$CI_PROJECT_PATH/build@1',
        '    inputs:',
        '      stage: lint',
        '      colour: red',
        '      size: 2',
        '',
      ].join('\n'),
    );
    expect(result).toEqual({
      code: 1,
      stdout: '',
      // The version resolved (first line); the inputs did not. No declared input is near "colour" or "size".
      stderr: `build@1 → 1.1.0 (${commits['1.1.0']?.slice(0, 7)})\npipeline.yml:5:7: \`gitlab.com/group/catalog/build@1\`: unknown input arguments: colour, size [include]\n`,
    });
  });

  it('a value of the wrong type: at that input', async () => {
    const result = await run(
      'include:\n  - component: gitlab.com/group/catalog/build@1.1.0\n    inputs:\n      stage: lint\n      parallel: many\n',
    );
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: `build@1.1.0 → 1.1.0 (${commits['1.1.0']?.slice(0, 7)})\npipeline.yml:5:7: \`gitlab.com/group/catalog/build@1.1.0\`: \`parallel\` input: provided value is not a number [include]\n`,
    });
  });

  it('a value outside the options: at that input', async () => {
    const result = await run('include:\n  - component: gitlab.com/group/catalog/scan@main\n    inputs:\n      level: extreme\n');
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/\npipeline\.yml:4:7: `gitlab\.com\/group\/catalog\/scan@main`: `level` input: .* \[include\]\n$/);
  });

  it('an unknown component: content not found, at the component: value', async () => {
    const result = await run('stages: [test]\ninclude:\n  - component: gitlab.com/group/catalog/nope@1.0.0\n');
    expect(result).toEqual({
      code: 1,
      stdout: '',
      // GitLab's text, then the components there are at that version (build only: scan came later).
      stderr: `pipeline.yml:3:16: Component 'gitlab.com/group/catalog/nope@1.0.0' - content not found; components of group/catalog at 1.0.0 (${commits['1.0.0']?.slice(0, 7)}), nearest first: build [include]\n`,
    });
  });

  it('~latest ignores pre-releases; a partial version with only pre-releases is not found', async () => {
    const latest = await run('include:\n  - component: gitlab.com/group/catalog/build@~latest\n');
    expect(latest.code).toBe(0);
    expect(latest.stdout).toContain('    - echo build 1.1.0 ~latest\n');
    const partial = await run('include:\n  - component: gitlab.com/group/catalog/build@1.2\n');
    expect(partial).toEqual({
      code: 1,
      stdout: '',
      // The versions there are, nearest to 1.2 first, and why 1.2.0-rc.1 was not taken.
      stderr:
        "pipeline.yml:2:16: Component 'gitlab.com/group/catalog/build@1.2' - content not found; " +
        'versions of group/catalog, nearest first: 1.2.0-rc.1, 1.1.0, 1.0.0; ' +
        '@1.2 selects released versions only: name a pre-release in full (@1.2.0-rc.1); ' +
        'if a newer version is missing, fetch the tags into this repository (`git fetch --tags`) [include]\n',
    });
  });
});

describe('catalog render: operational errors (exit 2)', () => {
  it('a missing pipeline file', async () => {
    let stderr = '';
    const io: Io = { cwd: repo.dir, stdout: () => undefined, stderr: (t) => void (stderr += t), readStdin: async () => '' };
    expect(await runRender({ pipeline: 'missing.yml' }, io)).toBe(2);
    expect(stderr).toBe('catalog: missing.yml: no such file\n');
  });

  it('a directory that is not a git repository', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'catalog-render-nogit-'));
    try {
      await writeFile(path.join(dir, 'pipeline.yml'), 'job: {script: echo}\n');
      let stderr = '';
      let stdout = '';
      const io: Io = { cwd: dir, stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), readStdin: async () => '' };
      expect(await runRender({ pipeline: 'pipeline.yml' }, io)).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toMatch(/^catalog: git rev-parse: fatal: not a git repository/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('an unknown --sha', async () => {
    const result = await run('job: {script: echo}\n', { sha: 'no-such-rev' });
    expect(result).toEqual({ code: 2, stdout: '', stderr: "catalog: --sha: unknown revision 'no-such-rev'\n" });
  });

  it('--repo points at the catalog from elsewhere', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'catalog-render-elsewhere-'));
    try {
      await writeFile(path.join(dir, 'pipeline.yml'), 'include:\n  - component: gitlab.com/group/catalog/scan@main\n');
      let stdout = '';
      const io: Io = { cwd: dir, stdout: (t) => void (stdout += t), stderr: () => undefined, readStdin: async () => '' };
      expect(await runRender({ pipeline: 'pipeline.yml', repo: repo.dir }, io)).toBe(0);
      expect(stdout).toBe('scan:\n  script: scan --level low\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
