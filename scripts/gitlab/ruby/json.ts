/**
 * JSON as GitLab reads and writes it: `Gitlab::Json.parse` (Oj in rails mode) and Ruby's JSON
 * generator (`to_json`, `JSON.pretty_generate`), on the value model.
 */
import { RubyFloat, YamlReference, type Value } from './value.js';
import { isLoneSurrogate, rubyFloatToS, rubyIntegerToS } from './inspect.js';

/** Thrown inside the parser; `parseRubyJson` turns it into `{ ok: false }`. */
class JsonParseError extends Error {}

const JSON_ESCAPES = new Map([['n', '\n'], ['r', '\r'], ['t', '\t'], ['f', '\f'], ['b', '\b'], ['"', '"'], ['/', '/'], ['\\', '\\']]);

/**
 * What `Gitlab::Json.parse(text)` returns: `Oj.load(text, mode: :rails)` (gitlabhq
 * lib/gitlab/json.rb). Ported from Oj's ext/oj/parse.c and checked against Oj 3.14 (GitLab runs
 * 3.16; the parser code read here has the same rules). Oj in rails mode is laxer than JSON:
 * - any value may stand at the top level; whitespace is space, tab, LF, CR and form feed;
 * - `/* … *\/` and `// …` comments may precede the value or sit inside arrays and objects, but not
 *   follow the top-level value; a NUL character ends the input;
 * - numbers: a leading `+`, leading zeros (`007` → 7), a bare sign (`-` → 0) and a trailing dot
 *   (`1.` → 1, an Integer) are accepted; `NaN`, `nan`, `Infinity`, `-Infinity` give floats;
 *   a number with a fraction or exponent must still be complete (`1.e5`, `1e` fail) and becomes a
 *   `RubyFloat`, anything else an integer;
 * - strings may hold raw control characters but not NUL; escapes are `\" \\ \/ \b \f \n \r \t \uXXXX`;
 *   a `\u` surrogate must be followed by another `\u` escape, combined without checking it;
 * - duplicate object keys keep the first position and the last value (Ruby Hash `[]=`).
 * Not modelled: Oj returns a BigDecimal for a decimal with more than 16 significant digits or an
 * exponent of 100000 and up; here it is the nearest float. Integers beyond 2^53 lose precision.
 */
export function parseRubyJson(text: string): { ok: true; value: Value } | { ok: false } {
  let pos = 0;
  const peek = (offset = 0): string => text[pos + offset] ?? '\0';
  const fail = (): never => {
    throw new JsonParseError();
  };

  const skipWhitespace = (): void => {
    while (' \t\n\r\f'.includes(peek()) && pos < text.length) pos++;
  };
  // Oj's main loop skips whitespace and comments between the tokens of one document.
  const skipBlank = (): void => {
    for (;;) {
      skipWhitespace();
      if (peek() !== '/') return;
      pos++;
      if (peek() === '*') {
        const close = text.indexOf('*/', pos + 1);
        pos = close === -1 ? text.length : close + 2;
      } else if (peek() === '/') {
        while (!'\n\r\f\0'.includes(peek())) pos++;
      } else fail();
    }
  };

  const hexAt = (at: number): number => {
    const digits = text.slice(at, at + 4);
    if (!/^[0-9A-Fa-f]{4}$/.test(digits)) fail();
    return parseInt(digits, 16);
  };

  const readString = (): string => {
    pos++; // opening quote
    let out = '';
    for (;;) {
      const ch = text[pos];
      if (ch === undefined || ch === '\0') return fail(); // unterminated, or NUL inside a string
      pos++;
      if (ch === '"') return out;
      if (ch !== '\\') {
        out += ch;
        continue;
      }
      const esc = text[pos++] ?? '';
      const simple = JSON_ESCAPES.get(esc);
      if (simple !== undefined) out += simple;
      else if (esc === 'u') {
        let code = hexAt(pos);
        pos += 4;
        if (code >= 0xd800 && code <= 0xdfff) {
          if (peek() !== '\\' || peek(1) !== 'u') fail();
          const low = hexAt(pos + 2);
          pos += 6;
          code = ((((code - 0xd800) & 0x3ff) << 10) | ((low - 0xdc00) & 0x3ff)) + 0x10000;
        }
        out += String.fromCodePoint(code);
      } else fail();
    }
  };

  const readNumber = (): Value => {
    const start = pos;
    if (peek() === '-' || peek() === '+') pos++;
    if (peek() === 'I') {
      if (!text.startsWith('Infinity', pos)) fail();
      pos += 8;
      return new RubyFloat(text[start] === '-' ? -Infinity : Infinity);
    }
    if ((peek() === 'N' || peek() === 'n') && peek(1) === 'a' && (peek(2) === 'N' || peek(2) === 'n')) {
      pos += 3;
      return new RubyFloat(NaN);
    }
    if (peek() === 'N' || peek() === 'n') fail();
    while (/[0-9]/.test(peek())) pos++;
    let fraction = false;
    if (peek() === '.') {
      pos++;
      while (/[0-9]/.test(peek())) {
        pos++;
        fraction = true;
      }
    }
    let exponent = false;
    if (peek() === 'e' || peek() === 'E') {
      exponent = true;
      pos++;
      if (peek() === '-' || peek() === '+') pos++;
      while (/[0-9]/.test(peek())) pos++;
    }
    const token = text.slice(start, pos);
    if (!fraction && !exponent) {
      // Oj's integer path: the digits before any trailing '.'; a bare sign is 0.
      const digits = token.replace(/^[+-]/, '').replace(/\.$/, '');
      const n = digits === '' ? 0 : Number(digits);
      return token.startsWith('-') && n !== 0 ? -n : n;
    }
    // Ruby's strtod must consume the whole token ("1.e5", "1e", "1.5e+" are "Invalid float").
    if (!/^[+-]?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/.test(token)) fail();
    return new RubyFloat(Number(token.replace(/^\+/, '')));
  };

  const readValue = (): Value => {
    skipBlank();
    const ch = peek();
    if (ch === '{') {
      pos++;
      const map = new Map<string, Value>();
      skipBlank();
      if (peek() === '}') {
        pos++;
        return map;
      }
      for (;;) {
        skipBlank();
        if (peek() !== '"') fail();
        const key = readString();
        skipBlank();
        if (peek() !== ':') fail();
        pos++;
        map.set(key, readValue());
        skipBlank();
        const sep = peek();
        pos++;
        if (sep === '}') return map;
        if (sep !== ',') fail();
      }
    }
    if (ch === '[') {
      pos++;
      const list: Value[] = [];
      skipBlank();
      if (peek() === ']') {
        pos++;
        return list;
      }
      for (;;) {
        list.push(readValue());
        skipBlank();
        const sep = peek();
        pos++;
        if (sep === ']') return list;
        if (sep !== ',') fail();
      }
    }
    if (ch === '"') return readString();
    if (text.startsWith('true', pos)) return (pos += 4), true;
    if (text.startsWith('false', pos)) return (pos += 5), false;
    if (text.startsWith('null', pos)) return (pos += 4), null;
    if (/[-+0-9INn]/.test(ch)) return readNumber();
    return fail();
  };

  try {
    const value = readValue();
    skipWhitespace(); // only whitespace may follow the document; a NUL ends the input
    if (pos < text.length && peek() !== '\0') return { ok: false };
    return { ok: true, value };
  } catch (error) {
    if (error instanceof JsonParseError) return { ok: false };
    throw error;
  }
}

