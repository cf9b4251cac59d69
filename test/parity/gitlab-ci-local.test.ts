/**
 * Parity between `catalog render` and the independent tool gitlab-ci-local (`--preview`), both checked
 * against a merged pipeline written by hand from GitLab's documented semantics
 * (`/work/shared/reference/gitlab-semantics.md`), plus a record of where gitlab-ci-local differs from
 * GitLab. Every gitlab-ci-local assertion states what it really does (version pinned in package.json), so
 * `docs/gitlab-ci-local.md` stays true; when an upgrade changes a behaviour, the matching test fails.
 *
 * How gitlab-ci-local is made to treat our components as local (src/parser-includes.ts,
 * `parseIncludeComponent`): a component is local iff its project path equals `<group>/<project>` parsed
 * from the `origin` remote URL AND its version is exactly the 40-hex `git rev-parse HEAD`. The host is
 * not compared. Local components are then read from the WORKING TREE (`<cwd>/templates/...`). Anything
 * else is fetched from the remote with `git ls-remote`/`git clone` (or `git archive` over ssh); the
 * helper rewrites those URLs to the temporary repository and forbids every transport but `file`, so no
 * test ever touches the network.
 *
 * Tools: see ./gitlab-ci-local.ts. A missing tool prints why and skips, or fails when
 * CATALOG_REQUIRE_TOOLS=1. The render side runs once `scripts/cli/commands/render.ts` exists.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_ORIGIN_URL, makeRepo } from '../../harness/integration/fake-project.js';
import {
  REPO_ROOT,
  REQUIRE_TOOLS,
  catalogRender,
  checkTools,
  git,
  gitlabCiLocalPreview,
  renderState,
  type RunResult,
} from './gitlab-ci-local.js';
import { canonicalJobs, declaredStages, parsePipeline } from './jobs.js';

const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'parity');
const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});
const tools = checkTools();
const render = renderState();

if (!tools.ok) {
  console.warn(
    `[parity] gitlab-ci-local cannot run here${REQUIRE_TOOLS ? ' (CATALOG_REQUIRE_TOOLS=1: failing)' : ' (skipping)'}:\n` +
      tools.problems.map((p) => `  - ${p}`).join('\n'),
  );
}
if (render.state !== 'ready') console.warn(`[parity] catalog render side: ${render.reason}`);

type Obj = Record<string, unknown>;

/** The job map gitlab-ci-local printed, after checking it succeeded. */
function gclJobs(r: RunResult): Obj {
  expect(r.status, `gitlab-ci-local failed:\n${r.stderr}`).toBe(0);
  return canonicalJobs(parsePipeline(r.stdout));
}

/** gitlab-ci-local prints its own errors as `This GitLab CI configuration is invalid: \`<file>\`: <msg>`. */
function gclError(r: RunResult): string {
  expect(r.status, `gitlab-ci-local unexpectedly succeeded:\n${r.stdout}`).toBe(1);
  expect(r.stdout).toBe('');
  return r.stderr;
}

/** `catalog render`'s jobs, or its error text; only called when render is ready. */
function oursJobs(r: RunResult): Obj {
  expect(r.status, `catalog render failed:\n${r.stderr}`).toBe(0);
  return canonicalJobs(parsePipeline(r.stdout));
}

describe('parity prerequisites', () => {
  it('gitlab-ci-local, Node 22, git and rsync are available', (ctx) => {
    if (!tools.ok && !REQUIRE_TOOLS) ctx.skip(`tools missing: ${tools.problems.join('; ')}`);
    expect(tools.problems).toEqual([]);
    expect(tools.gitlabCiLocalVersion).toBe('4.75.1');
    expect(tools.nodeVersion).toMatch(/^v22\./);
  });

  it('catalog render is built when it exists', (ctx) => {
    if (render.state === 'absent') ctx.skip(render.reason);
    expect(render.state === 'ready' ? 'ready' : render.reason).toBe('ready');
  });
});

