/**
 * Golden renders of the example pipelines: `templates/` and `examples/` are committed in a
 * temporary repository (origin `git@gitlab.com:group/catalog.git`), each
 * `examples/<name>/.gitlab-ci.yml` is rendered with `catalog render --project-path group/catalog`,
 * the SHA is replaced by `<sha>` (`<short-sha>` for its 8-character form), and the result must
 * equal `test/fixtures/render/<name>.yml` byte for byte.
 *
 * - A missing golden file, or any golden file when `UPDATE_GOLDEN=1`, is (re)written, unless `CI` is
 *   set: in CI a missing golden file is a failure and nothing is ever written.
 * - A stale golden file fails with the diff; review it, then `UPDATE_GOLDEN=1` to accept it.
 * - A golden file without its example fails (removed by `UPDATE_GOLDEN=1` outside CI).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GOLDEN_DIR as GOLDEN_RENDER_DIR, goldenHeader } from '../../scripts/catalog/golden-render.js';
import { REPO_ROOT } from '../helpers/cli.js';
import { catalogRepo, listExamples, normaliseSha, renderExample, type CatalogRepo } from './catalog.js';

const GOLDEN_DIR = path.join(REPO_ROOT, GOLDEN_RENDER_DIR);
const IN_CI = (process.env['CI'] ?? '') !== '';
const UPDATE = process.env['UPDATE_GOLDEN'] === '1' && !IN_CI;

const examples = listExamples(REPO_ROOT);
const goldenFile = (name: string) => path.join(GOLDEN_DIR, `${name}.yml`);
const relative = (file: string) => path.relative(REPO_ROOT, file);

let catalog: CatalogRepo | undefined;
beforeAll(async () => {
  if (examples.length > 0) catalog = await catalogRepo(REPO_ROOT);
});
afterAll(async () => {
  await catalog?.repo.cleanup();
});

async function rendered(file: string): Promise<string> {
  if (!catalog) throw new Error('no catalog repository');
  const result = await renderExample(catalog.repo.dir, file);
  expect(result.code, `catalog render ${file} failed:\n${result.stderr}`).toBe(0);
  return normaliseSha(result.stdout, catalog.sha);
}

describe('example pipelines render as their golden files', () => {
  if (examples.length === 0) it.skip('no examples/*/.gitlab-ci.yml in this catalog yet', () => {});

  it.each(examples)('$file', async (example) => {
    const actual = goldenHeader(example.name) + (await rendered(example.file));
    const golden = goldenFile(example.name);
    if (!existsSync(golden) || UPDATE) {
      expect(IN_CI, `${relative(golden)} is missing: run \`UPDATE_GOLDEN=1 node node_modules/vitest/vitest.mjs run test/components\` locally, review and commit it`).toBe(false);
      mkdirSync(GOLDEN_DIR, { recursive: true });
      const previous = existsSync(golden) ? readFileSync(golden, 'utf8') : undefined;
      if (previous !== actual) {
        writeFileSync(golden, actual);
        console.warn(`[render-golden] ${previous === undefined ? 'wrote' : 'updated'} ${relative(golden)}`);
      }
      return;
    }
    expect(actual, `${relative(golden)} is stale: review the diff, then rerun with UPDATE_GOLDEN=1`).toBe(readFileSync(golden, 'utf8'));
  });

  it('is commit-independent: another commit renders the same text once the SHA is normalised', async (ctx) => {
    if (!catalog || examples.length === 0) return ctx.skip('no examples yet');
    const first = await Promise.all(examples.map((e) => rendered(e.file)));
    await catalog.repo.write('UNRELATED.md', 'another commit\n');
    const next = await catalog.repo.commit('unrelated change');
    expect(next).not.toBe(catalog.sha);
    catalog = { repo: catalog.repo, sha: next };
    const second = await Promise.all(examples.map((e) => rendered(e.file)));
    expect(second).toEqual(first);
    for (const text of second) expect(text).not.toMatch(/\b[0-9a-f]{40}\b/);
  });

  it('every golden file has its example', () => {
    const names = new Set(examples.map((e) => e.name));
    const orphans = existsSync(GOLDEN_DIR) ? readdirSync(GOLDEN_DIR).filter((f) => f.endsWith('.yml') && !names.has(f.slice(0, -4))) : [];
    if (UPDATE) {
      for (const file of orphans) rmSync(path.join(GOLDEN_DIR, file));
      return;
    }
    expect(orphans.map((f) => `test/fixtures/render/${f}`), 'golden files whose example is gone: delete them (or UPDATE_GOLDEN=1)').toEqual([]);
  });
});