/**
 * A JSON string as Ruby's JSON generator writes it (json gem, default options): `"` and `\`
 * escaped, `\b \f \n \r \t` by name, other control characters as lowercase `\u001f`; `/`, DEL,
 * U+2028/2029 and all non-ASCII characters are written as is. A lone surrogate (invalid in Ruby)
 * is written as a `\udXXX` escape so the output stays valid JSON.
 */
function rubyJsonString(s: string): string {
  const named: Readonly<Record<string, string>> = { '"': '\\"', '\\': '\\\\', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    out += named[ch] ?? (code < 0x20 || isLoneSurrogate(ch) ? `\\u${code.toString(16).padStart(4, '0')}` : ch);
  }
  return `${out}"`;
}

/**
 * Ruby `value.to_json` (no `indent`) or `JSON.pretty_generate(value, indent: ' ' * indent)`:
 * `"key": value` with one space after the colon when pretty, `[]` and `{}` for empty containers
 * (json ≥ 2.8), keys in Map order, floats as `Float#to_s` (`1.0`, `1.0e+20`; json gems before
 * 2.10). Ruby raises GeneratorError for NaN and Infinity; here they are written as `NaN`,
 * `Infinity`, `-Infinity` (Ruby's `allow_nan: true` output) so a report can still be printed.
 * A `!reference` is written as `{"!reference": [...]}`, as `toPlain` in core/value.ts does.
 */
export function toRubyJson(value: Value, indent?: number): string {
  const pretty = indent !== undefined;
  const write = (item: Value, depth: number): string => {
    if (typeof item === 'string') return rubyJsonString(item);
    if (item === null) return 'null';
    if (typeof item === 'boolean') return String(item);
    if (typeof item === 'number') return Number.isInteger(item) ? rubyIntegerToS(item) : rubyFloatToS(item);
    if (item instanceof RubyFloat) return rubyFloatToS(item.value);
    if (item instanceof YamlReference) return write(new Map<string, Value>([['!reference', [...item.path]]]), depth);
    const entries: string[] = Array.isArray(item)
      ? item.map((element) => write(element, depth + 1))
      : [...item].map(([key, element]) => `${rubyJsonString(key)}:${pretty ? ' ' : ''}${write(element, depth + 1)}`);
    const [open, close] = Array.isArray(item) ? ['[', ']'] : ['{', '}'];
    if (entries.length === 0) return open + close;
    if (!pretty) return `${open}${entries.join(',')}${close}`;
    const inner = ' '.repeat(indent * (depth + 1));
    return `${open}\n${inner}${entries.join(`,\n${inner}`)}\n${' '.repeat(indent * depth)}${close}`;
  };
  return write(value, 0);
}
