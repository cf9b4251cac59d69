// compileRe2 answers as RE2 does. Most patterns are run as JavaScript RegExps (sameInJavaScript)
// instead of through re2js: these tests hold that translation to re2js's answers, pattern by
// pattern and on generated patterns and subjects, and check that patterns a backtracking engine
// could take exponential or polynomial time on are left to re2js (which is linear).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { RE2JS } from 're2js';
import { describe, expect, it } from 'vitest';
import { compileRe2, sameInJavaScript } from '../../../scripts/gitlab/ruby/re2.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');

/** What re2js says: does `pattern` match somewhere in `subject` (undefined: not a valid pattern). */
function re2(pattern: string, subject: string): boolean | undefined {
  try {
    return RE2JS.compile(pattern).matcher(subject).find();
  } catch {
    return undefined;
  }
}

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

const SUBJECTS = ['', 'a', 'abc', 'A_1', 'x y', 'a\nb', 'a\rb', 'a\tb', 'a\u000bb', 'a\u00a0b', 'é', '😀', 'v1.2.3', '$CI_JOB_ID', '${X}', 'a-b', 'a.b', 'a/b:c@d', 'arn:aws:iam::123456789012:role/x', '123456789012, 210987654321', 'eu-west-1', 'https://x.example/y', '-'];

describe('sameInJavaScript', () => {
  it('takes the usual shapes of input patterns', () => {
    const usual = [
      '^[a-z][a-z0-9-]*$',
      '^([A-Za-z_][A-Za-z0-9_]*)?$',
      String.raw`^[^\s@]+$`,
      String.raw`^(|\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|https?://[^\s]+)$`,
      String.raw`^[0-9]{12}(\s*,\s*[0-9]{12})*$`,
      '^v?(0|[1-9][0-9]*)$',
      '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$',
    ];
    for (const pattern of usual) expect(sameInJavaScript(pattern), pattern).toBeDefined();
  });

  it("answers as RE2 for the catalog's own patterns", () => {
    const patterns = catalogPatterns();
    expect(patterns.length).toBeGreaterThan(5);
    for (const pattern of patterns) {
      for (const subject of SUBJECTS) expect(compileRe2(pattern).ok && (compileRe2(pattern) as { test(s: string): boolean }).test(subject), `${pattern} on ${JSON.stringify(subject)}`).toBe(re2(pattern, subject));
    }
  });

  it('spells Perl classes as RE2 means them (ASCII only), not as JavaScript does', () => {
    expect(sameInJavaScript(String.raw`^\s+$`)).toBe('^[\\t\\n\\f\\r ]+$');
    expect(sameInJavaScript(String.raw`^[^\s@]+$`)).toBe('^[^\\t\\n\\f\\r @]+$');
    expect(sameInJavaScript(String.raw`^\D\W\S`)).toBe('^[^0-9][^0-9A-Za-z_][^\\t\\n\\f\\r ]');
    // JavaScript's \s also has the vertical tab and no-break space; RE2's has neither.
    for (const subject of ['\u000b', '\u00a0']) expect(compileRe2(String.raw`^\s$`).ok && (compileRe2(String.raw`^\s$`) as { test(s: string): boolean }).test(subject)).toBe(false);
  });

  it('leaves to re2js what means something else in JavaScript, or is not valid', () => {
    const left = [
      '^a.b', // RE2's `.` matches \r, JavaScript's does not
      '(?i)abc',
      '(?P<name>a)',
      String.raw`\pL`,
      String.raw`\bword`,
      String.raw`a\z`,
      'é',
      '[[:alpha:]]',
      '[]a]',
      'a{1001}',
      '(a{10}){10}',
      'a{,3}',
      'a{3,1}',
      'a**',
      '*a',
      '(a',
      'a)',
      '[a',
      '[z-a]',
      String.raw`\-`,
      '}',
      ']',
      // not anchored: a backtracking engine tries again at every position of the subject
      '[a-z]+$',
      'x*-',
      // a choice the next character does not settle: backtracking could take exponential or polynomial time
      '^(a+)+$',
      '^(x+x+)+y$',
      '^(a|a)*',
      '^(a*)*',
      '^(a?)+',
      '^a*a*b',
      '^[a-z]+[a-z0-9]+$',
      '^a?a?aa',
      '^(a|ab)c',
      String.raw`^[a-z]{2,5}(-[a-z]+)+-[0-9]+$`,
    ];
    for (const pattern of left) expect(sameInJavaScript(pattern), pattern).toBeUndefined();
    // and those still get RE2's answers
    expect(compileRe2('^a.b').ok && (compileRe2('^a.b') as { test(s: string): boolean }).test('a\rb')).toBe(true);
    expect(compileRe2('(a').ok).toBe(false);
    expect(compileRe2('a{1001}').ok).toBe(false);
  });

  it('agrees with re2js on generated patterns and subjects', () => {
    const atoms = ['a', 'b', '-', '/', ':', '@', ' ', '[a-z]', '[^a]', '[0-9]', '[A-Za-z0-9_.:-]', '[${}]', '[\\s@]', '[.-9]', '[-a]', '[a-]', '\\d', '\\w', '\\s', '\\S', '\\D', '\\W', '\\.', '\\$', '\\{', '(', '(?:', ')', '()', '|', '*', '+', '?', '*?', '{2}', '{1,3}', '{0,}', '$', 'x'];
    const chars = ['a', 'b', 'z', 'A', '0', '9', '_', '-', '.', ' ', '\t', '\n', '\r', '\u000b', '\u00a0', 'é', '😀', '$', '{', '}', '/', ':', '@'];
    let seed = 42;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    let taken = 0;
    for (let i = 0; i < 3000; i++) {
      let body = '';
      for (let j = 1 + next(6); j > 0; j--) body += atoms[next(atoms.length)];
      // Only patterns anchored at the start are taken: mostly those, some not.
      const pattern = [`^${body}`, `^(?:${body})`, body][next(3)] as string;
      const js = sameInJavaScript(pattern);
      if (js === undefined) continue;
      taken++;
      const re = new RegExp(js, 'u');
      for (let k = 0; k < 20; k++) {
        let subject = '';
        for (let m = next(8); m > 0; m--) subject += chars[next(chars.length)];
        expect(re.test(subject), `${pattern} (${js}) on ${JSON.stringify(subject)}`).toBe(re2(pattern, subject));
      }
    }
    expect(taken).toBeGreaterThan(300);
  });
});
