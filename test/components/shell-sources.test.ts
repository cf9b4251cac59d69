/**
 * The shell sources of the components (components/<name>/*.sh and the shared library
 * components/lib/*.sh), each on its own as it is edited:
 * - `shellcheck -s sh` is clean; a finding fails with its file:line:col (file-level directives in
 *   the sources say why a check does not apply);
 * - every `catalog_*` helper a source calls is defined by the library files it includes (a helper
 *   from a file it does not include would be "not found" in the job, which shellcheck cannot see).
 * shellcheck missing: its test skips saying why, or fails when CATALOG_REQUIRE_TOOLS=1.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cli.js';
import { shellcheckAvailability } from './pipeline.js';

const REQUIRE_TOOLS = process.env['CATALOG_REQUIRE_TOOLS'] === '1';
const tools = shellcheckAvailability();
if (!tools.available) {
  if (REQUIRE_TOOLS) throw new Error(`${tools.reason} and CATALOG_REQUIRE_TOOLS=1 requires it`);
  console.warn(`[shell-sources] ${tools.reason} (skipping the shellcheck test)`);
}

const COMPONENTS = path.join(REPO_ROOT, 'components');
/** Every .sh source, relative to the repository root (components/<dir>/<file>.sh). */
const SOURCES = readdirSync(COMPONENTS, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .flatMap((dir) => readdirSync(path.join(COMPONENTS, dir.name)).filter((file) => file.endsWith('.sh')).map((file) => `components/${dir.name}/${file}`))
  .sort();

const INCLUDE = /^[ \t]*# catalog:include[ \t]+(\S+)[ \t]*$/gm;
const text = (file: string) => readFileSync(path.join(REPO_ROOT, file), 'utf8');
/** The files `file` includes, and theirs, as repository paths. */
function includedFiles(file: string, seen: Set<string> = new Set()): Set<string> {
  for (const [, target = ''] of text(file).matchAll(INCLUDE)) {
    const included = path.posix.normalize(path.posix.join(path.posix.dirname(file), target));
    if (!seen.has(included) && included.endsWith('.sh')) {
      seen.add(included);
      includedFiles(included, seen);
    }
  }
  return seen;
}
const definedIn = (file: string) => [...text(file).matchAll(/^(catalog_\w+)\(\)/gm)].map((m) => m[1] ?? '');
/** Every helper of the library, by name. */
const HELPERS = new Set(SOURCES.filter((file) => file.startsWith('components/lib/')).flatMap(definedIn));
/** The helpers `file` names outside comments and outside catalog_forget (which names them all). */
const calledIn = (file: string) => {
  const code = text(file)
    .replace(/^[ \t]*#.*$/gm, '')
    .replace(/^catalog_forget\(\) \{[^]*?^\}/m, '');
  return [...code.matchAll(/\bcatalog_\w+\b/g)].map((m) => m[0]).filter((name) => HELPERS.has(name));
};

describe('components/*/*.sh and components/lib/*.sh on their own', () => {
  it('finds the sources', () => {
    expect(SOURCES).toContain('components/lib/log.sh');
    expect(SOURCES).toContain('components/ecr-login/login.sh');
  });

  it.skipIf(!tools.available)('shellcheck -s sh finds nothing in any source', () => {
    const result = spawnSync('shellcheck', ['-s', 'sh', '-f', 'gcc', ...SOURCES], { cwd: REPO_ROOT, encoding: 'utf8' });
    const findings = result.stdout.split('\n').filter((line) => line.trim() !== '');
    expect(result.stderr).toBe('');
    // Each finding as shellcheck reports it: <file>:<line>:<col>: <level>: <message> [SC…].
    expect(findings).toEqual([]);
    expect(result.status).toBe(0);
  });

  it.each(SOURCES.filter((file) => !file.startsWith('components/lib/')))('%s: every catalog_* helper it calls is defined by the library files it includes', (file) => {
    const included = [...includedFiles(file)];
    const defined = new Set(included.flatMap(definedIn));
    const called = new Set([file, ...included].flatMap(calledIn));
    expect([...called].filter((name) => !defined.has(name))).toEqual([]);
    expect(called.size).toBeGreaterThan(0);
  });
});
