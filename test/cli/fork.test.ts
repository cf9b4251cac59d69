/**
 * `catalog fork` on temporary git repositories: a copy of this catalog (README, docs, examples,
 * templates, settings, golden renders) moved to a company's GitLab and registry mirror, which then
 * validates and lints clean, names its old address nowhere and serves its README's includes at the
 * new address; small catalogs for the mirror's naming, the server base path, the dry run, the
 * refusals and a fork whose result fails a check.
 */
import { cpSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runDocs } from '../../scripts/cli/commands/docs.js';
import { runFork, type ForkArgs } from '../../scripts/cli/commands/fork.js';
import type { Io } from '../../scripts/cli/io.js';
import { catalog, REPO_ROOT, runInProcess } from '../helpers/cli.js';
import { createRepo, type FixtureRepo } from '../helpers/fixture-repo.js';

const repos: FixtureRepo[] = [];
afterEach(async () => {
  for (const repo of repos.splice(0)) await repo.cleanup();
});

const fork = (dir: string, args: ForkArgs) => runInProcess(dir, (io) => runFork(args, io));

const CATALOG_FILES = ['README.md', 'CONTRIBUTING.md', 'CHANGELOG.md', 'package.json', '.pre-commit-hooks.yaml', '.gitlab-ci.yml', 'docs', 'examples', 'components', 'templates', 'test/fixtures/render'];

/** This catalog's files, committed in a new repository. */
async function catalogCopy(): Promise<FixtureRepo> {
  const repo = await createRepo('catalog-fork-');
  repos.push(repo);
  for (const file of CATALOG_FILES) cpSync(path.join(REPO_ROOT, file), path.join(repo.dir, file), { recursive: true });
  await repo.commit('the catalog');
  return repo;
}

/** Every file of the work tree (outside .git) and its bytes. */
function snapshot(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (at: string) => {
    for (const name of readdirSync(path.join(dir, at))) {
      const file = path.join(at, name);
      if (file === '.git') continue;
      if (statSync(path.join(dir, file)).isDirectory()) walk(file);
      else files.set(file, readFileSync(path.join(dir, file)).toString('base64'));
    }
  };
  walk('');
  return files;
}

const read = (repo: FixtureRepo, file: string) => readFileSync(path.join(repo.dir, file), 'utf8');
const linesOf = (repo: FixtureRepo, file: string) => read(repo, file).split('\n');

/** The files of the work tree that name the old project path (the npm package @multiarch-ci/… is another thing). */
function filesNaming(repo: FixtureRepo, needle: RegExp): string[] {
  return [...snapshot(repo.dir).entries()].filter(([, bytes]) => needle.test(Buffer.from(bytes, 'base64').toString('utf8'))).map(([file]) => file);
}

