import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  detectCatalogIdentity,
  expandVariables,
  fetchErrors,
  isThisCatalog,
  parseComponentAddress,
  predefinedVariables,
  projectPathFromRemote,
} from '../../../scripts/gitlab/includes/component-address.js';
import { createRepo, type FixtureRepo } from '../../helpers/fixture-repo.js';

describe('parseComponentAddress (InstancePath)', () => {
  it('splits <fqdn>/<project path>/<name>@<version>', () => {
    expect(parseComponentAddress('gitlab.com/group/catalog/build@1.0.0', 'gitlab.com')).toEqual({
      kind: 'component',
      component: { address: 'gitlab.com/group/catalog/build@1.0.0', reference: '1.0.0', projectPath: 'group/catalog', name: 'build' },
    });
  });

  it('takes the project path up to the last slash, so subgroups work and names have no slash', () => {
    const parsed = parseComponentAddress('gitlab.com/a/b/c/d@main', 'gitlab.com');
    expect(parsed).toMatchObject({ kind: 'component', component: { projectPath: 'a/b/c', name: 'd', reference: 'main' } });
  });

  it("splits at the first '@' (split('@', 2)): the reference keeps later '@'s", () => {
    const parsed = parseComponentAddress('gitlab.com/g/p/c@x@y', 'gitlab.com');
    expect(parsed).toMatchObject({ kind: 'component', component: { projectPath: 'g/p', name: 'c', reference: 'x@y' } });
  });

  it('supports an instance with a port', () => {
    const parsed = parseComponentAddress('git.example.com:8443/g/p/c@1', 'git.example.com:8443');
    expect(parsed).toMatchObject({ kind: 'component', component: { projectPath: 'g/p', name: 'c', reference: '1' } });
  });

  it("is unsupported without '@' or on another host (match? needs both)", () => {
    expect(parseComponentAddress('gitlab.com/g/p/c', 'gitlab.com')).toEqual({ kind: 'unsupported', address: 'gitlab.com/g/p/c' });
    expect(parseComponentAddress('example.com/g/p/c@1', 'gitlab.com').kind).toBe('unsupported');
    // The prefix is "<fqdn>/": a longer host name does not match.
    expect(parseComponentAddress('gitlab.community/g/p/c@1', 'gitlab.com').kind).toBe('unsupported');
    expect(parseComponentAddress('https://gitlab.com/g/p/c@1', 'gitlab.com').kind).toBe('unsupported');
  });

  it('names no project when the instance path has no slash or starts with one', () => {
    expect(parseComponentAddress('gitlab.com/build@1', 'gitlab.com')).toEqual({ kind: 'no-project', address: 'gitlab.com/build@1', reference: '1' });
    expect(parseComponentAddress('gitlab.com//g/build@1', 'gitlab.com').kind).toBe('no-project');
  });

  it('gives an empty name for a trailing slash (the fetch then finds nothing)', () => {
    expect(parseComponentAddress('gitlab.com/g/p/@1', 'gitlab.com')).toMatchObject({ component: { projectPath: 'g/p', name: '' } });
  });
});

describe('isThisCatalog', () => {
  it('compares project paths case-insensitively, like Project.find_by_full_path', () => {
    const parsed = parseComponentAddress('gitlab.com/Group/Catalog/build@1', 'gitlab.com');
    if (parsed.kind !== 'component') throw new Error('expected a component');
    expect(isThisCatalog(parsed.component, { serverFqdn: 'gitlab.com', projectPath: 'group/catalog' })).toBe(true);
    expect(isThisCatalog(parsed.component, { serverFqdn: 'gitlab.com', projectPath: 'group/other' })).toBe(false);
    expect(isThisCatalog(parsed.component, { serverFqdn: 'gitlab.com', projectPath: 'group' })).toBe(false);
  });
});

describe('fetchErrors', () => {
  it("uses Ci::Components::FetchService's wording", () => {
    expect(fetchErrors.contentNotFound('gitlab.com/g/p/c@1')).toBe("Component 'gitlab.com/g/p/c@1' - content not found");
    expect(fetchErrors.unsupportedPath('x/c@1')).toBe("Component 'x/c@1' - the component path is not supported");
  });
});

