/**
 * `catalog lint` in an application repository that includes this catalog's components, run as a
 * user runs it (the built CLI, in the application's directory), against a catalog repository with
 * releases 1.0.0–1.2.0 and the pre-release 1.3.0-rc.1 reached through `.catalog.yml` and a
 * `file://` URL. Each mistake of issue 12 is reported at its line and column with GitLab's text
 * (and our hint after "; "), exit 1; the clean pipeline exits 0 and says what each include resolved to.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalog, type CliResult } from '../helpers/cli.js';
import { CATALOG_PROJECT, CLEAN_PIPELINE, createConsumerFixture, type ConsumerFixture } from '../helpers/consumer-fixture.js';
import { createRepo } from '../helpers/fixture-repo.js';

let fixture: ConsumerFixture;
beforeAll(async () => {
  fixture = await createConsumerFixture();
});
afterAll(async () => {
  await fixture.cleanup();
});

const short = (tag: string) => fixture.commits[tag]?.slice(0, 7) ?? '';
const address = (component: string) => `$CI_SERVER_FQDN/${CATALOG_PROJECT}/${component}`;

/** `catalog lint p.yml` (or other arguments) in the application repository, with `text` as p.yml. */
function lint(text: string, args: readonly string[] = []): CliResult {
  writeFileSync(path.join(fixture.app.dir, 'p.yml'), text);
  return catalog(['lint', 'p.yml', ...args], { cwd: fixture.app.dir });
}

/** The findings of a text report, without the count line. */
const findings = (result: CliResult) => result.stdout.split('\n').filter((line) => line.startsWith('p.yml:'));

describe('a clean consumer pipeline', () => {
  it('exits 0 and prints what each include resolved to: @1 is the highest 1.x release, not the pre-release', () => {
    const result = catalog(['lint', '.gitlab-ci.yml'], { cwd: fixture.app.dir });
    expect(result).toEqual({
      status: 0,
      stdout: '0 error(s), 0 warning(s), 0 info\n',
      stderr: `ecr-login@1 → 1.2.0 (${short('1.2.0')})\nbuildx-ecr@1 → 1.2.0 (${short('1.2.0')})\n`,
    });
  });

  it('lints .gitlab-ci.yml when no file is named, and `catalog check` is the same command', () => {
    expect(catalog(['lint'], { cwd: fixture.app.dir }).status).toBe(0);
    expect(catalog(['check'], { cwd: fixture.app.dir })).toEqual(catalog(['lint'], { cwd: fixture.app.dir }));
  });

  it('resolves ~latest over releases only, a pre-release named in full, a branch and a SHA', () => {
    const sha = fixture.commits['1.1.0'] as string;
    const text = [
      'include:',
      `  - component: ${address('ecr-login@~latest')}`,
      `  - component: ${address('buildx-ecr@1.3.0-rc.1')}`,
      '    inputs: {image-name: a, as: rc}',
      `  - component: ${address('buildx-ecr@main')}`,
      '    inputs: {image-name: b, as: main, dotenv-prefix: MAIN}',
      `  - component: ${address(`buildx-ecr@${sha}`)}`,
      '    inputs: {image-name: c, as: pinned, dotenv-prefix: PINNED}',
      '',
    ].join('\n');
    const result = lint(text);
    expect(result.stderr).toBe(
      [
        `ecr-login@~latest → 1.2.0 (${short('1.2.0')})`,
        `buildx-ecr@1.3.0-rc.1 → 1.3.0-rc.1 (${short('1.3.0-rc.1')})`,
        `buildx-ecr@main → ${short('1.3.0-rc.1')}`,
        `buildx-ecr@${sha} → ${short('1.1.0')}`,
        '',
      ].join('\n'),
    );
    expect(result.status, result.stdout).toBe(0);
  });
});