describe('catalog fork of this catalog', () => {
  it('moves it to gitlab.example.com/platform/ci/catalog and its images to mirror.example.com: validate and lint pass there, the old address is gone, the README includes resolve at the new address', async () => {
    const repo = await catalogCopy();
    const result = await fork(repo.dir, { projectPath: 'platform/ci/catalog', server: 'gitlab.example.com', imageRegistry: 'mirror.example.com' });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')).toEqual(
      expect.arrayContaining([
        'catalog fork: gitlab.com/multiarch-ci/gitlab-ci-catalog -> gitlab.example.com/platform/ci/catalog (https://gitlab.example.com/platform/ci/catalog)',
        'image docker:29.5.2-cli -> mirror.example.com/docker.io/library/docker:29.5.2-cli',
        'image docker.io/moby/buildkit:v0.23.2 -> mirror.example.com/docker.io/moby/buildkit:v0.23.2',
        'image quay.io/podman/stable:v5.8.7 -> mirror.example.com/quay.io/podman/stable:v5.8.7',
        // The two include addresses and the pre-commit repository URL.
        '.pre-commit-hooks.yaml: 1 replacement',
        'package.json: 1 replacement',
        'regenerated templates/buildx-ecr.yml',
        'checked: catalog validate, catalog lint, catalog docs --check, catalog build --check',
      ]),
    );

    // Nothing names the old address any more.
    expect(filesNaming(repo, /(?<!@)multiarch-ci\/gitlab-ci-catalog/i)).toEqual([]);
    // What the README, the settings, the hook and the examples say now.
    expect(linesOf(repo, 'README.md')).toEqual(
      expect.arrayContaining([
        '  gitlab.example.com/platform/ci/catalog: https://gitlab.example.com/platform/ci/catalog.git',
        '# yaml-language-server: $schema=https://gitlab.example.com/platform/ci/catalog/-/raw/<version>/docs/schemas/consumer-pipeline.schema.json',
        '- repo: https://gitlab.example.com/platform/ci/catalog',
        '  - component: $CI_SERVER_FQDN/platform/ci/catalog/ecr-login@1',
        '  - component: $CI_SERVER_FQDN/platform/ci/catalog/buildx-ecr@1',
        'npx @multiarch-ci/gitlab-ci-catalog lint .gitlab-ci.yml   # or: npm install --save-dev @multiarch-ci/gitlab-ci-catalog, then `npx catalog lint`',
      ]),
    );
    expect(linesOf(repo, 'package.json')).toContain('      "project-url": "https://gitlab.example.com/platform/ci/catalog"');
    expect(linesOf(repo, '.pre-commit-hooks.yaml')).toContain('#   - repo: https://gitlab.example.com/platform/ci/catalog');
    expect(linesOf(repo, 'examples/podman-native/.gitlab-ci.yml')).toContain('#     - component: $CI_SERVER_FQDN/platform/ci/catalog/podman-arch-build@1');
    // The self-test includes name no project and stay.
    expect(linesOf(repo, 'examples/podman-native/.gitlab-ci.yml')).toContain('  - component: $CI_SERVER_FQDN/$CI_PROJECT_PATH/manifest-merge@$CI_COMMIT_SHA');

    // The images: Docker Hub official (library/), Docker Hub user, quay.io; in the sources'
    // defaults, descriptions and a script's fallback, then in the templates built from them, the
    // README's tables and the examples.
    expect(linesOf(repo, 'components/buildx-ecr/template.yml')).toEqual(
      expect.arrayContaining([
        '      default: mirror.example.com/docker.io/library/docker:29.5.2-cli',
        '        - name: mirror.example.com/docker.io/library/docker:29.5.2-dind',
        '      default: mirror.example.com/docker.io/moby/buildkit:v0.23.2',
        '      default: mirror.example.com/docker.io/tonistiigi/binfmt:qemu-v9.2.2',
        "        `DOCKER_HOST`. Pin by digest with `mirror.example.com/docker.io/library/docker:29.5.2-dind@sha256:<digest>`.",
      ]),
    );
    expect(linesOf(repo, 'components/buildx-ecr/build.sh')).toContain('bx_qemu_image=${BUILDX_ECR_QEMU_IMAGE:-mirror.example.com/docker.io/tonistiigi/binfmt:qemu-v9.2.2}');
    expect(linesOf(repo, 'templates/buildx-ecr.yml')).toEqual(
      expect.arrayContaining([
        '      default: mirror.example.com/docker.io/library/docker:29.5.2-cli',
        '      bx_qemu_image=${BUILDX_ECR_QEMU_IMAGE:-mirror.example.com/docker.io/tonistiigi/binfmt:qemu-v9.2.2}',
      ]),
    );
    expect(linesOf(repo, 'templates/podman-arch-build.yml')).toContain('      default: mirror.example.com/quay.io/podman/stable:v5.8.7');
    expect(read(repo, 'README.md')).toContain('| `image` | string | `"mirror.example.com/quay.io/podman/stable:v5.8.7"` |');
    expect(linesOf(repo, 'examples/buildx-ecr/.gitlab-ci.yml')).toContain('  image: mirror.example.com/docker.io/library/docker:29.5.2-cli');
    expect(linesOf(repo, 'examples/podman-native/.gitlab-ci.yml')).toContain('      image: mirror.example.com/quay.io/podman/stable:v5.8.7');
    expect(linesOf(repo, 'test/fixtures/render/podman-native.yml')).toContain('  image: mirror.example.com/quay.io/podman/stable:v5.8.7');
    expect(read(repo, 'docs/schemas/buildx-ecr.inputs.schema.json')).toContain('"default": "mirror.example.com/docker.io/library/docker:29.5.2-cli"');
    // What keeps the upstream names: the harness's pages, the catalog's own pipeline, the history.
    for (const file of ['docs/image-stand-ins.md', '.gitlab-ci.yml', 'CHANGELOG.md']) expect(read(repo, file), file).toBe(readFileSync(path.join(REPO_ROOT, file), 'utf8'));
    // No component pulls a default image from Docker Hub or quay.io any more.
    expect(filesNaming(repo, /(?<![\w./-])(?:docker:29\.5\.2|(?:docker\.io\/)?moby\/buildkit:|(?:docker\.io\/)?tonistiigi\/binfmt:|quay\.io\/)/).filter((f) => /^(?:components|templates)\//.test(f))).toEqual([]);

    // The checks again, through the command a maintainer runs.
    for (const command of [['validate'], ['lint'], ['docs', '--check'], ['build', '--check']]) {
      const check = catalog(command, { cwd: repo.dir });
      expect(check.status, `catalog ${command.join(' ')}:\n${check.stdout}${check.stderr}`).toBe(0);
    }

    // A consumer of the company's GitLab includes the README's quick start at the new address.
    await repo.commit('fork');
    repo.git('tag', '1.0.0');
    const quickStart = /## Quick start\n\n```yaml\n([\s\S]*?)```/.exec(read(repo, 'README.md'))?.[1] ?? '';
    expect(quickStart).toContain('$CI_SERVER_FQDN/platform/ci/catalog/buildx-ecr@1');
    const consumer = await createRepo('catalog-fork-consumer-');
    repos.push(consumer);
    await consumer.write('.gitlab-ci.yml', quickStart);
    await consumer.commit('pipeline');
    const render = catalog(['render', '.gitlab-ci.yml', '--server-fqdn', 'gitlab.example.com', '--catalog', `gitlab.example.com/platform/ci/catalog=${repo.dir}`], { cwd: consumer.dir });
    expect(render.stderr).toMatch(/^ecr-login@1 → 1\.0\.0 \([0-9a-f]+\)\nbuildx-ecr@1 → 1\.0\.0 \([0-9a-f]+\)\n$/);
    expect(render.status).toBe(0);
    expect(render.stdout).toContain('  image: mirror.example.com/docker.io/library/docker:29.5.2-cli\n');
  });

  it('--dry-run prints the plan and leaves the tree byte for byte as it was', async () => {
    const repo = await catalogCopy();
    const before = snapshot(repo.dir);
    const result = await fork(repo.dir, { projectPath: 'platform/ci/catalog', server: 'gitlab.example.com', imageRegistry: 'mirror.example.com', dryRun: true });
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')[0]).toBe(
      'catalog fork: gitlab.com/multiarch-ci/gitlab-ci-catalog -> gitlab.example.com/platform/ci/catalog (https://gitlab.example.com/platform/ci/catalog): dry run, nothing written',
    );
    expect(result.stdout).toContain('\n.pre-commit-hooks.yaml: 1 replacement\n');
    expect(snapshot(repo.dir)).toEqual(before);
    expect(repo.git('status', '--porcelain')).toBe('');
  });
});

