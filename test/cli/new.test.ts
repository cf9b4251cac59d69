/**
 * `catalog new` on temporary git repositories: a component added to a copy of this catalog
 * (components/ built into templates/) and to a catalog without components/ passes validate, lint,
 * docs --check and build --check as it is, before any commit; its golden render is what the golden
 * test renders; names GitLab would not release, and names taken, are refused with nothing written.
 */
import { cpSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runDocs } from '../../scripts/cli/commands/docs.js';
import { runNew, type NewArgs } from '../../scripts/cli/commands/new.js';
import type { Io } from '../../scripts/cli/io.js';
import { catalogRepo, normaliseSha, renderExample } from '../components/catalog.js';
import { catalog, REPO_ROOT, runInProcess } from '../helpers/cli.js';
import { createRepo, type FixtureRepo } from '../helpers/fixture-repo.js';

const repos: FixtureRepo[] = [];
afterEach(async () => {
  for (const repo of repos.splice(0)) await repo.cleanup();
});

const runNewIn = (dir: string, args: NewArgs) => runInProcess(dir, (io) => runNew(args, io));

/** This catalog's sources, templates, examples, docs, settings and golden renders, committed. */
async function catalogCopy(): Promise<FixtureRepo> {
  const repo = await createRepo('catalog-new-');
  repos.push(repo);
  for (const file of ['README.md', 'package.json', 'docs', 'examples', 'components', 'templates', 'test/fixtures/render']) {
    cpSync(path.join(REPO_ROOT, file), path.join(repo.dir, file), { recursive: true });
  }
  await repo.commit('the catalog');
  return repo;
}

const CHECKS = [['validate'], ['lint'], ['docs', '--check'], ['build', '--check']];

function expectChecksPass(dir: string): void {
  for (const command of CHECKS) {
    const result = catalog(command, { cwd: dir });
    expect(result.status, `catalog ${command.join(' ')}:\n${result.stdout}${result.stderr}`).toBe(0);
    // Not a warning either (shellcheck's included): lint passes with warnings, a new component has none.
    if (command[0] === 'lint') expect(result.stdout).toBe('0 error(s), 0 warning(s), 0 info\n');
  }
}

const read = (repo: FixtureRepo, file: string) => readFileSync(path.join(repo.dir, file), 'utf8');

describe('catalog new in this catalog', () => {
  it('adds a component whose every check passes before it is committed, with its example, README section, schema and golden render', async () => {
    const repo = await catalogCopy();
    const result = await runNewIn(repo.dir, { name: 'hello', description: 'Greets the pipeline.' });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        'created components/hello/template.yml',
        'created components/hello/hello.sh',
        'created examples/hello/.gitlab-ci.yml',
        'built templates/hello.yml',
        'README.md: section for "hello" added',
        'regenerated docs/schemas/ (hello.inputs.schema.json)',
        'created test/fixtures/render/hello.yml',
        'checked: catalog validate, catalog lint, catalog docs --check, catalog build --check',
        '',
      ].join('\n'),
    );
    // (The helper trims git's output, the first line's leading space too.)
    expect(repo.git('status', '--porcelain', '--untracked-files=all').split('\n')).toEqual([
      'M README.md',
      ' M docs/schemas/consumer-pipeline.schema.json',
      '?? components/hello/hello.sh',
      '?? components/hello/template.yml',
      '?? docs/schemas/hello.inputs.schema.json',
      '?? examples/hello/.gitlab-ci.yml',
      '?? templates/hello.yml',
      '?? test/fixtures/render/hello.yml',
    ]);
    // Every check, as a maintainer runs it, before anything is committed.
    expectChecksPass(repo.dir);

    // The inputs speak the catalog's vocabulary; the job runs the shell file.
    const template = read(repo, 'templates/hello.yml');
    expect(template).toContain("    as:\n      description: Name of the job.\n      default: 'hello'\n");
    expect(template).toContain('    stage:\n      description: Stage of the job.\n');
    expect(template).toContain('    rules:\n      description: >-\n        `rules:` of the job, passed through unchanged.\n      type: array\n');
    expect(template).toContain('    image:\n      description: >-\n        Image of the job.');
    expect(template).toContain('      default: docker:29.5.2-cli\n');
    expect(read(repo, 'components/hello/hello.sh')).toMatch(/^set -eu$/m);
    // It starts with the catalog's shared helpers, as every component does.
    expect(read(repo, 'components/hello/hello.sh')).toContain('\n# catalog:include ../lib/log.sh\ncatalog_init hello\n');
    expect(template).toContain('\n      catalog_init hello\n');
    expect(template).toContain("    - |\n      # ---- hello ");
    expect(read(repo, 'examples/hello/.gitlab-ci.yml')).toContain('  - component: $CI_SERVER_FQDN/$CI_PROJECT_PATH/hello@$CI_COMMIT_SHA\n');
    // README: the generated table between markers, then what it does and where it is included from.
    const readme = read(repo, 'README.md');
    expect(readme).toContain('<!-- catalog-docs:begin hello -->\n### `hello`\n');
    expect(readme).toContain(
      '<!-- catalog-docs:end hello -->\n\nUsage: Greets the pipeline. Include `$CI_SERVER_FQDN/multiarch-ci/gitlab-ci-catalog/hello@<version>`; see\n`examples/hello/.gitlab-ci.yml`.\n',
    );
    expect(JSON.parse(read(repo, 'docs/schemas/hello.inputs.schema.json')).properties.stage.default).toBe('test');

    // The golden render is what the golden test makes of the example (its own repository and render).
    const committed = await catalogRepo(repo.dir);
    try {
      const rendered = await renderExample(committed.repo.dir, 'examples/hello/.gitlab-ci.yml');
      expect(rendered.code, rendered.stderr).toBe(0);
      expect(read(repo, 'test/fixtures/render/hello.yml')).toBe(
        '# Golden render of examples/hello/.gitlab-ci.yml (test/components/render-golden.test.ts).\n' +
          '# Regenerate with UPDATE_GOLDEN=1 after reviewing the diff; <sha> stands for the commit.\n' +
          normaliseSha(rendered.stdout, committed.sha),
      );
      expect(rendered.stdout.startsWith('hello:\n  stage: test\n  image: docker:29.5.2-cli\n  rules:\n    - when: on_success\n  variables:\n    HELLO_DOTENV_PREFIX: HELLO\n  script:\n')).toBe(true);
      // Its output: the dotenv report the script writes (the catalog's component contract).
      expect(rendered.stdout).toContain("      printf '%s_RESULT=%s\\n' \"$HELLO_DOTENV_PREFIX\" ok > hello.env\n  artifacts:\n    expire_in: 1 week\n    reports:\n      dotenv: hello.env\n");
    } finally {
      await committed.repo.cleanup();
    }
  });

  it('refuses a name that is taken (exit 1), writing nothing', async () => {
    const repo = await catalogCopy();
    expect(await runNewIn(repo.dir, { name: 'buildx-ecr' })).toEqual({
      code: 1,
      stdout: '',
      stderr: 'catalog new: component "buildx-ecr" exists already (components/buildx-ecr): choose another name, or edit it there\n',
    });
    expect(await runNewIn(repo.dir, { name: 'podman-native' })).toEqual({
      code: 1,
      stdout: '',
      stderr: 'catalog new: component "podman-native" exists already (examples/podman-native): choose another name, or edit it there\n',
    });
    expect(repo.git('status', '--porcelain')).toBe('');
  });
});

