/**
 * Where `catalog lint` gets GitLab's CI schema: --ci-schema PATH|URL, else the cache written by
 * `catalog ci-schema update`, else the vendored copy; a warning when none is usable. Downloads go to
 * a local HTTP server on 127.0.0.1 (never the internet); the cache lives in a temporary XDG_CACHE_HOME.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ToolkitError } from '../../scripts/core/errors.js';
import { cacheDirectory, resolveCiSchema, UPDATED_SCHEMA_FILE, updateCiSchema, urlCacheFile } from '../../scripts/gitlab/ci-schema/ci-schema.js';
import { REPO_ROOT } from '../helpers/cli.js';

// Lets one test pretend the toolkit ships no vendored copy.
const hide = vi.hoisted(() => ({ vendored: false }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const existsSync = (file: import('node:fs').PathLike) => (hide.vendored && String(file).endsWith('gitlab-ci.schema.json') ? false : fs.existsSync(file));
  return { ...fs, existsSync, default: { ...fs, existsSync } };
});

const VENDORED = path.join(REPO_ROOT, 'scripts/gitlab/ci-schema/gitlab-ci.schema.json');
const SCHEMA_TEXT = readFileSync(VENDORED, 'utf8');
const TINY = JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', $id: 'tiny', type: 'object' });

let server: Server;
let base = '';
const hits = new Map<string, number>();

beforeAll(async () => {
  server = createServer((request, response) => {
    const url = request.url ?? '/';
    hits.set(url, (hits.get(url) ?? 0) + 1);
    if (url.startsWith('/ci.json')) response.writeHead(200, { 'content-type': 'application/json' }).end(SCHEMA_TEXT);
    else if (url === '/tiny.json') response.writeHead(200).end(TINY);
    else if (url === '/broken.json') response.writeHead(200).end('{ not json');
    else response.writeHead(404).end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

let cache = '';
let root = '';
const savedXdg = process.env['XDG_CACHE_HOME'];
beforeEach(() => {
  cache = mkdtempSync(path.join(tmpdir(), 'catalog-cache-'));
  root = mkdtempSync(path.join(tmpdir(), 'catalog-root-'));
  process.env['XDG_CACHE_HOME'] = cache;
  hits.clear();
  hide.vendored = false;
});
afterEach(() => {
  if (savedXdg === undefined) delete process.env['XDG_CACHE_HOME'];
  else process.env['XDG_CACHE_HOME'] = savedXdg;
  rmSync(cache, { recursive: true, force: true });
  rmSync(root, { recursive: true, force: true });
});

/** A URL nothing listens on: the connection is refused at once. */
async function deadUrl(): Promise<string> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return `http://127.0.0.1:${port}/ci.json`;
}

