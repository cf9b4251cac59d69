/**
 * Ruby `String` methods behind the interpolation functions and block replacement.
 *
 * Where an expected value comes from:
 * - "spec: <file>" is an example ported from gitlabhq/gitlabhq's RSpec files;
 * - "doc" is an example from Ruby's documentation or ruby/ruby's source comments or tests;
 * - "ruby" is the output of running the expression in Ruby (Ruby 3.1.2 with Oj 3.14.2, checked by
 *   hand; the methods involved did not change up to 3.3 unless noted);
 * - "src" is derived by reading the named C/Ruby source where running Ruby was not possible.
 */
import { describe, expect, it } from 'vitest';

import { RubyError } from '../../../scripts/gitlab/ruby/error.js';
import { gsubLiteral, rubySlice, rubySplitStrip } from '../../../scripts/gitlab/ruby/string.js';

describe('rubySlice (str[offset, length].to_s)', () => {
  it('truncates as truncate_spec expects', () => {
    // spec: spec/lib/gitlab/ci/config/interpolation/functions/truncate_spec.rb, 'test' with truncate(1,2)
    expect(rubySlice('test', 1, 2)).toBe('es');
  });

  it.each<[string, number, number, string]>([
    // doc: String#[] ("hello"[1, 3] => "ell"; at size => ""; past size => nil)
    ['hello', 1, 3, 'ell'],
    ['hello', 0, 100, 'hello'],
    ['hello', 5, 2, ''],
    ['hello', 6, 2, ''], // nil.to_s
    ['hello', 2, 0, ''],
    ['', 0, 1, ''],
    ['', 1, 1, ''],
    ['hello', -3, 2, 'll'],
    ['hello', -6, 2, ''], // nil
    ['hello', 1, -1, ''], // nil
    // ruby: characters, not bytes or UTF-16 units
    ['a😀b', 1, 1, '😀'],
    ['😀😀😀', 1, 5, '😀😀'],
    ['héllo', 0, 2, 'hé'],
  ])('%j[%d, %d] → %j', (s, offset, length, expected) => {
    expect(rubySlice(s, offset, length)).toBe(expected);
  });
});

describe('rubySplitStrip (split(sep).map(&:strip).reject(&:empty?))', () => {
  // spec: spec/lib/gitlab/ci/config/interpolation/functions/split_spec.rb
  it.each<[string, string, string[]]>([
    ['a,b,c,d,e', ',', ['a', 'b', 'c', 'd', 'e']],
    ['a, b, c', ',', ['a', 'b', 'c']],
    ['a,,b', ',', ['a', 'b']],
    ['a;b;c', ';', ['a', 'b', 'c']],
    ['only-one', ',', ['only-one']],
    ['', ',', []],
  ])('split_spec: %j split %j', (s, sep, expected) => {
    expect(rubySplitStrip(s, sep)).toEqual(expected);
  });

  it('splits awk-style on a single space', () => {
    // ruby: " a  b\t\nc\v\0d ".split(" ") => ["a", "b", "c", "\u0000d"], then strip drops the NUL
    expect(rubySplitStrip(' a  b\t\nc\v\0d ', ' ')).toEqual(['a', 'b', 'c', 'd']);
    // ruby: "a\u00a0b\u3000c".split(" ") => one field: NBSP and ideographic space are not whitespace
    expect(rubySplitStrip('a\u00a0b\u3000c', ' ')).toEqual(['a\u00a0b\u3000c']);
  });

  it('strips ASCII whitespace and NUL, not Unicode spaces', () => {
    // ruby: "\0\t\n\v\f\r a\u00a0 \0\0".strip => "a\u00a0"; "a\u3000".strip => "a\u3000"
    expect(rubySplitStrip('\0\t\n\v\f\r a\u00a0 \0\0', ',')).toEqual(['a\u00a0']);
    expect(rubySplitStrip('a\u3000, b', ',')).toEqual(['a\u3000', 'b']);
  });

  it('uses multi-character and multibyte separators literally', () => {
    // ruby: "a, b,c".split(", ") => ["a", "b,c"]; "x😀y😀".split("😀") => ["x", "y"]; "a.b".split(".") => ["a", "b"]
    expect(rubySplitStrip('a, b,c', ', ')).toEqual(['a', 'b,c']);
    expect(rubySplitStrip('x😀y😀', '😀')).toEqual(['x', 'y']);
    expect(rubySplitStrip('a.b', '.')).toEqual(['a', 'b']);
    expect(rubySplitStrip('a\tb', '\t')).toEqual(['a', 'b']);
  });

  it('splits into characters on an empty separator', () => {
    // ruby: "abc".split("") => ["a", "b", "c"]; "é😀".split("") => ["é", "😀"]
    expect(rubySplitStrip('abc', '')).toEqual(['a', 'b', 'c']);
    expect(rubySplitStrip('é😀', '')).toEqual(['é', '😀']);
  });
});

