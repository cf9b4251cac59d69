/**
 * What `npm publish` would ship: the `catalog` CLI built from scripts/, its vendored CI schema and
 * the templates; never the integration harness (harness/, dist/harness) or the tests.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { CLI, REPO_ROOT } from '../helpers/cli.js';

const NOT_SHIPPED = /^(harness|test|dist\/harness|dist\/test)\//;

describe('the published package', () => {
  it('lists the catalog CLI and the vendored CI schema, and nothing of the harness or the tests', () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
    // A cache of its own (npm would otherwise write to the user's); packing needs no network.
    const cache = mkdtempSync(path.join(tmpdir(), 'catalog-npm-cache-'));
    onTestFinished(() => rmSync(cache, { recursive: true, force: true }));
    const result = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts', '--offline', '--cache', cache], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    const [pack] = JSON.parse(result.stdout) as { files: { path: string }[] }[];
    const files = (pack?.files ?? []).map((file) => file.path);
    expect(files).toContain('dist/scripts/cli/main.js');
    expect(files).toContain('scripts/gitlab/ci-schema/gitlab-ci.schema.json');
    expect(files.filter((file) => NOT_SHIPPED.test(file))).toEqual([]);
  });

  it('is built from scripts/ alone: the build (prepare) compiles nothing of the harness or the tests', () => {
    const tsc = path.join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
    const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--listFilesOnly'], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(result.status, result.stdout + result.stderr).toBe(0);
    const ours = result.stdout.split('\n').filter((file) => file.startsWith(`${REPO_ROOT}/`) && !file.includes('/node_modules/'));
    expect(ours.length).toBeGreaterThan(0);
    expect(ours.map((file) => path.relative(REPO_ROOT, file)).filter((file) => !file.startsWith('scripts/'))).toEqual([]);
  });
});
