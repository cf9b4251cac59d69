/**
 * The harness of the component tests, checked on a small catalog and on hand-made pipelines, so
 * that the real checks (render-golden.test.ts, scripts.test.ts) are known to catch what they claim.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { YamlReference, fromPlain, type ValueMap } from '../../scripts/gitlab/ruby/value.js';
import { discoverComponents } from '../../scripts/catalog/discover.js';
import { tempTree } from '../helpers/cli.js';
import { catalogRepo, defaultInputs, interpolateWithDefaults, listExamples, normaliseSha, parseYaml, renderExample, type CatalogRepo } from './catalog.js';
import {
  dotenvProblems,
  imagesOf,
  isBashImage,
  isPinned,
  jobScripts,
  jobsOf,
  passwordOnArgv,
  shellcheck,
  shellcheckAvailability,
  strictModeProblem,
  syntaxCheck,
  xtraceLines,
} from './pipeline.js';

const HELLO = [
  'spec:',
  '  component: [name, sha]',
  '  inputs:',
  '    as:',
  '      default: hello',
  '      description: Job name.',
  '    stage:',
  '      default: build',
  '      description: Stage.',
  '    registry:',
  '      description: Registry host (required).',
  '      regex: ^[a-z.]+$',
  '---',
  "'$[[ inputs.as ]]':",
  '  stage: $[[ inputs.stage ]]',
  '  image: alpine:3.20',
  '  variables:',
  '    COMPONENT: $[[ component.name ]]@$[[ component.sha ]]',
  '  script:',
  '    - set -eu',
  '    - echo "REGISTRY=$[[ inputs.registry ]]" > hello.env',
  '  artifacts:',
  '    reports:',
  '      dotenv: hello.env',
  '',
].join('\n');

const EXAMPLE = [
  'include:',
  '  - component: $CI_SERVER_FQDN/$CI_PROJECT_PATH/hello@$CI_COMMIT_SHA',
  '    inputs:',
  '      registry: registry.example.com',
  '',
].join('\n');

const pipeline = (plain: unknown) => fromPlain(plain) as ValueMap;

describe('catalog harness on a small catalog', () => {
  let catalog: CatalogRepo | undefined;
  afterAll(async () => {
    await catalog?.repo.cleanup();
  });

  it('commits templates/ and examples/ only, renders an example and normalises the SHA', async () => {
    const root = tempTree({ 'templates/hello.yml': HELLO, 'examples/basic/.gitlab-ci.yml': EXAMPLE, 'examples/notes.md': 'x', 'other/file': 'x' });
    expect(listExamples(root)).toEqual([{ name: 'basic', file: 'examples/basic/.gitlab-ci.yml' }]);
    catalog = await catalogRepo(root);
    expect(catalog.repo.git('ls-files').split('\n')).toEqual(['examples/basic/.gitlab-ci.yml', 'examples/notes.md', 'templates/hello.yml']);
    expect(catalog.repo.git('remote', 'get-url', 'origin')).toBe('git@gitlab.com:group/catalog.git');
    const result = await renderExample(catalog.repo.dir, 'examples/basic/.gitlab-ci.yml');
    // Only what the include resolved to: the commit, no released version.
    expect(result.stderr).toBe(`hello@${catalog.sha} → ${catalog.sha.slice(0, 7)}\n`);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(catalog.sha);
    const text = normaliseSha(result.stdout, catalog.sha);
    expect(text).toContain('COMPONENT: hello@<sha>');
    expect(text).not.toContain(catalog.sha.slice(0, 8));
    const jobs = jobsOf(parseYaml(text, 'rendered.yml'));
    expect(jobs.map((j) => j.name)).toEqual(['hello']);
    expect(jobScripts(jobs[0]!).main).toBe('set -eu\necho "REGISTRY=registry.example.com" > hello.env\n');
  });

  it('renders a component with its defaults, taking required inputs from the examples', async () => {
    const root = tempTree({ 'templates/hello.yml': HELLO, 'examples/basic/.gitlab-ci.yml': EXAMPLE });
    const [component] = await discoverComponents(root);
    expect(defaultInputs(root, component!)).toEqual(new Map([['registry', 'registry.example.com']]));
    const result = await interpolateWithDefaults(root, component!);
    expect(result.code).toBe(0);
    expect(dotenvProblems(jobsOf(result.content ?? null))).toEqual([]);
    const alone = tempTree({ 'templates/hello.yml': HELLO.replace('      regex: ^[a-z.]+$\n', '') });
    const [bare] = await discoverComponents(alone);
    expect(defaultInputs(alone, bare!)).toEqual(new Map([['registry', 'example']]));
  });
});

describe('jobs as the runner gets them', () => {
  it('applies extends, !reference, default: and inherit:', () => {
    const p = pipeline({
      default: { before_script: ['set -eu', 'echo default'], image: 'alpine:3.20' },
      '.login': { before_script: ['set -eu', 'echo login'] },
      '.tpl': { extends: '.login', script: ['echo tpl'], variables: { A: '1', B: '1' } },
      a: { extends: '.tpl', variables: { B: '2' } },
      b: { script: ['echo b'], inherit: { default: false } },
      c: { script: ['echo c'], inherit: { default: ['image'] } },
      d: { script: ['echo d'] },
      stages: ['build'],
    });
    // fromPlain has no way to spell a tag: put the `!reference` in by hand.
    (p.get('d') as ValueMap).set('script', [new YamlReference(['.login', 'before_script']), 'echo d']);
    const jobs = new Map(jobsOf(p).map((j) => [j.name, j]));
    expect([...jobs.keys()]).toEqual(['.login', '.tpl', 'a', 'b', 'c', 'd']);
    expect(jobScripts(jobs.get('a')!).main).toBe('set -eu\necho login\necho tpl\n');
    expect(jobs.get('a')!.config.get('variables')).toEqual(new Map([['A', '1'], ['B', '2']]));
    expect(jobScripts(jobs.get('b')!).main).toBe('echo b\n');
    expect(jobs.get('b')!.config.has('image')).toBe(false);
    expect(jobScripts(jobs.get('c')!).main).toBe('echo c\n');
    expect(jobs.get('c')!.config.get('image')).toBe('alpine:3.20');
    expect(jobScripts(jobs.get('d')!).main).toBe('set -eu\necho default\nset -eu\necho login\necho d\n');
  });

  it('takes bases and references from other components as empty only when asked to', () => {
    const p = pipeline({ build: { extends: '.ecr-login', script: ['set -eu', 'echo build'] } });
    // GitLab's messages (Extendable::Entry, Tags::Reference).
    expect(() => jobsOf(p)).toThrow('build: unknown keys in `extends` (.ecr-login)');
    expect(jobScripts(jobsOf(p, { externalBases: true })[0]!).main).toBe('set -eu\necho build\n');
    const q = pipeline({ build: { script: ['echo build'] } });
    (q.get('build') as ValueMap).set('before_script', [new YamlReference(['.ecr-login', 'before_script'])]);
    expect(() => jobsOf(q)).toThrow('!reference [".ecr-login", "before_script"] could not be found');
    expect(jobScripts(jobsOf(q, { externalBases: true })[0]!).main).toBe('echo build\n');
  });

  it('keeps after_script as a separate script', () => {
    const [job] = jobsOf(pipeline({ j: { script: 'echo main', after_script: ['set -eu', 'echo after'] } }));
    expect(jobScripts(job!)).toEqual({ main: 'echo main\n', after: 'set -eu\necho after\n' });
  });
});

describe('script checks', () => {
  it('requires set -eu first, and set -euo pipefail only in bash jobs', () => {
    expect(strictModeProblem('# comment\n\nset -eu\necho\n', false)).toBeUndefined();
    expect(strictModeProblem('set -euo pipefail\n', true)).toBeUndefined();
    expect(strictModeProblem('set -euo pipefail\n', false)).toMatch(/no bash/);
    expect(strictModeProblem('echo hi\nset -eu\n', false)).toMatch(/must start with `set -eu`, not "echo hi"/);
    expect(strictModeProblem('set -e\n', true)).toMatch(/or `set -euo pipefail`/);
    expect(strictModeProblem('# fragment\nsaved_opts=$-\nsaved_umask=$(umask)\nset -eu\n', false)).toBeUndefined();
    expect(strictModeProblem('x=1; rm -rf y\nset -eu\n', false)).toMatch(/not "x=1; rm -rf y"/);
    expect(strictModeProblem('x=$(curl -f z)\nset -eu\n', false)).toMatch(/not "x=\$\(curl -f z\)"/);
    expect(strictModeProblem('x="$(curl -f z)"\nset -eu\n', false)).toMatch(/not "x=\\"\$\(curl -f z\)\\""/);
  });

  it('finds set -x in any spelling', () => {
    expect(xtraceLines('set -eu\nset -x\nset -eux\nset -o xtrace\necho set -x\nset +x\ntrue && set -ex # trace\n')).toEqual([
      'set -x',
      'set -eux',
      'set -o xtrace',
      'true && set -ex # trace',
    ]);
  });

  it('finds passwords on the command line but allows --password-stdin and mkdir -p', () => {
    const script = [
      'aws ecr get-login-password | docker login --username AWS --password-stdin "$REGISTRY"',
      'mkdir -p out',
      'docker login -u AWS -p "$PASSWORD" "$REGISTRY"',
      'podman login --username AWS --password "$PASSWORD" "$REGISTRY"',
      'skopeo copy --dest-creds "AWS:$PASSWORD" docker://a docker://b',
      'buildah push --creds=AWS:x img',
      'crane auth login -u AWS -p"$P" r',
      '# docker login -p secret (a comment)',
    ].join('\n');
    expect(passwordOnArgv(script).map((f) => f.split(':')[0])).toEqual(['-p', '--password', '--creds', '--creds', '-p']);
  });

  it('pins images by tag or digest', () => {
    expect(isPinned('alpine:3.20')).toBe(true);
    expect(isPinned(`docker:27.3-cli@sha256:${'a'.repeat(64)}`)).toBe(true);
    expect(isPinned(`alpine@sha256:${'a'.repeat(64)}`)).toBe(true);
    expect(isPinned('alpine')).toBe(false);
    expect(isPinned('alpine:latest')).toBe(false);
    expect(isPinned('registry.example.com:5000/team/image')).toBe(false);
    expect(isPinned('registry.example.com:5000/team/image:1.2')).toBe(true);
    const uses = imagesOf(pipeline({ image: 'a:1', default: { image: { name: 'b:latest' } }, j: { image: 'c', services: ['d:2', { name: 'e' }], script: 'x' } }));
    expect(uses.filter((u) => !isPinned(u.image)).map((u) => `${u.where} ${u.image}`)).toEqual(['default: image b:latest', 'j: image c', 'j: services[1] e']);
  });

  it('knows which images run bash', () => {
    expect(isBashImage('public.ecr.aws/aws-cli/aws-cli:2.17.0')).toBe(true);
    expect(isBashImage('quay.io/podman/stable:v5.2')).toBe(true);
    expect(isBashImage('docker:27.3-cli')).toBe(false);
    expect(isBashImage(undefined)).toBe(false);
  });

  it('sh -n rejects a broken script', () => {
    expect(syntaxCheck('set -eu\nif true; then\n', false).ok).toBe(false);
    expect(syntaxCheck('set -eu\n[[ -n x ]] && echo ok\n', true).ok).toBe(true);
  });

  it('shellcheck reports unquoted expansions in gcc format', async (ctx) => {
    const tools = shellcheckAvailability();
    if (!tools.available) {
      if (process.env['CATALOG_REQUIRE_TOOLS'] === '1') throw new Error(`CATALOG_REQUIRE_TOOLS=1: ${tools.reason}`);
      return ctx.skip(tools.reason);
    }
    expect(await shellcheck('set -eu\necho "ok"\n', false)).toEqual([]);
    expect(await shellcheck('set -eu\nx=$1\necho $x\n', false)).toEqual([expect.stringMatching(/^-:3:6: note: Double quote to prevent globbing and word splitting\. \[SC2086\]$/)]);
    expect(await shellcheck('set -euo pipefail\n', false)).toEqual([expect.stringContaining('[SC3040]')]);
    expect(await shellcheck('set -euo pipefail\n', true)).toEqual([]);
  });

  it('dotenv outputs must be declared and written', () => {
    const jobs = jobsOf(
      pipeline({
        ok: { script: ['set -eu', 'echo "A=1" >> build.env'], artifacts: { reports: { dotenv: 'build.env' } } },
        named: { variables: { OUT: 'n.env' }, script: ['set -eu', 'echo "A=1" > "${OUT}"'], artifacts: { reports: { dotenv: 'n.env' } } },
        built: { script: ['set -eu', 'out=build.${PREFIX:-X}.env', 'echo "A=1" > "$out"'], artifacts: { reports: { dotenv: 'build.BUILD.env' } } },
        undeclared: { script: ['set -eu', 'echo "A=1" | tee -a out.env'] },
        unwritten: { script: ['set -eu'], artifacts: { reports: { dotenv: ['x.env'] } } },
        plain: { script: ['set -eu', 'echo A=1 > p.env'], artifacts: { paths: ['p.env'], reports: { dotenv: 'p.env' } } },
      }),
    );
    expect(dotenvProblems(jobs)).toEqual([
      'undeclared: writes out.env but does not declare it under artifacts:reports:dotenv',
      'unwritten: declares the dotenv report x.env but its script never writes it',
      'plain: ships p.env under artifacts:paths; outputs go through artifacts:reports:dotenv',
    ]);
  });
});
