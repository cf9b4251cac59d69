/** The catalog's address from its settings, and each spelling of it rewritten to a new address. */
import { describe, expect, it } from 'vitest';
import { configuredAddress, projectPathProblem, rewriteAddress, serverFqdnProblem, type ProjectAddress } from '../../../scripts/catalog/fork/address.js';
import { DEFAULT_RELEASE_CONFIG } from '../../../scripts/catalog/release/config.js';

const FROM: ProjectAddress = { serverFqdn: 'gitlab.com', basePath: '', projectPath: 'acme/ci-catalog' };
const TO: ProjectAddress = { serverFqdn: 'gitlab.example.com', basePath: '', projectPath: 'platform/ci/catalog' };

describe('configuredAddress', () => {
  it('is the host and path of project-url, without the configured server base path', () => {
    expect(configuredAddress({ ...DEFAULT_RELEASE_CONFIG, projectUrl: 'https://GitLab.com/acme/ci-catalog' })).toEqual(FROM);
    expect(configuredAddress({ ...DEFAULT_RELEASE_CONFIG, projectUrl: 'https://example.com:8443/gitlab/acme/ci-catalog', serverBasePath: '/gitlab' })).toEqual({
      serverFqdn: 'example.com:8443',
      basePath: '/gitlab',
      projectPath: 'acme/ci-catalog',
    });
  });

  it('never guesses a base path: without one, the whole URL path is the project', () => {
    expect(configuredAddress({ ...DEFAULT_RELEASE_CONFIG, projectUrl: 'https://example.com/gitlab/acme/ci-catalog' })?.projectPath).toBe('gitlab/acme/ci-catalog');
  });

  it('is undefined without a project-url', () => {
    expect(configuredAddress(DEFAULT_RELEASE_CONFIG)).toBeUndefined();
  });
});

describe('projectPathProblem and serverFqdnProblem', () => {
  it.each(['acme/catalog', 'acme/sub/catalog', 'a_b/c.d-e', 'Acme/Catalog'])('accepts %s', (path) => {
    expect(projectPathProblem(path)).toBeUndefined();
  });
  it.each([
    ['catalog', 'a project path is <group>/<project> (subgroups allowed: <group>/<subgroup>/<project>)'],
    ['acme/-catalog', '"-catalog" is not a GitLab path segment (letters, digits, "_", "-", ".", not starting with "-", not ending in .git or .atom)'],
    ['acme/catalog.git', '"catalog.git" is not a GitLab path segment (letters, digits, "_", "-", ".", not starting with "-", not ending in .git or .atom)'],
    ['acme//catalog', '"" is not a GitLab path segment (letters, digits, "_", "-", ".", not starting with "-", not ending in .git or .atom)'],
    ['acme/cat alog', '"cat alog" is not a GitLab path segment (letters, digits, "_", "-", ".", not starting with "-", not ending in .git or .atom)'],
  ])('refuses %s', (path, problem) => {
    expect(projectPathProblem(path)).toBe(problem);
  });
  it('takes a host with an optional port, nothing else', () => {
    expect(serverFqdnProblem('gitlab.example.com')).toBeUndefined();
    expect(serverFqdnProblem('gitlab.example.com:8443')).toBeUndefined();
    expect(serverFqdnProblem('https://gitlab.example.com')).toMatch(/^a server is a host name/);
    expect(serverFqdnProblem('gitlab.example.com/gitlab')).toMatch(/^a server is a host name/);
  });
});