describe('catalog new in a catalog without components/', () => {
  it('writes the shell into templates/<name>.yml; a name YAML would read as a number stays a string', async () => {
    const repo = await createRepo('catalog-new-small-');
    repos.push(repo);
    await repo.write('README.md', '# Catalog\n');
    const quiet: Io = { cwd: repo.dir, stdout: () => undefined, stderr: () => undefined, readStdin: async () => '' };
    expect(await runDocs({}, quiet)).toBe(0);
    await repo.commit('empty catalog');
    const result = await runNewIn(repo.dir, { name: '2024' });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')).toEqual(['created templates/2024.yml', 'created examples/2024/.gitlab-ci.yml', 'README.md: section for "2024" added', 'checked: catalog validate, catalog lint, catalog docs --check, catalog build --check', '']);
    expect(existsSync(path.join(repo.dir, 'components'))).toBe(false);
    expect(read(repo, 'templates/2024.yml')).toContain("  script:\n    - |\n      # ---- 2024 ");
    expect(read(repo, 'templates/2024.yml')).toContain("      set -eu\n      printf '%s\\n' '2024: Runs the 2024 job.'\n");
    expect(read(repo, 'README.md')).toContain('Usage: Runs the 2024 job. Include `$CI_SERVER_FQDN/<project path>/2024@<version>`; see\n');
    expectChecksPass(repo.dir);
  });
});

describe('catalog new: invalid names', () => {
  it.each(['a.b', 'a/b', 'a b', 'é', 'x;y', ''])('refuses %j with the message, writing nothing (exit 1)', async (name) => {
    const repo = await createRepo('catalog-new-invalid-');
    repos.push(repo);
    await repo.write('README.md', '# Catalog\n');
    await repo.commit('empty catalog');
    expect(await runNewIn(repo.dir, { name })).toEqual({
      code: 1,
      stdout: '',
      stderr: `catalog new: "${name}" is not a component name GitLab releases: a name is letters, digits, "_" and "-" ([\\w-]+), as in templates/<name>.yml\n`,
    });
    expect(repo.git('status', '--porcelain')).toBe('');
  });

  it('through the binary: the same message and exit 1', async () => {
    const repo = await createRepo('catalog-new-binary-');
    repos.push(repo);
    expect(catalog(['new', 'my.component'], { cwd: repo.dir })).toEqual({
      status: 1,
      stdout: '',
      stderr: 'catalog new: "my.component" is not a component name GitLab releases: a name is letters, digits, "_" and "-" ([\\w-]+), as in templates/<name>.yml\n',
    });
  });
});
