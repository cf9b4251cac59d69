/**
 * `fnmatchPathname` against Ruby's own answers: each expected value below was printed by Ruby 3's
 * `File.fnmatch?(pattern, path, File::FNM_PATHNAME | File::FNM_DOTMATCH | File::FNM_EXTGLOB)`,
 * the flags of GitLab's `rules:changes` (lib/gitlab/ci/build/rules/rule/clause/changes.rb).
 */
import { describe, expect, it } from 'vitest';
import { fnmatchPathname } from '../../../scripts/gitlab/ruby/fnmatch.js';

const RUBY: readonly (readonly [pattern: string, path: string, matches: boolean])[] = [
  ['*.md', 'README.md', true],
  ['*.md', 'docs/a.md', false],
  ['**/*.md', 'docs/a.md', true],
  ['**/*.md', 'README.md', true],
  ['docs/**/*', 'docs/a/b.json', true],
  ['docs/**', 'docs/a/b.json', false],
  ['docs/**', 'docs/a.md', true],
  ['docs/*', 'docs/a/b', false],
  ['templates/**/*', 'templates/x.yml', true],
  ['*', 'templates/x.yml', false],
  ['*.{md,txt}', 'a.txt', true],
  ['{a,b}/*.yml', 'b/c.yml', true],
  ['{a,b/*.yml', 'b/c.yml', false],
  ['*', '.', true],
  ['*', '.gitlab-ci.yml', true],
  ['**/*', '.hidden/x', true],
  ['[a-c]x', 'bx', true],
  ['[!a-c]x', 'bx', false],
  ['[^a]x', '/x', false],
  ['a?c', 'a/c', false],
  ['a\\*c', 'a*c', true],
  ['a\\*c', 'abc', false],
  ['{a,{b,c}}d', 'cd', true],
  ['**/d', 'a/b/d', true],
  ['a/**/d', 'a/d', true],
  ['[ab', 'a', false],
  ['*x*', 'aaxbb', true],
  ['a*', 'a/b', false],
  ['**', 'a/b', false],
];

describe('fnmatchPathname: File.fnmatch? with FNM_PATHNAME | FNM_DOTMATCH | FNM_EXTGLOB', () => {
  it.each(RUBY)('%s against %s is %s, as in Ruby', (pattern, path, matches) => {
    expect(fnmatchPathname(pattern, path)).toBe(matches);
  });
});