describe('the mistakes GitLab rejects at pipeline creation: file:line:col, GitLab’s text, exit 1', () => {
  it('misspelt and mistyped inputs, at the first offending input, with a suggestion', () => {
    const text = ['include:', `  - component: ${address('buildx-ecr@1.2.0')}`, '    inputs:', '      image-nme: my-app', '      retries: three', ''].join('\n');
    const result = lint(text);
    expect(result.status).toBe(1);
    expect(findings(result)).toEqual([
      'p.yml:4:7: `gitlab.com/acme/ci-catalog/buildx-ecr@1.2.0`: unknown input arguments: image-nme, ' +
        '`image-name` input: required value has not been provided, `retries` input: provided value is not a number; did you mean "image-name"? [include]',
    ]);
    const typed = lint(['include:', `  - component: ${address('buildx-ecr@1.2.0')}`, '    inputs:', '      image-name: my-app', '      retries: three', ''].join('\n'));
    expect(findings(typed)).toEqual(['p.yml:5:7: `gitlab.com/acme/ci-catalog/buildx-ecr@1.2.0`: `retries` input: provided value is not a number [include]']);
  });

  it('a typo in the catalog’s project path: the project does not exist, did you mean the configured one', () => {
    const result = lint(['include:', '  - component: gitlab.com/acme/ci-catalgo/buildx-ecr@1', '    inputs: {image-name: a}', ''].join('\n'));
    expect(result.status).toBe(1);
    expect(findings(result)).toEqual([
      "p.yml:2:16: Component 'gitlab.com/acme/ci-catalgo/buildx-ecr@1' - project does not exist or you don't have sufficient permissions; " +
        'did you mean "acme/ci-catalog"? (if acme/ci-catalgo is another catalog: map it to a clone or a git URL under sources: in .catalog.yml ' +
        '("gitlab.com/acme/ci-catalgo": <clone or URL>), or pass --catalog gitlab.com/acme/ci-catalgo=<clone or URL>) [include]',
    ]);
  });

  it('a component job in a stage the pipeline does not declare: at the include, from the component’s default', () => {
    const text = ['stages: [test]', 'include:', `  - component: ${address('ecr-login@1')}`, `  - component: ${address('buildx-ecr@1')}`, '    inputs: {image-name: a}', ''].join('\n');
    const result = lint(text);
    expect(result.status).toBe(1);
    // ecr-login-check is in .pre, which every pipeline has.
    expect(findings(result)).toEqual([
      'p.yml:4:16: buildx-ecr job: chosen stage build does not exist; available stages are .pre, test, .post; ' +
        'in the code of component buildx-ecr@1 (the default of its input "stage"), included here [pipeline]',
    ]);
    const given = lint(['stages: [test]', 'include:', `  - component: ${address('ecr-login@1')}`, `  - component: ${address('buildx-ecr@1')}`, '    inputs: {image-name: a, stage: deploy}', ''].join('\n'));
    // Set by the include: at that input's value.
    expect(findings(given)).toEqual(['p.yml:5:36: buildx-ecr job: chosen stage deploy does not exist; available stages are .pre, test, .post [pipeline]']);
  });

  it('login-job naming a hidden job nobody defines: extends: to nothing, at that input', () => {
    const text = ['include:', `  - component: ${address('ecr-login@1')}`, `  - component: ${address('buildx-ecr@1')}`, '    inputs:', '      image-name: a', '      login-job: .ecr-logn', ''].join('\n');
    const result = lint(text);
    expect(result.status).toBe(1);
    expect(findings(result)).toEqual(['p.yml:6:18: buildx-ecr: unknown keys in `extends` (.ecr-logn); did you mean ".ecr-login"? [pipeline]']);
  });

  it('needs: on a job that does not exist, at the need', () => {
    const text = CLEAN_PIPELINE.replace('needs: [buildx-ecr]', 'needs: [buildx-ecrr]');
    const result = lint(text);
    expect(result.status).toBe(1);
    expect(findings(result)).toEqual(['p.yml:16:11: unit-tests job: undefined need: buildx-ecrr; did you mean "buildx-ecr"? [pipeline]']);
  });

  it('buildx-ecr included twice with the same `as`: two jobs of one name, at the second include’s input', () => {
    const text = [
      'include:',
      `  - component: ${address('ecr-login@1')}`,
      `  - component: ${address('buildx-ecr@1')}`,
      '    inputs: {image-name: app, as: build-image}',
      `  - component: ${address('buildx-ecr@1')}`,
      '    inputs:',
      '      image-name: worker',
      '      as: build-image',
      '',
    ].join('\n');
    const result = lint(text);
    expect(result.status).toBe(1);
    expect(findings(result)).toEqual([
      'p.yml:8:11: job "build-image" is made by this include and by the include at line 4: GitLab deep-merges the two into one job; give each include its own "as" [duplicate-job]',
    ]);
  });

  it('buildx-ecr without the ecr-login include: its extends: .ecr-login names nothing', () => {
    const result = lint(['include:', `  - component: ${address('buildx-ecr@1')}`, '    inputs: {image-name: a}', ''].join('\n'));
    expect(result.status).toBe(1);
    expect(findings(result)).toEqual([
      'p.yml:2:16: buildx-ecr: unknown keys in `extends` (.ecr-login); in the code of component buildx-ecr@1 (the default of its input "login-job"), included here [pipeline]',
    ]);
  });

  it('a version that is not there: the versions nearest first, and how to fetch newer ones', () => {
    const result = lint(['include:', `  - component: ${address('buildx-ecr@1.9')}`, '    inputs: {image-name: a}', ''].join('\n'));
    expect(result.status).toBe(1);
    expect(findings(result)).toEqual([
      "p.yml:2:16: Component 'gitlab.com/acme/ci-catalog/buildx-ecr@1.9' - content not found; versions of acme/ci-catalog, nearest first: 1.3.0-rc.1, 1.2.0, 1.1.0, 1.0.0; " +
        `if a newer version is missing, run again with --refresh to fetch ${fixture.url} anew [include]`,
    ]);
  });

  it('a misspelt component: the components at that version, nearest first', () => {
    const result = lint(['include:', `  - component: ${address('buildx-ecrr@1')}`, ''].join('\n'));
    expect(findings(result)).toEqual([
      "p.yml:2:16: Component 'gitlab.com/acme/ci-catalog/buildx-ecrr@1' - content not found; " +
        `components of acme/ci-catalog at 1.2.0 (${short('1.2.0')}), nearest first: buildx-ecr, ecr-login, manifest-merge, podman-arch-build [include]`,
    ]);
  });

  it('another instance: not supported here, and the --server-fqdn that checks it', () => {
    const result = lint(['include:', '  - component: gitlab.example.com/acme/ci-catalog/buildx-ecr@1', ''].join('\n'));
    expect(findings(result)).toEqual([
      "p.yml:2:16: Component 'gitlab.example.com/acme/ci-catalog/buildx-ecr@1' - the component path is not supported; " +
        'this run takes $CI_SERVER_FQDN to be "gitlab.com": for a pipeline on gitlab.example.com, pass --server-fqdn gitlab.example.com [include]',
    ]);
  });
});