describe('resolveCiSchema', () => {
  it('uses the cache directory under XDG_CACHE_HOME, else ~/.cache', () => {
    expect(cacheDirectory({ XDG_CACHE_HOME: '/x/cache' })).toBe(path.join('/x/cache', 'catalog'));
    expect(cacheDirectory({ XDG_CACHE_HOME: 'relative' })).toMatch(/\.cache[/\\]catalog$/);
    expect(cacheDirectory({})).toMatch(/\.cache[/\\]catalog$/);
  });

  it('falls back to the vendored copy, saying so', async () => {
    const found = await resolveCiSchema(undefined, root);
    expect(found.warning).toBeUndefined();
    expect(found.schema?.['$id']).toBe('https://gitlab.com/.gitlab-ci.yml');
    expect(found.source).toContain('vendored');
  });

  it('returns the same object while the file is unchanged (compiled once)', async () => {
    expect((await resolveCiSchema(undefined, root)).schema).toBe((await resolveCiSchema(undefined, root)).schema);
  });

  it('reads --ci-schema PATH relative to the root', async () => {
    writeFileSync(path.join(root, 'my-ci.json'), TINY);
    const found = await resolveCiSchema('my-ci.json', root);
    expect(found).toEqual({ schema: JSON.parse(TINY), source: 'my-ci.json' });
  });

  it.each([
    ['missing.json', undefined, /--ci-schema missing\.json: cannot read it: ENOENT/],
    ['broken.json', '{ "type": ', /--ci-schema broken\.json: not valid JSON/],
    ['array.json', '[1, 2]', /--ci-schema array\.json: not a JSON Schema: expected a JSON object/],
    ['bad-schema.json', '{ "$schema": "http://json-schema.org/draft-07/schema#", "type": 5 }', /--ci-schema bad-schema\.json: not a valid JSON Schema/],
  ])('warns when --ci-schema %s is not usable and validates against the next source', async (file, text, message) => {
    if (text !== undefined) writeFileSync(path.join(root, file), text);
    const found = await resolveCiSchema(file, root);
    expect(found.warning).toMatch(message);
    expect(found.warning).toContain('validated against the copy vendored with the toolkit');
    expect(found.schema?.['$id']).toBe('https://gitlab.com/.gitlab-ci.yml');
  });

  it('downloads --ci-schema URL once, caches it by URL, and reuses the cache on the next run', async () => {
    const url = `${base}/ci.json?v=1`;
    const first = await resolveCiSchema(url, root);
    expect(first.warning).toBeUndefined();
    expect(first.source).toBe(`${url} (downloaded, cached as ${urlCacheFile(url)})`);
    expect(readFileSync(urlCacheFile(url), 'utf8')).toBe(SCHEMA_TEXT);
    // Written atomically: no temporary file is left beside it.
    expect(readdirSync(path.dirname(urlCacheFile(url)))).toEqual([path.basename(urlCacheFile(url))]);

    const second = await resolveCiSchema(url, root);
    expect(second.source).toMatch(/\(cached copy downloaded .*\)$/);
    expect(second.schema).toBe(first.schema);
    expect(hits.get('/ci.json?v=1')).toBe(1);
  });

  it('downloads again when the cached copy is old, and uses the old copy when the network fails', async () => {
    const url = await deadUrl();
    const file = urlCacheFile(url);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, TINY);
    const old = new Date(Date.now() - 3 * 24 * 60 * 60 * 1000);
    utimesSync(file, old, old);
    const found = await resolveCiSchema(url, root);
    expect(found.warning).toBeUndefined();
    expect(found.schema).toEqual(JSON.parse(TINY));
    expect(found.source).toMatch(/\(download failed: fetch failed: .*ECONNREFUSED.*; using the copy downloaded /);
    expect(Math.abs(statSync(file).mtimeMs - old.getTime())).toBeLessThan(1000);
  });

  it('refreshes an old cached copy when the server answers', async () => {
    const url = `${base}/tiny.json`;
    const file = urlCacheFile(url);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, '{}');
    const old = new Date(Date.now() - 3 * 24 * 60 * 60 * 1000);
    utimesSync(file, old, old);
    const found = await resolveCiSchema(url, root);
    expect(found.schema).toEqual(JSON.parse(TINY));
    expect(readFileSync(file, 'utf8')).toBe(TINY);
    expect(hits.get('/tiny.json')).toBe(1);
  });

  it.each([
    ['/missing.json', /download failed: HTTP 404/],
    ['/broken.json', /not valid JSON/],
  ])('warns when --ci-schema URL %s gives no schema and nothing is cached', async (route, message) => {
    const found = await resolveCiSchema(`${base}${route}`, root);
    expect(found.warning).toMatch(message);
    expect(found.source).toContain('vendored');
    expect(existsSync(urlCacheFile(`${base}${route}`))).toBe(false);
  });

  it('warns, without a schema, when nothing at all is available', async () => {
    hide.vendored = true;
    const found = await resolveCiSchema(undefined, root);
    expect(found.schema).toBeUndefined();
    expect(found.warning).toMatch(/^no usable GitLab CI schema: the rendered configuration was not validated against ci\.json; run `catalog ci-schema update`/);
  });
});

describe('updateCiSchema', () => {
  it('downloads into the cache, which then comes before the vendored copy', async () => {
    const written = await updateCiSchema(`${base}/tiny.json`);
    expect(written).toBe(path.join(cache, 'catalog', UPDATED_SCHEMA_FILE));
    expect(readFileSync(written, 'utf8')).toBe(TINY);
    const found = await resolveCiSchema(undefined, root);
    expect(found.schema).toEqual(JSON.parse(TINY));
    expect(found.source).toContain(`written by \`catalog ci-schema update\` from ${base}/tiny.json on `);
    // An explicit --ci-schema still wins over the cache.
    writeFileSync(path.join(root, 'x.json'), SCHEMA_TEXT);
    expect((await resolveCiSchema('x.json', root)).source).toBe('x.json');
  });

  it('copies a local file', async () => {
    writeFileSync(path.join(root, 'ci.json'), SCHEMA_TEXT);
    const written = await updateCiSchema(path.join(root, 'ci.json'));
    expect(readFileSync(written, 'utf8')).toBe(SCHEMA_TEXT);
  });

  it('keeps the cached copy when the new one is not a schema or cannot be downloaded', async () => {
    const written = await updateCiSchema(`${base}/tiny.json`);
    await expect(updateCiSchema(`${base}/broken.json`)).rejects.toThrow(ToolkitError);
    await expect(updateCiSchema(`${base}/broken.json`)).rejects.toThrow(/broken\.json: not valid JSON: .*; the cached schema was left as it was/);
    await expect(updateCiSchema(`${base}/gone.json`)).rejects.toThrow(/cannot download .*gone\.json: HTTP 404/);
    await expect(updateCiSchema(await deadUrl())).rejects.toThrow(/cannot download .*: fetch failed/);
    expect(readFileSync(written, 'utf8')).toBe(TINY);
  });

  it('a broken cache is reported and the vendored copy used', async () => {
    mkdirSync(path.join(cache, 'catalog'), { recursive: true });
    writeFileSync(path.join(cache, 'catalog', UPDATED_SCHEMA_FILE), 'garbage');
    const found = await resolveCiSchema(undefined, root);
    expect(found.warning).toMatch(/ci-schema\.json: not valid JSON.*; validated against the copy vendored with the toolkit/);
    expect(found.schema?.['$id']).toBe('https://gitlab.com/.gitlab-ci.yml');
  });
});
