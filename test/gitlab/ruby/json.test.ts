/**
 * JSON as GitLab reads (Oj, rails mode) and writes it (Ruby's JSON generator).
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
import { parseRubyJson, toRubyJson } from '../../../scripts/gitlab/ruby/json.js';

const map = (entries: [string, Value][]): Map<string, Value> => new Map(entries);

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