const COMPONENT = (image: string, services: string) => `spec:
  inputs:
    stage:
      description: Stage of the job.
      default: test
    image:
      description: Image of the job. Pin by digest with \`docker:29.5.2-cli@sha256:<digest>\`.
      default: ${image}
    services:
      description: Services of the job.
      type: array
      default: ${services}
---
hello:
  stage: $[[ inputs.stage ]]
  image: $[[ inputs.image ]]
  services: $[[ inputs.services ]]
  script:
    - echo hello
`;

/** A small catalog at https://<server><base>/acme/catalog that passes every check; no components/, so fork rewrites templates/ itself. */
async function smallCatalog(options: { component?: string; projectUrl?: string | undefined; basePath?: string; readme?: string } = {}): Promise<FixtureRepo> {
  const repo = await createRepo('catalog-fork-small-');
  repos.push(repo);
  const projectUrl = 'projectUrl' in options ? options.projectUrl : 'https://gitlab.com/acme/catalog';
  const release = { description: 'A catalog', ...(projectUrl === undefined ? {} : { 'project-url': projectUrl }), ...(options.basePath === undefined ? {} : { 'server-base-path': options.basePath }) };
  await repo.write('package.json', `${JSON.stringify({ name: 'small', private: true, catalog: { release } }, null, 2)}\n`);
  await repo.write('templates/hello.yml', options.component ?? COMPONENT('alpine:3.20.3', '[]'));
  await repo.write('examples/hello/.gitlab-ci.yml', 'include:\n  - component: $CI_SERVER_FQDN/$CI_PROJECT_PATH/hello@$CI_COMMIT_SHA\n');
  await repo.write('README.md', options.readme ?? '# Catalog\n\n## Components\n');
  const quiet: Io = { cwd: repo.dir, stdout: () => undefined, stderr: () => undefined, readStdin: async () => '' };
  expect(await runDocs({}, quiet)).toBe(0);
  await repo.commit('catalog');
  return repo;
}

