// Golden fixtures for `catalog interpolate`: what GitLab's component loader does with
// `spec:inputs`, input values and `$[[ ]]` blocks. Each case in test/fixtures/interpolate/<case>/
// was written from GitLab's own sources, specs and docs (see its source.txt), never from this
// repository's code, so these tests can fail when the port drifts from GitLab.
//
// A case holds template.yml, optional inputs.json / variables.json / component.json, and exactly
// one of expected.json (the interpolated content document) or expected.err (the loader's error
// text, one line). The built CLI is run as a child process from the repository root.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const cliRelative = path.join('dist', 'scripts', 'cli', 'main.js');
const cliPath = path.join(repoRoot, cliRelative);
const fixturesRelative = path.join('test', 'fixtures', 'interpolate');
const fixturesRoot = path.join(repoRoot, fixturesRelative);
const MIN_FIXTURES = 60;

const OPTIONAL_ARGS = [
  ['inputs.json', '--inputs'],
  ['variables.json', '--variables'],
  ['component.json', '--component'],
] as const;

function fixtureNames(): string[] {
  if (!existsSync(fixturesRoot)) return [];
  return readdirSync(fixturesRoot)
    .filter((name) => statSync(path.join(fixturesRoot, name)).isDirectory())
    .sort();
}

function requireBuiltCli(): void {
  if (!existsSync(cliPath)) {
    throw new Error(`${cliRelative} is missing: run \`npm run build\` before running the interpolate fixture tests`);
  }
}

function withoutTrailingNewlines(text: string): string {
  return text.replace(/(?:\r?\n)+$/, '');
}

const names = fixtureNames();

describe('interpolate golden fixtures', () => {
  it(`has at least ${MIN_FIXTURES} fixture directories`, () => {
    expect(names.length).toBeGreaterThanOrEqual(MIN_FIXTURES);
  });

  it('has a built CLI', () => {
    requireBuiltCli();
  });

  for (const name of names) {
    it(name, () => {
      const dir = path.join(fixturesRoot, name);
      const rel = (file: string): string => path.join(fixturesRelative, name, file);
      const has = (file: string): boolean => existsSync(path.join(dir, file));

      expect(has('template.yml'), `${name}: template.yml is missing`).toBe(true);
      expect(has('source.txt'), `${name}: source.txt is missing`).toBe(true);
      expect(has('expected.json') !== has('expected.err'), `${name}: needs exactly one of expected.json / expected.err`).toBe(true);

      requireBuiltCli();

      const args = [cliRelative, 'interpolate', rel('template.yml')];
      for (const [file, flag] of OPTIONAL_ARGS) {
        if (has(file)) args.push(flag, rel(file));
      }

      const run = spawnSync(process.execPath, args, { cwd: repoRoot, encoding: 'utf8', timeout: 30_000 });
      expect(run.error, `${name}: could not run the CLI`).toBeUndefined();
      const report = `${name}\nexit: ${String(run.status)}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`;

      if (has('expected.json')) {
        const expected: unknown = JSON.parse(readFileSync(path.join(dir, 'expected.json'), 'utf8'));
        expect(run.status, report).toBe(0);
        let actual: unknown;
        try {
          actual = JSON.parse(run.stdout);
        } catch {
          throw new Error(`stdout is not JSON\n${report}`);
        }
        expect(actual, report).toEqual(expected);
      } else {
        const expected = readFileSync(path.join(dir, 'expected.err'), 'utf8');
        expect(run.status, report).toBe(1);
        expect(run.stdout, report).toBe('');
        expect(withoutTrailingNewlines(run.stderr), report).toBe(withoutTrailingNewlines(expected));
      }
    });
  }
});