describe('rewriteAddress', () => {
  const rewrite = (text: string, from = FROM, to = TO) => rewriteAddress(text, from, to);

  it('rewrites include addresses, with the variable or the host, keeping component and version', () => {
    const text = [
      '  - component: $CI_SERVER_FQDN/acme/ci-catalog/ecr-login@1',
      '  - component: ${CI_SERVER_FQDN}/acme/ci-catalog/buildx-ecr@1.2.3',
      '  - component: gitlab.com/acme/ci-catalog/podman-arch-build@~latest',
      'gitlab.com/acme/ci-catalog: https://gitlab.com/acme/ci-catalog.git',
      '',
    ].join('\n');
    expect(rewrite(text)).toEqual({
      text: [
        '  - component: $CI_SERVER_FQDN/platform/ci/catalog/ecr-login@1',
        '  - component: ${CI_SERVER_FQDN}/platform/ci/catalog/buildx-ecr@1.2.3',
        '  - component: gitlab.example.com/platform/ci/catalog/podman-arch-build@~latest',
        'gitlab.example.com/platform/ci/catalog: https://gitlab.example.com/platform/ci/catalog.git',
        '',
      ].join('\n'),
      count: 5,
    });
  });

  it('rewrites web URLs (badges, raw files, compare links) and SSH clone URLs', () => {
    const text = [
      '[![pipeline](https://gitlab.com/acme/ci-catalog/badges/main/pipeline.svg)](https://gitlab.com/acme/ci-catalog/-/commits/main)',
      '$schema=https://gitlab.com/acme/ci-catalog/-/raw/1.0.0/docs/schemas/x.json',
      'git clone git@gitlab.com:acme/ci-catalog.git, or ssh://git@gitlab.com:2222/acme/ci-catalog.git.',
      'See https://gitlab.com/acme/ci-catalog.',
    ].join('\n');
    expect(rewrite(text)).toEqual({
      text: [
        '[![pipeline](https://gitlab.example.com/platform/ci/catalog/badges/main/pipeline.svg)](https://gitlab.example.com/platform/ci/catalog/-/commits/main)',
        '$schema=https://gitlab.example.com/platform/ci/catalog/-/raw/1.0.0/docs/schemas/x.json',
        'git clone git@gitlab.example.com:platform/ci/catalog.git, or ssh://git@gitlab.example.com:2222/platform/ci/catalog.git.',
        'See https://gitlab.example.com/platform/ci/catalog.',
      ].join('\n'),
      count: 6,
    });
  });

  it('puts the base path into URLs only: a component address has the FQDN alone', () => {
    const based: ProjectAddress = { serverFqdn: 'tools.example.com:8443', basePath: '/gitlab', projectPath: 'platform/catalog' };
    const text = 'https://gitlab.com/acme/ci-catalog\n$CI_SERVER_FQDN/acme/ci-catalog/x@1\ngitlab.com/acme/ci-catalog/x@1\ngit@gitlab.com:acme/ci-catalog.git\n';
    expect(rewrite(text, FROM, based).text).toBe(
      'https://tools.example.com:8443/gitlab/platform/catalog\n$CI_SERVER_FQDN/platform/catalog/x@1\ntools.example.com:8443/platform/catalog/x@1\ngit@tools.example.com:platform/catalog.git\n',
    );
    // And back: the old base path is part of what an old URL looks like.
    expect(rewrite('https://tools.example.com:8443/gitlab/platform/catalog/-/tags and tools.example.com:8443/platform/catalog/x@1', based, TO)).toEqual({
      text: 'https://gitlab.example.com/platform/ci/catalog/-/tags and gitlab.example.com/platform/ci/catalog/x@1',
      count: 2,
    });
  });

  it('matches the project path case-insensitively, as GitLab finds projects', () => {
    expect(rewrite('$CI_SERVER_FQDN/Acme/CI-Catalog/x@1 https://GITLAB.COM/acme/ci-catalog').text).toBe(
      '$CI_SERVER_FQDN/platform/ci/catalog/x@1 https://gitlab.example.com/platform/ci/catalog',
    );
  });

  it('leaves other projects, other hosts and npm packages alone', () => {
    const text = [
      'https://gitlab.com/acme/ci-catalog-extra',
      '$CI_SERVER_FQDN/acme/ci-catalog.v2/x@1',
      'registry.gitlab.com/acme/ci-catalog/image:1',
      'npx @acme/ci-catalog lint',
      'https://gitlab.com/other/acme/ci-catalog',
      'https://gitlab.com/gitlab/acme/ci-catalog',
      '$CI_SERVER_FQDN/$CI_PROJECT_PATH/x@$CI_COMMIT_SHA',
    ].join('\n');
    expect(rewrite(text)).toEqual({ text, count: 0 });
  });
});
