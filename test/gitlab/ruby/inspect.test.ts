/**
 * Ruby `#to_s` / `#inspect` of model values (floats, strings, symbols, arrays, hashes).
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
import { rubyFloatToS, rubyInspect, rubyInspectString, rubySymbolInspect, rubyToS } from '../../../scripts/gitlab/ruby/inspect.js';

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

describe('rubyInspect of a Hash (Hash#inspect, Ruby 3.3)', () => {
  it('prints `{:key=>value}`: Symbol keys (GitLab deep_symbolize_keys its config) and 3.3\'s `=>` without spaces', () => {
    // GitLab pins Ruby 3.3 (gitlabhq .ruby-version 3.3.x). Ruby 3.4 changed Hash#inspect to
    // `{key: value}` / `{"k" => v}` (NEWS for 3.4.0); GitLab's messages still show the 3.3 form.
    const hash = map([['k', 'v'], ['n', 1], ['a b', map([['c', [null]]])]]);
    expect(rubyInspect(hash)).toBe('{:k=>"v", :n=>1, :"a b"=>{:c=>[nil]}}');
    expect(rubyToS(hash)).toBe(rubyInspect(hash));
    expect(rubyInspect(hash)).not.toContain(' => ');
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