// ---------------------------------------------------------------------------------------------------------
// 1. The parity fixture: test/fixtures/parity/catalog
// ---------------------------------------------------------------------------------------------------------

/**
 * The merged jobs GitLab produces for test/fixtures/parity/catalog/.gitlab-ci.yml, written by hand from
 * GitLab's semantics (reference doc §3: a block that is the whole string keeps its input's type, blocks
 * inside a string use Ruby `to_s`; an array-valued block that is an array item is spliced into the array;
 * includes are deep-merged with the including file winning; `extends` is deep-merged, the job winning).
 * It is written in GitLab's own (un-normalised) form and goes through the same canonicalJobs() as both
 * tools' outputs.
 */
const EXPECTED_STAGES = ['build', 'test'];
const EXPECTED_JOBS = {
  // templates/build.yml with job_prefix=publish, image=docker:27.3, three platforms, two extra commands,
  // push=false, retries=2; context and timeout_minutes from their defaults.
  'publish-image': {
    // from `.publish-base` through `extends`
    interruptible: true,
    tags: ['docker'],
    variables: {
      DOCKER_TLS_CERTDIR: '/certs',
      BUILD_CONTEXT: '.', // string default, whole value
      BUILD_RETRIES: 2, // number input as the whole value: an Integer (a string once GitLab reads variables)
    },
    stage: 'build',
    image: 'docker:27.3',
    services: ['docker:27-dind'],
    retry: 2, // typed: Integer
    timeout: '30 minutes', // number inside a string: to_s
    script: [
      'docker buildx create --use',
      // `- $[[ inputs.extra_commands ]]` is an array item that interpolates to an array: spliced
      'docker buildx ls',
      'docker info',
      'docker buildx build --platform "$PLATFORMS" --push=false "."', // boolean inside a string: "false"
    ],
    parallel: { matrix: [{ PLATFORMS: ['linux/amd64', 'linux/arm64', 'linux/s390x'] }] }, // typed array
  },
  // templates/scan/template.yml with severity=high, max_findings=5, two paths, needs=[publish-image];
  // stage and fail_on_findings from defaults; the consumer's `scan:` is deep-merged over the component's.
  scan: {
    stage: 'test',
    image: 'alpine:3.20',
    needs: ['publish-image'],
    allow_failure: false, // typed boolean default
    variables: { SCAN_SEVERITY: 'high', SCAN_EXTRA: '1' },
    script: 'scan --severity=high --max=5 --fail=false',
    artifacts: { paths: ['reports/', 'sbom.json'] },
  },
};

