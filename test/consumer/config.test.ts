/** Where a consumer's catalogs come from: `.catalog.yml`, package.json's `catalog.sources`, `--catalog`. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isGitUrl, loadSourceSpecs, parseCatalogOption, parseProjectKey } from '../../scripts/consumer/config.js';
import { tempTree } from '../helpers/cli.js';

describe('parseProjectKey', () => {
  it('reads <server>/<group>/<project>, nested groups and a port included', () => {
    expect(parseProjectKey('gitlab.com/acme/ci-catalog')).toEqual({ serverFqdn: 'gitlab.com', projectPath: 'acme/ci-catalog' });
    expect(parseProjectKey('git.example.com:8443/a/b/c/')).toEqual({ serverFqdn: 'git.example.com:8443', projectPath: 'a/b/c' });
    // A project path has a group and a project: without a server there is one segment too few.
    expect(parseProjectKey('acme/ci-catalog')).toBeUndefined();
    expect(parseProjectKey('gitlab.com')).toBeUndefined();
    expect(parseProjectKey('https://gitlab.com/a/b')).toBeUndefined();
  });
});

describe('isGitUrl', () => {
  it('knows URLs and scp-like addresses from paths', () => {
    for (const url of ['https://gitlab.com/a/b.git', 'ssh://git@host:22/a/b', 'file:///tmp/x', 'git@gitlab.com:a/b.git']) expect(isGitUrl(url), url).toBe(true);
    for (const dir of ['../clone', '/abs/clone', 'clone', 'C:/x']) expect(isGitUrl(dir), dir).toBe(false);
  });
});

describe('parseCatalogOption', () => {
  it('takes an optional <server>/<project>= before a directory (made absolute) or a URL', () => {
    expect(parseCatalogOption('gitlab.com/acme/ci=../clone', '/work/app')).toEqual({
      key: { serverFqdn: 'gitlab.com', projectPath: 'acme/ci' },
      location: '/work/clone',
      declaredAt: '--catalog',
    });
    expect(parseCatalogOption('https://h/x.git?a=b', '/w')).toEqual({ key: undefined, location: 'https://h/x.git?a=b', declaredAt: '--catalog' });
    expect(() => parseCatalogOption('acme=../clone', '/w')).toThrow('--catalog acme=../clone: "acme" is not <server>/<group>/<project>');
  });
});

describe('loadSourceSpecs', () => {
  it('reads .catalog.yml, relative paths from its directory, each with where it was declared', async () => {
    const dir = tempTree({ '.catalog.yml': 'sources:\n  gitlab.com/a/b: ../b\n  gitlab.com/c/d: https://gitlab.com/c/d.git\n' });
    expect(await loadSourceSpecs(dir)).toEqual([
      { key: { serverFqdn: 'gitlab.com', projectPath: 'a/b' }, location: path.resolve(dir, '../b'), declaredAt: '.catalog.yml:2:3' },
      { key: { serverFqdn: 'gitlab.com', projectPath: 'c/d' }, location: 'https://gitlab.com/c/d.git', declaredAt: '.catalog.yml:3:3' },
    ]);
  });

  it('else package.json catalog.sources (beside catalog.lint); none without either', async () => {
    const dir = tempTree({ 'package.json': JSON.stringify({ name: 'app', catalog: { lint: {}, sources: { 'gitlab.com/a/b': 'git@gitlab.com:a/b.git' } } }, null, 2) });
    expect(await loadSourceSpecs(dir)).toMatchObject([{ key: { projectPath: 'a/b' }, location: 'git@gitlab.com:a/b.git', declaredAt: 'package.json:6:7' }]);
    expect(await loadSourceSpecs(tempTree({ 'package.json': '{"name": "app"}' }))).toEqual([]);
    expect(await loadSourceSpecs(tempTree({}))).toEqual([]);
  });

  it('says what is wrong and where', async () => {
    await expect(loadSourceSpecs(tempTree({ '.catalog.yml': 'source:\n  gitlab.com/a/b: x\n' }))).rejects.toThrow('.catalog.yml:1:1: unknown key "source": expected "sources"');
    await expect(loadSourceSpecs(tempTree({ '.catalog.yml': 'sources:\n  gitlab.com/a/b: [x]\n' }))).rejects.toThrow(
      '.catalog.yml:2:19: "gitlab.com/a/b" must be a directory or a URL git can fetch',
    );
    await expect(loadSourceSpecs(tempTree({ '.catalog.yml': 'sources: [a]\n' }))).rejects.toThrow('.catalog.yml:1:10: "sources" must map <server>/<group>/<project> to a clone or a git URL');
  });
});