describe('catalog fork --image-registry', () => {
  const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;

  it('maps Docker Hub official and user images and quay.io images as a pull-through mirror names them, keeps digest pins and images already on the mirror', async () => {
    const component = COMPONENT(`docker:29.5.2-cli@${DIGEST}`, '[{name: tonistiigi/binfmt:qemu-v9.2.2}, quay.io/podman/stable:v5.8.7, mirror.example.com/docker.io/library/registry:3.0.0]');
    const repo = await smallCatalog({ component });
    const result = await fork(repo.dir, { projectPath: 'acme/catalog', imageRegistry: 'mirror.example.com' });
    expect(result.stderr).toBe('');
    expect(result.stdout.split('\n').filter((line) => line.startsWith('image '))).toEqual([
      `image docker:29.5.2-cli@${DIGEST} -> mirror.example.com/docker.io/library/docker:29.5.2-cli@${DIGEST}`,
      'image tonistiigi/binfmt:qemu-v9.2.2 -> mirror.example.com/docker.io/tonistiigi/binfmt:qemu-v9.2.2',
      'image quay.io/podman/stable:v5.8.7 -> mirror.example.com/quay.io/podman/stable:v5.8.7',
      'image mirror.example.com/docker.io/library/registry:3.0.0: already on mirror.example.com',
    ]);
    expect(result.code).toBe(0);
    expect(linesOf(repo, 'templates/hello.yml').slice(6, 14)).toEqual([
      '      description: Image of the job. Pin by digest with `mirror.example.com/docker.io/library/docker:29.5.2-cli@sha256:<digest>`.',
      `      default: mirror.example.com/docker.io/library/docker:29.5.2-cli@${DIGEST}`,
      '    services:',
      '      description: Services of the job.',
      '      type: array',
      '      default: [{name: mirror.example.com/docker.io/tonistiigi/binfmt:qemu-v9.2.2}, mirror.example.com/quay.io/podman/stable:v5.8.7, mirror.example.com/docker.io/library/registry:3.0.0]',
      '---',
      'hello:',
    ]);
  });

  it('--image-registry-layout ecr: the ECR console prefixes (docker-hub/library/…, quay/…)', async () => {
    const repo = await smallCatalog({ component: COMPONENT('docker:29.5.2-cli', '[quay.io/podman/stable:v5.8.7]') });
    const ecr = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
    const result = await fork(repo.dir, { projectPath: 'acme/catalog', imageRegistry: ecr, imageRegistryLayout: 'ecr' });
    expect(result.code, result.stderr).toBe(0);
    expect(linesOf(repo, 'templates/hello.yml')).toEqual(expect.arrayContaining([`      default: ${ecr}/docker-hub/library/docker:29.5.2-cli`, `      default: [${ecr}/quay/podman/stable:v5.8.7]`]));
  });

  it('stops before writing anything when the layout has no place for an image (exit 2)', async () => {
    const repo = await smallCatalog({ component: COMPONENT('docker:29.5.2-cli', '[registry.example.org/tools/helper:1.0]') });
    const before = snapshot(repo.dir);
    const result = await fork(repo.dir, { projectPath: 'platform/catalog', imageRegistry: 'mirror.example.com', imageRegistryLayout: 'ecr' });
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'catalog fork: templates/hello.yml: input "services": registry.example.org/tools/helper:1.0: the ecr layout knows no pull-through cache prefix for registry.example.org (it maps docker.io, quay.io, public.ecr.aws, registry.k8s.io, ghcr.io, registry.gitlab.com); use --image-registry-layout host\n' +
        'catalog fork: nothing was written\n',
    });
    expect(snapshot(repo.dir)).toEqual(before);
  });
});

