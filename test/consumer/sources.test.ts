/** Catalog sources made readable: directories as they are, URLs cloned into the cache, keyless sources named by their URL or origin. */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cachedCopy, openSources } from '../../scripts/consumer/sources.js';
import { createRepo, type FixtureRepo } from '../helpers/fixture-repo.js';

let catalog: FixtureRepo;
const cacheDir = mkdtempSync(path.join(tmpdir(), 'catalog-sources-cache-'));
beforeAll(async () => {
  catalog = await createRepo('catalog-sources-');
  await catalog.write('templates/x.yml', 'x: {script: x}\n');
  await catalog.commit('x');
  catalog.git('tag', '1.0.0');
  catalog.git('remote', 'add', 'origin', 'https://gitlab.example.com/acme/ci-catalog.git');
});
afterAll(async () => {
  await catalog.cleanup();
  rmSync(cacheDir, { recursive: true, force: true });
});

const options = { serverFqdn: 'gitlab.com', cacheDir };

describe('openSources', () => {
  it('reads a directory where it is; without a key, it serves the project its origin names, on this run’s server', async () => {
    expect(await openSources([{ key: undefined, location: catalog.dir, declaredAt: '--catalog' }], options)).toEqual([
      { serverFqdn: 'gitlab.com', projectPath: 'acme/ci-catalog', repo: catalog.dir, fetchHint: `run \`git fetch --tags\` in ${catalog.dir}` },
    ]);
  });

  it('clones a URL once into the cache, bare, and serves the key it was given', async () => {
    const url = pathToFileURL(catalog.dir).href;
    const [source] = await openSources([{ key: { serverFqdn: 'gitlab.com', projectPath: 'acme/x' }, location: url, declaredAt: '.catalog.yml:2:3' }], options);
    expect(source).toEqual({ serverFqdn: 'gitlab.com', projectPath: 'acme/x', repo: cachedCopy(url, cacheDir), fetchHint: `run again with --refresh to fetch ${url} anew` });
    expect(existsSync(path.join(cachedCopy(url, cacheDir), 'refs/tags/1.0.0')) || existsSync(path.join(cachedCopy(url, cacheDir), 'packed-refs'))).toBe(true);
    // A file:// URL names no project: its repository's origin does.
    const [keyless] = await openSources([{ key: undefined, location: url, declaredAt: '--catalog' }], options);
    expect(keyless?.projectPath).toBe('acme/ci-catalog');
  });

  it('says which source is wrong: no such directory, not a repository, no project to serve', async () => {
    const missing = path.join(cacheDir, 'nope');
    await expect(openSources([{ key: { serverFqdn: 'gitlab.com', projectPath: 'a/b' }, location: missing, declaredAt: '.catalog.yml:2:3' }], options)).rejects.toThrow(
      `.catalog.yml:2:3: ${missing}: no such directory (a catalog source is a clone, or a URL git can fetch)`,
    );
    await expect(openSources([{ key: { serverFqdn: 'gitlab.com', projectPath: 'a/b' }, location: cacheDir, declaredAt: '--catalog' }], options)).rejects.toThrow(
      `--catalog: ${cacheDir} is not a git repository with commits`,
    );
    const bare = await createRepo('catalog-sources-noremote-');
    try {
      await bare.commit('empty');
      await expect(openSources([{ key: undefined, location: bare.dir, declaredAt: '--catalog' }], options)).rejects.toThrow(
        `--catalog ${bare.dir}: which project is this? Neither its URL nor an origin remote names one: write --catalog <server>/<group>/<project>=${bare.dir}, or map it under sources: in .catalog.yml`,
      );
    } finally {
      await bare.cleanup();
    }
  });
});