describe('sources', () => {
  it('an include of a project no source serves is a warning naming it and how to configure it (exit 0)', () => {
    const result = lint(`${CLEAN_PIPELINE.replace('include:\n', 'include:\n  - component: gitlab.com/platform/tools/scan@2\n')}`);
    expect(result.status).toBe(0);
    expect(findings(result)).toEqual([
      'p.yml:4:16: warning: component "scan" of gitlab.com/platform/tools is not checked: no catalog source serves that project ' +
        '(map it to a clone or a git URL under sources: in .catalog.yml ("gitlab.com/platform/tools": <clone or URL>), ' +
        'or pass --catalog gitlab.com/platform/tools=<clone or URL>); it is left in include: for GitLab [no-source]',
    ]);
  });

  it('reads a cached copy offline until --refresh fetches the new tags', () => {
    fixture.catalog.git('tag', '-a', '1.4.0', '-m', '1.4.0', fixture.commits['1.2.0'] as string);
    try {
      const text = ['include:', `  - component: ${address('ecr-login@1.4.0')}`, ''].join('\n');
      const cached = lint(text);
      expect(cached.status).toBe(1);
      expect(findings(cached)[0]).toMatch(/ - content not found; versions of acme\/ci-catalog, nearest first: 1\.3\.0-rc\.1, .*--refresh/);
      const refreshed = lint(text, ['--refresh']);
      expect(refreshed.status, refreshed.stdout).toBe(0);
      expect(refreshed.stderr).toBe(`ecr-login@1.4.0 → 1.4.0 (${short('1.2.0')})\n`);
    } finally {
      fixture.catalog.git('tag', '-d', '1.4.0');
    }
    // --refresh also drops the tags the catalog no longer has: @1 is 1.2.0 again.
    const pruned = lint(['include:', `  - component: ${address('ecr-login@1')}`, ''].join('\n'), ['--refresh']);
    expect(pruned.stderr).toBe(`ecr-login@1 → 1.2.0 (${short('1.2.0')})\n`);
  });

  it('--catalog <server>/<project>=<dir> adds a clone; schema findings in its component code are counted, and shown with --all', async () => {
    const broken = await createRepo('catalog-consumer-broken-');
    try {
      await broken.write('templates/bad.yml', 'spec:\n  inputs:\n    stage:\n      default: test\n---\nbad:\n  stage: $[[ inputs.stage ]]\n  scrpit: echo\n');
      await broken.commit('bad');
      broken.git('tag', '1.0.0');
      const text = ['include:', '  - component: gitlab.com/acme/broken/bad@1.0.0', ''].join('\n');
      const option = ['--catalog', `gitlab.com/acme/broken=${broken.dir}`];
      const quiet = lint(text, option);
      expect(quiet.status).toBe(0);
      expect(quiet.stderr).toBe(
        `bad@1.0.0 → 1.0.0 (${broken.git('rev-parse', '--short=7', 'HEAD')})\n` +
          "1 schema finding(s) inside component code not shown: they are the catalog's to fix (--all shows them)\n",
      );
      const all = lint(text, [...option, '--all']);
      expect(all.status).toBe(1);
      expect(findings(all)).toEqual([expect.stringMatching(/^p\.yml:2:16: unknown key "scrpit" in job "bad"\. expected one of .*; in the code of component bad@1\.0\.0, included here \[ci-schema\]$/)]);
    } finally {
      await broken.cleanup();
    }
  });

  it('a malformed .catalog.yml is an operational error at its place (exit 2)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'catalog-consumer-config-'));
    try {
      writeFileSync(path.join(dir, '.catalog.yml'), 'sources:\n  acme/ci-catalog: https://example.invalid/x.git\n');
      writeFileSync(path.join(dir, '.gitlab-ci.yml'), 'job: {script: x}\n');
      expect(catalog(['lint'], { cwd: dir })).toEqual({
        status: 2,
        stdout: '',
        stderr: 'catalog: .catalog.yml:2:3: "acme/ci-catalog" is not <server>/<group>/<project> (e.g. gitlab.com/acme/ci-catalog)\n',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('catalog render in the application', () => {
  it('expands the includes from the configured catalog, and fails on the include errors lint reports', () => {
    const ok = catalog(['render', '.gitlab-ci.yml'], { cwd: fixture.app.dir });
    expect(ok.status, ok.stderr).toBe(0);
    // The login's hidden job, then the one `sign` picks (`none`: no ID token).
    expect(ok.stdout).toMatch(/^buildx-ecr:\n {2}extends:\n {4}- \.ecr-login\n {4}- \.buildx-ecr-sign-none\n {2}stage: build\n/m);
    expect(ok.stderr).toBe(`ecr-login@1 → 1.2.0 (${short('1.2.0')})\nbuildx-ecr@1 → 1.2.0 (${short('1.2.0')})\n`);
    writeFileSync(path.join(fixture.app.dir, 'p.yml'), ['include:', `  - component: ${address('buildx-ecr@1')}`, '    inputs: {image-nme: a}', ''].join('\n'));
    const bad = catalog(['render', 'p.yml'], { cwd: fixture.app.dir });
    expect(bad.status).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toContain('p.yml:3:14: `gitlab.com/acme/ci-catalog/buildx-ecr@1`: unknown input arguments: image-nme, ');
  });
});