describe('expandVariables (ExpandVariables.expand)', () => {
  const variables = [
    { key: 'CI_SERVER_FQDN', value: 'gitlab.com' },
    { key: 'CI_PROJECT_PATH', value: 'group/catalog' },
  ];

  it('expands $VAR, ${VAR} and %VAR%', () => {
    expect(expandVariables('$CI_SERVER_FQDN/${CI_PROJECT_PATH}/c@%CI_SERVER_FQDN%', variables)).toEqual({
      text: 'gitlab.com/group/catalog/c@gitlab.com',
      unknown: [],
    });
  });

  it('expands unknown variables to an empty string and reports them once', () => {
    expect(expandVariables('$NOPE/${NOPE}/$CI_PROJECT_PATH-x@$OTHER', variables)).toEqual({
      text: '//group/catalog-x@',
      unknown: ['NOPE', 'OTHER'],
    });
  });

  it('takes the longest variable name and leaves other dollars alone', () => {
    expect(expandVariables('$CI_PROJECT_PATHS $ 100% $1', variables)).toEqual({ text: ' $ 100% $1', unknown: ['CI_PROJECT_PATHS'] });
  });
});

describe('predefinedVariables', () => {
  it('derives the CI_* variables from the catalog identity and the commit', () => {
    const sha = 'a'.repeat(40);
    const vars = predefinedVariables(
      { serverFqdn: 'git.example.com:8443', projectPath: 'group/sub/catalog' },
      { sha, refName: 'v1.0.0', tag: 'v1.0.0' },
    );
    expect(Object.fromEntries(vars.map((v) => [v.key, v.value]))).toEqual({
      CI_SERVER_FQDN: 'git.example.com:8443',
      CI_SERVER_HOST: 'git.example.com',
      CI_SERVER_URL: 'https://git.example.com:8443',
      CI_PROJECT_PATH: 'group/sub/catalog',
      CI_PROJECT_NAMESPACE: 'group/sub',
      CI_PROJECT_NAME: 'catalog',
      CI_COMMIT_SHA: sha,
      CI_COMMIT_SHORT_SHA: 'aaaaaaaa',
      CI_COMMIT_REF_NAME: 'v1.0.0',
      CI_COMMIT_TAG: 'v1.0.0',
    });
  });

  it('has no CI_COMMIT_TAG on a branch', () => {
    const vars = predefinedVariables({ serverFqdn: 'gitlab.com', projectPath: 'g/p' }, { sha: 'b'.repeat(40), refName: 'main', branch: 'main' });
    expect(vars.find((v) => v.key === 'CI_COMMIT_TAG')).toBeUndefined();
    expect(vars.find((v) => v.key === 'CI_COMMIT_BRANCH')?.value).toBe('main');
  });
});

describe('projectPathFromRemote', () => {
  it.each([
    ['https://gitlab.com/group/catalog.git', 'group/catalog'],
    ['https://gitlab.com/group/sub/catalog', 'group/sub/catalog'],
    ['https://user:token@gitlab.example.com:8443/group/catalog.git/', 'group/catalog'],
    ['ssh://git@gitlab.com:2222/group/catalog.git', 'group/catalog'],
    ['git@gitlab.com:group/sub/catalog.git', 'group/sub/catalog'],
    ['gitlab.com:group/catalog', 'group/catalog'],
  ])('%s -> %s', (url, expected) => {
    expect(projectPathFromRemote(url)).toBe(expected);
  });

  it.each([['file:///srv/git/catalog.git'], ['/srv/git/catalog.git'], ['../catalog']])('%s has no project path', (url) => {
    expect(projectPathFromRemote(url)).toBeUndefined();
  });
});

describe('detectCatalogIdentity', () => {
  let repo: FixtureRepo;
  beforeAll(async () => {
    repo = await createRepo('catalog-identity-');
    await repo.commit('empty');
  });
  afterAll(async () => {
    await repo.cleanup();
  });

  it('prefers the options', async () => {
    expect(await detectCatalogIdentity(repo.dir, { projectPath: '/group/catalog/', serverFqdn: 'git.example.com' })).toEqual({
      serverFqdn: 'git.example.com',
      projectPath: 'group/catalog',
    });
  });

  it("falls back to the directory name, then uses origin's path; the fqdn defaults to gitlab.com", async () => {
    expect(await detectCatalogIdentity(repo.dir)).toEqual({ serverFqdn: 'gitlab.com', projectPath: path.basename(repo.dir) });
    repo.git('remote', 'add', 'origin', 'https://gitlab.com/components/container.git');
    try {
      expect(await detectCatalogIdentity(repo.dir)).toEqual({ serverFqdn: 'gitlab.com', projectPath: 'components/container' });
    } finally {
      repo.git('remote', 'remove', 'origin');
    }
  });
});
