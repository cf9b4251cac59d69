/**
 * The package as an application team gets it: `npm pack`, the tarball installed into an empty
 * directory with `--omit=dev` (from the npm registry: ajv, re2js, semver, yaml), then its `catalog`
 * bin run in the consumer fixture's application repository, directly and through `npx`. Prints the
 * installed size.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, REPO_ROOT } from '../helpers/cli.js';
import { createConsumerFixture, type ConsumerFixture } from '../helpers/consumer-fixture.js';

const work = mkdtempSync(path.join(tmpdir(), 'catalog-pack-'));
let fixture: ConsumerFixture;
beforeAll(async () => {
  fixture = await createConsumerFixture();
});
afterAll(async () => {
  await fixture.cleanup();
  rmSync(work, { recursive: true, force: true });
});

const npm = (args: readonly string[], cwd: string) =>
  spawnSync('npm', [...args, '--cache', path.join(work, 'npm-cache'), '--no-audit', '--no-fund', '--loglevel=error'], { cwd, encoding: 'utf8' });

/** Bytes of the files under `dir` (what `du --apparent-size` counts). */
function sizeOf(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += statSync(path.join(entry.parentPath, entry.name)).size;
  }
  return total;
}

describe('npm pack, then npm install --omit=dev of the tarball', () => {
  it('installs without building, and its bin lints the consumer fixture', () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
    // The build is already in dist/ (npm's prepack would run tsc again, beside other test files reading dist/).
    const pack = npm(['pack', '--ignore-scripts', '--json', '--pack-destination', work], REPO_ROOT);
    expect(pack.status, pack.stderr).toBe(0);
    const [packed] = JSON.parse(pack.stdout) as { filename: string; size: number }[];
    const tarball = path.join(work, packed?.filename ?? '');

    const prefix = path.join(work, 'install');
    const install = spawnSync('mkdir', ['-p', prefix]);
    expect(install.status).toBe(0);
    const installed = npm(['install', '--omit=dev', tarball], prefix);
    expect(installed.status, installed.stderr).toBe(0);
    const modules = readdirSync(path.join(prefix, 'node_modules')).filter((name) => !name.startsWith('.'));
    // The runtime dependencies and the package itself; no compiler, test runner, gitlab-ci-local or Node binary.
    expect(modules.sort()).toEqual(['@multiarch-ci', 'ajv', 'fast-deep-equal', 'fast-uri', 'json-schema-traverse', 're2js', 'require-from-string', 'semver', 'yaml']);

    const bin = path.join(prefix, 'node_modules/.bin/catalog');
    const version = spawnSync(bin, ['--version'], { encoding: 'utf8' });
    const { version: expected } = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(version).toMatchObject({ status: 0, stdout: `${expected}\n` });

    const lint = spawnSync(bin, ['lint', '.gitlab-ci.yml'], { cwd: fixture.app.dir, encoding: 'utf8' });
    const short = fixture.commits['1.2.0']?.slice(0, 7);
    expect(lint).toMatchObject({ status: 0, stdout: '0 error(s), 0 warning(s), 0 info\n', stderr: `ecr-login@1 → 1.2.0 (${short})\nbuildx-ecr@1 → 1.2.0 (${short})\n` });

    // What an application team types (before the package is published, the tarball stands for its name).
    const npx = spawnSync('npx', ['--yes', '--cache', path.join(work, 'npm-cache'), '--package', tarball, 'catalog', 'lint', '.gitlab-ci.yml'], {
      cwd: fixture.app.dir,
      encoding: 'utf8',
    });
    expect(npx).toMatchObject({ status: 0, stdout: '0 error(s), 0 warning(s), 0 info\n' });

    const bytes = sizeOf(path.join(prefix, 'node_modules'));
    console.log(`pack-install: tarball ${packed?.size} bytes; installed node_modules ${(bytes / 1024 / 1024).toFixed(1)} MiB`);
    expect(bytes).toBeLessThan(20 * 1024 * 1024);
  }, 240_000);
});
