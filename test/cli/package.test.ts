/**
 * What `npm publish` would ship: the `catalog` CLI compiled from scripts/ (JavaScript and type
 * declarations, no source maps), its vendored CI schema, and a manifest that installs with no
 * build step and no dev dependency; never the integration harness (harness/, dist/harness), the
 * tests or the templates.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { toPlain } from '../../scripts/gitlab/ruby/value.js';
import { parseYamlDocuments } from '../../scripts/gitlab/yaml/psych.js';
import { CLI, REPO_ROOT } from '../helpers/cli.js';

const NOT_SHIPPED = /^(harness|test|templates|dist\/harness|dist\/test)\//;
const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;

/** `npm pack --dry-run`'s file list, with a cache of its own (npm would otherwise write to the user's); no network. */
function packedFiles(): string[] {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  const cache = mkdtempSync(path.join(tmpdir(), 'catalog-npm-cache-'));
  onTestFinished(() => rmSync(cache, { recursive: true, force: true }));
  const result = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts', '--offline', '--cache', cache], { cwd: REPO_ROOT, encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
  const [pack] = JSON.parse(result.stdout) as { files: { path: string }[] }[];
  return (pack?.files ?? []).map((file) => file.path);
}

/** The packages the compiled CLI imports (bare specifiers other than node:), by package name: statically, and only through `import()`. */
function importedPackages(): { static: Set<string>; dynamic: Set<string> } {
  const found = { static: new Set<string>(), dynamic: new Set<string>() };
  const name = (specifier: string) => (specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : (specifier.split('/')[0] as string));
  const bare = (specifier: string) => !specifier.startsWith('node:') && !specifier.startsWith('.');
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (entry.name.endsWith('.js')) {
        const text = readFileSync(file, 'utf8');
        for (const match of text.matchAll(/^\s*(?:import|export)\b[^'"]*?\bfrom\s*['"]([^'"]+)['"]/gm)) if (bare(match[1] as string)) found.static.add(name(match[1] as string));
        for (const match of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) if (bare(match[1] as string)) found.dynamic.add(name(match[1] as string));
      }
    }
  };
  walk(path.join(REPO_ROOT, 'dist/scripts'));
  for (const known of found.static) found.dynamic.delete(known);
  return found;
}

describe('the published package', () => {
  it('ships the compiled CLI (JavaScript and declarations) and the vendored CI schema, nothing of the harness, the tests or the templates', () => {
    const files = packedFiles();
    expect(files).toContain('dist/scripts/cli/main.js');
    expect(files).toContain('dist/scripts/index.d.ts');
    expect(files).toContain('scripts/gitlab/ci-schema/gitlab-ci.schema.json');
    expect(files.filter((file) => NOT_SHIPPED.test(file))).toEqual([]);
    // Source maps point at TypeScript sources the package does not ship.
    expect(files.filter((file) => file.endsWith('.map'))).toEqual([]);
  });

  it('installs in one line: published (not private), a scoped name, the `catalog` bin, no build step, only what runs as dependencies', () => {
    expect(manifest['private']).toBeUndefined();
    expect(manifest['name']).toMatch(/^@[a-z0-9-]+\/gitlab-ci-catalog$/);
    expect(manifest['bin']).toEqual({ catalog: './dist/scripts/cli/main.js' });
    // npm runs these on install (`prepare` also on `npm ci --omit=dev` in a checkout, where tsc is a dev dependency).
    const scripts = Object.keys((manifest['scripts'] as Record<string, string> | undefined) ?? {});
    expect(scripts.filter((name) => ['preinstall', 'install', 'postinstall', 'prepare'].includes(name))).toEqual([]);
    const dependencies = Object.keys((manifest['dependencies'] as Record<string, string> | undefined) ?? {}).sort();
    const imported = importedPackages();
    expect(dependencies).toEqual([...imported.static].sort());
    // Loaded on demand by compileDraft04JsonSchema, which only the tests call (SARIF's draft-04 schema).
    expect([...imported.dynamic].sort()).toEqual(['ajv-draft-04', 'ajv-formats']);
  });

  it('is a pre-commit hook: the catalog bin, run on .gitlab-ci.yml files', () => {
    const hooks = toPlain(parseYamlDocuments(readFileSync(path.join(REPO_ROOT, '.pre-commit-hooks.yaml'), 'utf8'), '.pre-commit-hooks.yaml').documents[0]?.value ?? null);
    expect(hooks).toEqual([expect.objectContaining({ id: 'gitlab-ci-catalog-lint', entry: 'catalog lint', language: 'node', pass_filenames: true })]);
    const files = new RegExp((hooks as { files: string }[])[0]?.files ?? '');
    expect(['.gitlab-ci.yml', 'ci/.gitlab-ci.yaml'].filter((f) => files.test(f))).toEqual(['.gitlab-ci.yml', 'ci/.gitlab-ci.yaml']);
    expect(['gitlab-ci.yml', '.gitlab-ci.yml.txt', 'x.yml'].filter((f) => files.test(f))).toEqual([]);
  });

  it('is built from scripts/ alone: the build compiles nothing of the harness or the tests', () => {
    const tsc = path.join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
    const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--listFilesOnly'], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(result.status, result.stdout + result.stderr).toBe(0);
    const ours = result.stdout.split('\n').filter((file) => file.startsWith(`${REPO_ROOT}/`) && !file.includes('/node_modules/'));
    expect(ours.length).toBeGreaterThan(0);
    expect(ours.map((file) => path.relative(REPO_ROOT, file)).filter((file) => !file.startsWith('scripts/'))).toEqual([]);
  });
});
