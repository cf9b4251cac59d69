// compileRe2 answers as RE2 (GitLab's `Gitlab::UntrustedRegexp`) does, where that differs from a
// JavaScript RegExp.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileRe2 } from '../../../scripts/gitlab/ruby/re2.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');

/** The `regex:` of every input in the catalog's components. */
function catalogPatterns(): string[] {
  const dir = path.join(ROOT, 'templates');
  const found = new Set<string>();
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.yml'))) {
    for (const match of readFileSync(path.join(dir, name), 'utf8').matchAll(/^\s+regex:\s*(.+?)\s*$/gm)) {
      const raw = match[1] as string;
      found.add(raw.startsWith("'") ? raw.slice(1, -1).replaceAll("''", "'") : raw.startsWith('"') ? (JSON.parse(raw) as string) : raw);
    }
  }
  return [...found];
}

/** Whether `pattern` matches somewhere in `subject`; fails the test when the pattern does not compile. */
function matches(pattern: string, subject: string): boolean {
  const re = compileRe2(pattern);
  if (!re.ok) throw new Error(`${pattern}: ${re.error}`);
  return re.test(subject);
}

describe('compileRe2', () => {
  it("compiles the catalog's own patterns", () => {
    const patterns = catalogPatterns();
    expect(patterns.length).toBeGreaterThan(5);
    for (const pattern of patterns) expect(compileRe2(pattern).ok, pattern).toBe(true);
  });

  it('searches anywhere in the subject unless anchored', () => {
    expect(matches('b', 'abc')).toBe(true);
    expect(matches('^b', 'abc')).toBe(false);
  });

  it('reads Perl classes as RE2 means them (ASCII only), not as JavaScript does', () => {
    // JavaScript's \s also has the vertical tab and no-break space; RE2's has neither.
    for (const subject of ['\u000b', '\u00a0']) expect(matches(String.raw`^\s$`, subject)).toBe(false);
    expect(matches(String.raw`^[^\s@]+$`, 'a\u00a0b')).toBe(true);
    expect(matches(String.raw`^\w+$`, 'é')).toBe(false);
  });

  it("lets `.` match \\r (JavaScript's does not), never \\n", () => {
    expect(matches('^a.b', 'a\rb')).toBe(true);
    expect(matches('^a.b', 'a\nb')).toBe(false);
  });

  it('refuses what RE2 refuses: invalid patterns, backreferences, lookaround, counts over 1000', () => {
    for (const pattern of ['(a', 'a)', '[a', '*a', 'a**', String.raw`(a)\1`, '(?=a)', 'a{1001}', '(a{100}){100}']) {
      expect(compileRe2(pattern).ok, pattern).toBe(false);
    }
  });
});