describe.skipIf(!tools.ok)('parity fixture: gitlab-ci-local --preview = catalog render = GitLab semantics', () => {
  let repo: { dir: string; sha: string };
  let gcl: RunResult;
  let ours: RunResult | undefined;

  beforeAll(async () => {
    repo = await makeRepo(path.join(FIXTURES, 'catalog'), 'parity-catalog-');
    tempDirs.push(repo.dir);
    // Ours first: gitlab-ci-local leaves a .gitlab-ci-local/ state directory in the work tree.
    if (render.state === 'ready') ours = catalogRender(repo.dir, '.gitlab-ci.yml', repo.sha);
    gcl = gitlabCiLocalPreview(repo.dir);
  });

  it('gitlab-ci-local resolves both components as local (origin path + HEAD sha), fetching nothing', () => {
    expect(git(repo.dir, 'remote', 'get-url', 'origin')).toBe(FAKE_ORIGIN_URL);
    expect(gcl.status, gcl.stderr).toBe(0);
    expect(gcl.stderr).not.toMatch(/downloaded/);
    expect(existsSync(path.join(repo.dir, '.gitlab-ci-local', 'includes'))).toBe(false);
  });

  it('gitlab-ci-local --preview adds and rewrites exactly what canonicalJobs()/declaredStages() undo', () => {
    const doc = parsePipeline(gcl.stdout) as Record<string, Record<string, unknown>>;
    // `.pre`/`.post` added around the declared stages
    expect(doc['stages']).toEqual(['.pre', 'build', 'test', '.post']);
    // `include` and hidden jobs removed (also `default`, top-level before_script/after_script: handler.ts)
    expect(Object.keys(doc).sort()).toEqual(['publish-image', 'scan', 'stages']);
    const build = doc['publish-image']!;
    // extends expanded and deleted; parents' keys come first
    expect(build['extends']).toBeUndefined();
    expect(Object.keys(build).slice(0, 3)).toEqual(['interruptible', 'tags', 'variables']);
    expect(build['image']).toEqual({ name: 'docker:27.3' });
    expect(build['services']).toEqual([{ name: 'docker:27-dind' }]);
    expect((build['variables'] as Obj)['BUILD_RETRIES']).toBe('2');
    expect(build['retry']).toBe(2);
    const scan = doc['scan']!;
    expect(scan['needs']).toEqual([{ job: 'publish-image', artifacts: true, optional: false }]);
    expect(scan['script']).toEqual(['scan --severity=high --max=5 --fail=false']);
  });

  it('gitlab-ci-local agrees with the hand-written GitLab expectation', () => {
    const doc = parsePipeline(gcl.stdout);
    expect(declaredStages(doc)).toEqual(EXPECTED_STAGES);
    expect(gclJobs(gcl)).toEqual(canonicalJobs(EXPECTED_JOBS));
  });

  it('catalog render agrees with gitlab-ci-local and with the expectation', (ctx) => {
    if (render.state !== 'ready') {
      if (render.state === 'absent') ctx.skip(render.reason);
      throw new Error(render.reason);
    }
    const oursDoc = parsePipeline(ours!.stdout);
    const jobs = oursJobs(ours!);
    expect(jobs).toEqual(gclJobs(gcl));
    expect(jobs).toEqual(canonicalJobs(EXPECTED_JOBS));
    const stages = declaredStages(oursDoc);
    if (stages !== undefined) expect(stages).toEqual(EXPECTED_STAGES);
    expect(oursDoc['include']).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------------------
// 2. Where gitlab-ci-local differs from GitLab: test/fixtures/parity/differences (docs/gitlab-ci-local.md)
// ---------------------------------------------------------------------------------------------------------

/** What GitLab does with a case: fail with a message containing `error`, or produce `jobs`. */
type GitLab = { readonly error: string } | { readonly jobs: Obj };

interface DiffCase {
  readonly name: string;
  /** Pipeline file in the temporary repository. */
  readonly file: string;
  readonly gitlab: (sha: string) => GitLab;
  /** Asserts what gitlab-ci-local 4.75.1 really does. */
  readonly gcl: (r: RunResult, sha: string) => void;
}

/**
 * An abbreviated sha with at least one hex letter: gitlab-ci-local takes an all-digit version such as
 * `09059030` for a semver range (`/^\d+(\.\d+)?$/`) and resolves it over `git ls-remote --tags` instead.
 */
const shortSha = (sha: string): string => {
  for (let n = 8; n < sha.length; n++) if (/[a-f]/.test(sha.slice(0, n))) return sha.slice(0, n);
  return sha;
};

const WARN_FUNCTIONS = 'interpolation functions is currently not supported via gitlab-ci-local. Functions will just be a no-op.';
const invalid = (file: string, msg: string) => `This GitLab CI configuration is invalid: \`${file}\`: ${msg}`;

const CASES: readonly DiffCase[] = [
  {
    name: '(a) unknown input argument',
    file: 'cases/unknown-input.yml',
    gitlab: () => ({ error: 'unknown input arguments: bogus' }),
    gcl: (r) => expect(gclJobs(r)).toEqual(canonicalJobs({ 'greet-alice': { script: 'echo "hello alice"' } })),
  },
  {
    name: '(b) unused input whose default has the wrong type',
    file: 'cases/unused-invalid-default.yml',
    gitlab: () => ({ error: '`level` input: default value is not a number' }),
    gcl: (r) => expect(gclJobs(r)).toEqual(canonicalJobs({ 'unused-invalid-default': { script: 'echo "x"' } })),
  },
  {
    name: '(b) unused required input that is not provided',
    file: 'cases/unused-required.yml',
    gitlab: () => ({ error: '`token` input: required value has not been provided' }),
    gcl: (r) => expect(gclJobs(r)).toEqual(canonicalJobs({ 'unused-required': { script: 'echo "x"' } })),
  },
  {
    name: '(b) unused input given a value outside its options',
    file: 'cases/unused-options.yml',
    gitlab: () => ({ error: '`mode` input: `reckless` cannot be used because it is not in the list of allowed options' }),
    gcl: (r) => expect(gclJobs(r)).toEqual(canonicalJobs({ 'unused-options': { script: 'echo "x"' } })),
  },
  {
    name: '(c) truncate, expand_vars and posix_escape',
    file: 'cases/functions.yml',
    gitlab: () => ({
      jobs: {
        functions: {
          script: [
            'echo "Hello"', // truncate(0,5)
            'echo "acme/catalog/sub"', // expand_vars: $CI_PROJECT_PATH
            'echo a\\ b\\;c', // posix_escape (Shellwords.shellescape)
            // posix_escape gives `it\'s\ here`, but a block inside a string is replaced with Ruby
            // `String#gsub(block, value)`, where `\'` in the replacement means "the text after the match"
            // (here empty): the apostrophe and its backslash disappear (reference doc §3.2, derived).
            'echo its\\ here',
          ],
        },
      },
    }),
    gcl: (r) => {
      // every function is dropped: the raw value is inserted, with one warning per block
      expect(gclJobs(r)).toEqual(
        canonicalJobs({
          functions: { script: ['echo "Hello, World"', 'echo "$CI_PROJECT_PATH/sub"', 'echo a b;c', "echo it's here"] },
        }),
      );
      expect(r.stderr.split(WARN_FUNCTIONS).length - 1).toBe(4);
    },
  },
  {
    name: '(d) regex violation',
    file: 'cases/regex-violation.yml',
    gitlab: () => ({ error: '`version` input: provided value does not match required RegEx pattern' }),
    gcl: (r) =>
      expect(gclError(r)).toContain(invalid('templates/regex.yml', '`version` input: `1.2` does not match required regex: ^v\\d+\\.\\d+$.')),
  },
  {
    name: '(d) options violation',
    file: 'cases/options-violation.yml',
    gitlab: () => ({ error: '`severity` input: `extreme` cannot be used because it is not in the list of allowed options' }),
    gcl: (r) =>
      expect(gclError(r)).toContain(
        invalid('templates/options.yml', '`severity` input: `extreme` cannot be used because it is not in the list of allowed options.'),
      ),
  },
  {
    name: '(d) default violating its own regex while a valid value is given',
    file: 'cases/regex-bad-default.yml',
    gitlab: () => ({ error: '`version` input: default value does not match required RegEx pattern' }),
    gcl: (r) => expect(gclJobs(r)).toEqual(canonicalJobs({ 'regex-bad-default': { script: 'echo "v2.0"' } })),
  },
  {
    name: 'regex dialect: JavaScript RegExp instead of RE2 (lookahead)',
    file: 'cases/regex-dialect.yml',
    gitlab: () => ({ error: '`tag` input: invalid regular expression' }),
    gcl: (r) => expect(gclJobs(r)).toEqual(canonicalJobs({ 'regex-dialect': { script: 'echo "v1"' } })),
  },
  {
    name: 'no coercion: a number given to a string input',
    file: 'cases/coercion-string.yml',
    gitlab: () => ({ jobs: { coercion: { parallel: 1, script: 'echo "label=123"' } } }),
    gcl: (r) => expect(gclError(r)).toContain(invalid('templates/coercion.yml', '`label` input: provided value is not a string.')),
  },
  {
    name: 'no coercion: a numeric string given to a number input',
    file: 'cases/coercion-number.yml',
    gitlab: () => ({ jobs: { coercion: { parallel: 42, script: 'echo "label=x"' } } }),
    gcl: (r) => expect(gclError(r)).toContain(invalid('templates/coercion.yml', '`count` input: provided value is not a number.')),
  },
  {
    name: 'array inside a string: JSON instead of Ruby Array#inspect',
    file: 'cases/array-in-string.yml',
    gitlab: () => ({ jobs: { 'array-in-string': { script: 'echo list=["a", "b"]' } } }),
    gcl: (r) => expect(gclJobs(r)).toEqual(canonicalJobs({ 'array-in-string': { script: 'echo list=["a","b"]' } })),
  },
  {
    name: 'unknown interpolation key: old message',
    file: 'cases/unknown-key.yml',
    gitlab: () => ({ error: 'unknown interpolation provided: `nope` in `inputs.nope`' }),
    gcl: (r) => expect(gclError(r)).toContain(invalid('templates/unknown-key.yml', 'unknown interpolation key: `nope`.')),
  },
  {
    name: 'spec:inputs header is not validated (unknown key)',
    file: 'cases/header-typo.yml',
    gitlab: () => ({ error: 'header:spec:inputs:name config contains unknown keys: defualt' }),
    gcl: (r) => expect(gclJobs(r)).toEqual(canonicalJobs({ 'header-typo': { script: 'echo "y"' } })),
  },
  {
    name: 'options on a boolean input',
    file: 'cases/boolean-options.yml',
    gitlab: () => ({ error: '`flag` input: Options can only be used with string and number inputs' }),
    gcl: (r) => expect(gclJobs(r)).toEqual(canonicalJobs({ 'boolean-options': { allow_failure: true, script: 'echo ok' } })),
  },
  {
    name: 'component.version of a component included by sha',
    file: 'cases/component-context.yml',
    // `version` is the resolved catalog semver, nil for a sha; nil inside a string is "" (Ruby to_s)
    gitlab: (sha) => ({ jobs: { 'component-context': { script: `echo "name=component-context version= sha=${sha}"` } } }),
    gcl: (r, sha) =>
      expect(gclJobs(r)).toEqual(
        canonicalJobs({ 'component-context': { script: `echo "name=component-context version=${sha} sha=${sha}"` } }),
      ),
  },
  {
    name: 'templates/<name>.yml and templates/<name>/template.yml both exist',
    file: 'cases/dup.yml',
    gitlab: () => ({ jobs: { 'dup-simple': { script: 'echo "templates/dup.yml"' } } }),
    gcl: (r) => expect(gclJobs(r)).toEqual(canonicalJobs({ 'dup-directory': { script: 'echo "templates/dup/template.yml"' } })),
  },
  {
    name: 'YAML 1.2 core scalars (js-yaml) instead of Psych YAML 1.1',
    file: 'cases/yaml-scalars.yml',
    // Psych `lib/psych/scalar_scanner.rb` (`YAML.safe_load`): a bare `.` is text; a float needs a dot, so
    // `1e3` is text; `,` is a digit separator; `010` is octal; `1:20` is base 60.
    gitlab: () => ({ jobs: { 'yaml-scalars': { script: 'echo ok', variables: { POINT: '.', EXPONENT: '1e3', COMMA: 1000, OCTAL: 8, SEXAGESIMAL: 80 } } } }),
    gcl: (r) =>
      expect(gclJobs(r)).toEqual(
        canonicalJobs({
          'yaml-scalars': { script: 'echo ok', variables: { POINT: '.', EXPONENT: 1000, COMMA: '1,000', OCTAL: 10, SEXAGESIMAL: '1:20' } },
        }),
      ),
  },
  {
    name: 'version given as a branch: fetched from the remote, not read locally',
    file: 'cases/branch-ref.yml',
    gitlab: () => ({ jobs: { 'greet-branch': { script: 'echo "hello branch"' } } }),
    gcl: (r) => {
      // Same jobs, but only because the helper points the remote at the local repository: gitlab-ci-local
      // ran `git clone --branch main https://gitlab.example.com/acme/catalog.git` (offline: fails).
      expect(r.stderr).toMatch(/downloaded acme\/catalog main templates\/greet/);
      expect(gclJobs(r)).toEqual(canonicalJobs({ 'greet-branch': { script: 'echo "hello branch"' } }));
    },
  },
  {
    name: 'version given as a short sha: cannot be resolved',
    file: 'cases/short-sha.yml', // written by the test: the sha is only known then
    gitlab: () => ({ jobs: { 'greet-short': { script: 'echo "hello short"' } } }),
    gcl: (r, sha) => {
      const short = shortSha(sha);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`Component include could not be fetched { project: acme/catalog, ref: ${short},`);
      expect(r.stderr).toContain(`Remote branch ${short} not found`);
    },
  },
];

describe.skipIf(!tools.ok)('where gitlab-ci-local 4.75.1 differs from GitLab (docs/gitlab-ci-local.md)', () => {
  let repo: { dir: string; sha: string };

  beforeAll(async () => {
    repo = await makeRepo(path.join(FIXTURES, 'differences'), 'parity-differences-');
    tempDirs.push(repo.dir);
    writeFileSync(
      path.join(repo.dir, 'cases', 'short-sha.yml'),
      `include:\n  - component: $CI_SERVER_FQDN/$CI_PROJECT_PATH/greet@${shortSha(repo.sha)}\n    inputs:\n      name: short\n`,
    );
  });

  it('has one case per pipeline in the fixture', () => {
    const files = readdirSync(path.join(FIXTURES, 'differences', 'cases')).map((f) => `cases/${f}`);
    const covered = new Set(CASES.map((c) => c.file));
    expect(files.filter((f) => !covered.has(f))).toEqual(['cases/wip.yml']); // covered by its own test below
  });

  for (const c of CASES) {
    describe(c.name, () => {
      it('gitlab-ci-local', () => {
        c.gcl(gitlabCiLocalPreview(repo.dir, { file: c.file }), repo.sha);
      });

      it('catalog render does what GitLab does', (ctx) => {
        if (render.state !== 'ready') {
          if (render.state === 'absent') ctx.skip(render.reason);
          throw new Error(render.reason);
        }
        const r = catalogRender(repo.dir, c.file, repo.sha);
        const expected = c.gitlab(repo.sha);
        if ('error' in expected) {
          expect(r.status, r.stdout).not.toBe(0);
          expect(r.stderr + r.stdout).toContain(expected.error);
        } else {
          expect(oursJobs(r)).toEqual(canonicalJobs(expected.jobs));
        }
      });
    });
  }

  describe('a local component is read from the working tree, not from the commit', () => {
    const committed = { 'wip-committed': { script: 'echo "committed content"' } };
    const edited = 'wip-uncommitted:\n  script: echo "uncommitted edit"\n';

    it('gitlab-ci-local', () => {
      const r0 = gitlabCiLocalPreview(repo.dir, { file: 'cases/wip.yml' });
      expect(gclJobs(r0)).toEqual(canonicalJobs(committed));
      writeFileSync(path.join(repo.dir, 'templates', 'wip.yml'), edited);
      try {
        const r1 = gitlabCiLocalPreview(repo.dir, { file: 'cases/wip.yml' });
        // GitLab would still use the commit `@<sha>` names.
        expect(gclJobs(r1)).toEqual(canonicalJobs({ 'wip-uncommitted': { script: 'echo "uncommitted edit"' } }));
      } finally {
        git(repo.dir, 'checkout', '--', 'templates/wip.yml');
      }
    });

    it('catalog render reads the commit', (ctx) => {
      if (render.state !== 'ready') {
        if (render.state === 'absent') ctx.skip(render.reason);
        throw new Error(render.reason);
      }
      writeFileSync(path.join(repo.dir, 'templates', 'wip.yml'), edited);
      try {
        expect(oursJobs(catalogRender(repo.dir, 'cases/wip.yml', repo.sha))).toEqual(canonicalJobs(committed));
      } finally {
        git(repo.dir, 'checkout', '--', 'templates/wip.yml');
      }
    });
  });
});

// ---------------------------------------------------------------------------------------------------------
// 3. Versions: test/fixtures/parity/versions (gitlab-ci-local fetches from the stand-in remote)
// ---------------------------------------------------------------------------------------------------------

/**
 * GitLab, for a catalog project whose releases are 1.0.0, 1.1.0 and the pre-release 2.0.0-rc.1
 * (reference doc §1.4): `@1.0.0` is that release; `@1` is the highest non-pre-release 1.x (1.1.0);
 * `@~latest` the highest non-pre-release (1.1.0).
 */
const EXPECTED_VERSION_JOBS = {
  'hello-pinned': { script: 'echo "hello from 1.0.0"' },
  'hello-minor': { script: 'echo "hey from 1.1.0"' },
  'hello-latest': { script: 'echo "hi from 1.1.0"' },
};

describe.skipIf(!tools.ok)('versions: @1.0.0, @1 and @~latest resolve to the tagged revisions', () => {
  let dir: string;
  let sha: string;

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'parity-versions-'));
    tempDirs.push(dir);
    git(dir, 'init', '-q', '-b', 'main');
    for (const version of ['1.0.0', '1.1.0', '2.0.0-rc.1']) {
      rmSync(path.join(dir, 'templates'), { recursive: true, force: true });
      cpSync(path.join(FIXTURES, 'versions', version), dir, { recursive: true });
      git(dir, 'add', '-A');
      git(dir, 'commit', '-q', '-m', `release ${version}`);
      git(dir, 'tag', version);
    }
    cpSync(path.join(FIXTURES, 'versions', 'consumer.yml'), path.join(dir, '.gitlab-ci.yml'));
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'consumer');
    git(dir, 'remote', 'add', 'origin', FAKE_ORIGIN_URL);
    sha = git(dir, 'rev-parse', 'HEAD');
  });

  it('gitlab-ci-local (semver ranges resolved over `git ls-remote --tags`, then `git clone --branch <tag>`)', () => {
    let r = gitlabCiLocalPreview(dir);
    // gitlab-ci-local fetches includes concurrently; `@1` and `@~latest` both resolve to 1.1.0, and its
    // two `cp -r` into the same cache directory can collide ("File exists"). That race is
    // gitlab-ci-local's own (docs/gitlab-ci-local.md); when it happens, run it again from a clean cache.
    if (r.status !== 0 && /File exists/.test(r.stderr)) {
      rmSync(path.join(dir, '.gitlab-ci-local'), { recursive: true, force: true });
      r = gitlabCiLocalPreview(dir);
    }
    expect(r.stderr).toMatch(/downloaded acme\/catalog 1\.0\.0 templates\/hello/);
    expect(r.stderr).toMatch(/downloaded acme\/catalog 1\.1\.0 templates\/hello/);
    expect(gclJobs(r)).toEqual(canonicalJobs(EXPECTED_VERSION_JOBS));
  });

  it('catalog render', (ctx) => {
    if (render.state !== 'ready') {
      if (render.state === 'absent') ctx.skip(render.reason);
      throw new Error(render.reason);
    }
    expect(oursJobs(catalogRender(dir, '.gitlab-ci.yml', sha))).toEqual(canonicalJobs(EXPECTED_VERSION_JOBS));
  });
});