describe('catalog fork: the server base path', () => {
  const README = [
    '# Catalog',
    '',
    'Include `$CI_SERVER_FQDN/acme/catalog/hello@1`, or `tools.example.com:8443/acme/catalog/hello@1`.',
    'Browse https://tools.example.com:8443/gitlab/acme/catalog/-/tags, clone git@tools.example.com:acme/catalog.git.',
    '',
    '## Components',
    '',
  ].join('\n');

  it('reads the configured base path out of project-url and writes the new one into URLs only', async () => {
    const repo = await smallCatalog({ projectUrl: 'https://tools.example.com:8443/gitlab/acme/catalog', basePath: '/gitlab', readme: README });
    const result = await fork(repo.dir, { projectPath: 'platform/ci/catalog', server: 'gitlab.example.com', serverBasePath: '/git' });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.split('\n').slice(0, 3)).toEqual([
      'catalog fork: tools.example.com:8443/acme/catalog -> gitlab.example.com/platform/ci/catalog (https://gitlab.example.com/git/platform/ci/catalog)',
      'README.md: 4 replacements',
      'package.json: 2 replacements',
    ]);
    expect(linesOf(repo, 'README.md').slice(2, 4)).toEqual([
      'Include `$CI_SERVER_FQDN/platform/ci/catalog/hello@1`, or `gitlab.example.com/platform/ci/catalog/hello@1`.',
      'Browse https://gitlab.example.com/git/platform/ci/catalog/-/tags, clone git@gitlab.example.com:platform/ci/catalog.git.',
    ]);
    expect(JSON.parse(read(repo, 'package.json')).catalog.release).toEqual({
      description: 'A catalog',
      'project-url': 'https://gitlab.example.com/git/platform/ci/catalog',
      'server-base-path': '/git',
    });
  });

  it('a new server without --server-base-path serves from its root: the setting goes away', async () => {
    const repo = await smallCatalog({ projectUrl: 'https://tools.example.com:8443/gitlab/acme/catalog', basePath: '/gitlab', readme: README });
    expect((await fork(repo.dir, { projectPath: 'platform/catalog', server: 'gitlab.example.com' })).code).toBe(0);
    expect(JSON.parse(read(repo, 'package.json')).catalog.release).toEqual({ description: 'A catalog', 'project-url': 'https://gitlab.example.com/platform/catalog' });
    expect(linesOf(repo, 'README.md')[3]).toBe('Browse https://gitlab.example.com/platform/catalog/-/tags, clone git@gitlab.example.com:platform/catalog.git.');
  });

  it('never guesses one: without server-base-path, /gitlab/acme/catalog is the project, and the include addresses of acme/catalog are another project', async () => {
    const repo = await smallCatalog({ projectUrl: 'https://tools.example.com:8443/gitlab/acme/catalog', readme: README });
    const result = await fork(repo.dir, { projectPath: 'platform/catalog' });
    expect(result.stdout.split('\n')[0]).toBe('catalog fork: tools.example.com:8443/gitlab/acme/catalog -> tools.example.com:8443/platform/catalog (https://tools.example.com:8443/platform/catalog)');
    expect(linesOf(repo, 'README.md')[2]).toBe('Include `$CI_SERVER_FQDN/acme/catalog/hello@1`, or `tools.example.com:8443/acme/catalog/hello@1`.');
  });
});