describe('gsubLiteral (String#gsub(String, String))', () => {
  // ruby: "xaby".gsub("ab", replacement) for each replacement
  it.each([
    ['[\\0]', 'x[ab]y'],
    ['[\\&]', 'x[ab]y'],
    ['[\\1]', 'x[]y'],
    ['[\\9]', 'x[]y'],
    ['[\\+]', 'x[]y'],
    ['[\\`]', 'x[x]y'],
    ["[\\']", 'x[y]y'],
    ['[\\\\]', 'x[\\]y'],
    ['[\\n]', 'x[\\n]y'],
    ['[\\]', 'x[\\]y'],
    ['\\', 'x\\y'], // trailing lone backslash stays
    ['[\\k]', 'x[\\k]y'],
    ['[\\é]', 'x[\\é]y'],
    ['[\\😀]', 'x[\\😀]y'],
    ['\\\\\\0', 'x\\aby'],
    ['\\00', 'xab0y'],
    ['\\10', 'x0y'],
    ['plain', 'xplainy'],
  ])('replacement %j → %j', (replacement, expected) => {
    expect(gsubLiteral('xaby', 'ab', replacement)).toBe(expected);
  });

  it('gives each match its own prematch and postmatch from the original subject', () => {
    // ruby: "xabyab".gsub("ab", "[\\`|\\']") => "x[x|yab]y[xaby|]"
    expect(gsubLiteral('xabyab', 'ab', "[\\`|\\']")).toBe('x[x|yab]y[xaby|]');
  });

  it('replaces non-overlapping occurrences left to right', () => {
    // ruby: "aaa".gsub("aa", "b") => "ba"
    expect(gsubLiteral('aaa', 'aa', 'b')).toBe('ba');
    expect(gsubLiteral('no match', 'zz', 'b')).toBe('no match');
  });

  it('matches an empty pattern at every character boundary', () => {
    // ruby: "abc".gsub("", "-") => "-a-b-c-"; "é😀".gsub("", "-") => "-é-😀-"
    expect(gsubLiteral('abc', '', '-')).toBe('-a-b-c-');
    expect(gsubLiteral('é😀', '', '-')).toBe('-é-😀-');
    expect(gsubLiteral('', '', '-')).toBe('-');
  });

  it('treats the pattern literally (block text with regex characters)', () => {
    // src: Template#interpolate_string_node! uses gsub(block.to_s, value.to_s) with a String pattern
    expect(gsubLiteral('echo $[[ inputs.a ]] $[[ inputs.a ]]', '$[[ inputs.a ]]', 'v')).toBe('echo v v');
    expect(gsubLiteral('a.c abc', '.', '!')).toBe('a!c abc');
  });

  it('handles multibyte subjects, patterns and back-references', () => {
    // ruby: "é😀é".gsub("😀", "<\\0\\`>") => "é<😀é>é"
    expect(gsubLiteral('é😀é', '😀', '<\\0\\`>')).toBe('é<😀é>é');
  });

  it('raises as Ruby does for \\k<name>', () => {
    // ruby: "xaby".gsub("ab", "[\\k<x>]") raises IndexError "undefined group name reference: x"
    expect(() => gsubLiteral('xaby', 'ab', '[\\k<x>]')).toThrow(new RubyError('IndexError', 'undefined group name reference: x'));
    // ruby: "xaby".gsub("ab", "[\\k<x]") raises RuntimeError "invalid group name reference format"
    expect(() => gsubLiteral('xaby', 'ab', '[\\k<x]')).toThrow('invalid group name reference format');
    try {
      gsubLiteral('xaby', 'ab', '\\k<x]');
    } catch (error) {
      expect(error).toBeInstanceOf(RubyError);
      expect((error as RubyError).rubyClass).toBe('RuntimeError');
    }
    // no match: the replacement is never read, so nothing is raised (ruby: "x".gsub("ab", "\\k<x>") => "x")
    expect(gsubLiteral('x', 'ab', '\\k<x>')).toBe('x');
  });
});