describe('catalog fork: refusals and failures', () => {
  it('without a configured project-url there is no current address to read (exit 2)', async () => {
    const repo = await smallCatalog({ projectUrl: undefined });
    const result = await fork(repo.dir, { projectPath: 'platform/catalog' });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'catalog: package.json has no "catalog.release.project-url": catalog fork reads the catalog\'s current address there (the web address of the project this copy comes from, e.g. https://gitlab.com/group/catalog, and "server-base-path" when that GitLab is under a relative URL); set it, then fork\n',
    );
  });

  it.each([
    [{ projectPath: 'catalog' }, 'catalog: --project-path catalog: a project path is <group>/<project> (subgroups allowed: <group>/<subgroup>/<project>)\n'],
    [{ projectPath: 'acme/catalog', server: 'https://gitlab.example.com' }, 'catalog: --server https://gitlab.example.com: a server is a host name with an optional port (gitlab.example.com, gitlab.example.com:8443), no scheme or path\n'],
    [{ projectPath: 'acme/catalog', serverBasePath: 'gitlab' }, 'catalog: --server-base-path gitlab: the path GitLab is installed under starts with "/" (/gitlab); "" when it serves from the root\n'],
    [{ projectPath: 'acme/catalog', imageRegistry: 'mirror' }, 'catalog: --image-registry mirror: "mirror" would be read as a Docker Hub namespace: a registry host has a "." or a port, or is localhost\n'],
    [{ projectPath: 'acme/catalog', imageRegistry: 'mirror.example.com', imageRegistryLayout: 'harbor' }, 'catalog: --image-registry-layout harbor: one of host, ecr\n'],
    [{ projectPath: 'acme/catalog', imageRegistryLayout: 'ecr' }, 'catalog: --image-registry-layout goes with --image-registry\n'],
  ])('refuses %j (exit 2, nothing written)', async (args, message) => {
    const repo = await smallCatalog();
    expect(await fork(repo.dir, args)).toEqual({ code: 2, stdout: '', stderr: message });
    expect(repo.git('status', '--porcelain')).toBe('');
  });

  it('through the binary: a missing --project-path is a usage error (exit 2, one line)', async () => {
    const repo = await smallCatalog();
    const result = catalog(['fork'], { cwd: repo.dir });
    expect(result).toEqual({ status: 2, stdout: '', stderr: "catalog: fork: --project-path <group/name> is required: the project's new path\n" });
  });

  it('writes, then checks: a check that fails exits 1 with its findings, the rewritten files stay for git diff to show', async () => {
    const broken = COMPONENT('alpine:3.20.3', '[]').replace('  script:\n', '  script:\n    - echo $[[ inputs.stag ]]\n');
    const repo = await smallCatalog({ component: broken, readme: '# Catalog\n\nSee https://gitlab.com/acme/catalog.\n\n## Components\n' });
    const result = await fork(repo.dir, { projectPath: 'platform/catalog' });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('README.md: 1 replacement\n');
    expect(result.stderr).toMatch(/^catalog fork: the files above are rewritten \(git diff shows them\), but the result does not pass:\ncatalog validate reports problems:\n/);
    expect(result.stderr).toContain('\ntemplates/hello.yml:19:12: unknown interpolation provided: `stag` in `inputs.stag` [interpolation]\n');
    expect(repo.git('diff', '--name-only').split('\n')).toEqual(['README.md', 'package.json']);
  });
});
