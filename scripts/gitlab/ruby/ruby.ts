/**
 * Ruby's string semantics, as GitLab's interpolation code relies on them, in TypeScript.
 *
 * Each function names the Ruby method it mirrors. Ruby's version: current GitLab (19.x) pins
 * Ruby 3.3 (`gitlabhq/gitlabhq: .ruby-version` is `3.3.11`, `.tool-versions` lists `ruby 3.3.10`),
 * so `Hash#inspect` uses the 3.3 format `{:name=>"x", :"a b"=>1}`, not 3.4's `{name: "x"}`.
 *
 * Strings are walked by code point, because a Ruby character in a UTF-8 string is a code point,
 * while a JavaScript string index is a UTF-16 unit (an emoji is one Ruby character, two JS units).
 */
import { RubyFloat, YamlReference, type Value } from './value.js';
import { expandVariables, type ExpandableVariable } from '../variables.js';

/**
 * An exception Ruby would raise where GitLab does not rescue it (for instance `\k<name>` in a
 * `gsub` replacement). `rubyClass` is the Ruby exception class, `message` its message.
 */
export class RubyError extends Error {
  readonly rubyClass: string;
  constructor(rubyClass: string, message: string) {
    super(message);
    this.name = 'RubyError';
    this.rubyClass = rubyClass;
  }
}

// ---------------------------------------------------------------------------------------------
// to_s / inspect
// ---------------------------------------------------------------------------------------------

/** Ruby `Integer#to_s`. Integers beyond 2^53 are already approximate in the model; print all digits. */
function rubyIntegerToS(n: number): string {
  if (Number.isSafeInteger(n)) return String(n === 0 ? 0 : n); // -0 prints as "0"
  return BigInt(n).toString();
}

/**
 * Ruby `Float#to_s` (numeric.c `flo_to_s`). The digits are the shortest that round-trip (dtoa
 * mode 0), which is also what JavaScript's `Number#toString` produces. Layout, with `decpt` the
 * position of the decimal point relative to the digits (value = 0.DIGITS × 10^decpt):
 * - 0 < decpt < digits: the point goes inside the digits (`6.6`, `1234567890123456.8`);
 * - digits <= decpt <= 15 (DBL_DIG): digits, zeros, `.0` (`100.0`); above 15: exponent form, so
 *   `1e15` prints `1.0e+15` while `123456789012345.6` stays decimal;
 * - -4 < decpt <= 0: `0.000ddd` (`0.0001`);
 * - otherwise exponent form `d.ddde+XX` with at least two exponent digits (`1.0e-05`, `1.0e+20`).
 */
export function rubyFloatToS(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0';

  const sign = n < 0 ? '-' : '';
  const [mantissa = '', exponent = '0'] = String(Math.abs(n)).split('e');
  const point = mantissa.indexOf('.');
  let digits = mantissa.replace('.', '');
  let decpt = (point === -1 ? mantissa.length : point) + Number(exponent);
  const leadingZeros = digits.length - digits.replace(/^0+/, '').length;
  digits = digits.slice(leadingZeros).replace(/0+$/, '');
  decpt -= leadingZeros;

  if (decpt > 0 && decpt < digits.length) return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
  if (decpt > 0 && decpt <= 15) return `${sign}${digits}${'0'.repeat(decpt - digits.length)}.0`;
  if (decpt <= 0 && decpt > -4) return `${sign}0.${'0'.repeat(-decpt)}${digits}`;
  const e = decpt - 1;
  const exp = `${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  return `${sign}${digits[0] ?? '0'}.${digits.slice(1) || '0'}e${exp}`;
}

/**
 * Characters Ruby's `String#inspect` escapes as `\uXXXX` in a UTF-8 string: those Onigmo does not
 * call printable. Checked against Ruby over every code point: controls (Cc) except U+0085,
 * unassigned (Cn), U+2028 and U+2029 (Zl, Zp); format characters and private use print as is.
 * Node's Unicode tables are newer than Ruby 3.3's (Unicode 15.0), so a character assigned after
 * 15.0 prints raw here where Ruby 3.3 would escape it.
 */
const NON_PRINTABLE = /^[\p{Cc}\p{Cn}\p{Zl}\p{Zp}]$/u;
const isPrintable = (ch: string): boolean => ch === '\u0085' || !NON_PRINTABLE.test(ch);
const isLoneSurrogate = (ch: string): boolean => ch.length === 1 && /[\uD800-\uDFFF]/.test(ch);

const INSPECT_ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\f': '\\f',
  '\v': '\\v', '\b': '\\b', '\x07': '\\a', '\x1b': '\\e',
};

const hex = (n: number): string => n.toString(16).toUpperCase();

/** Shared body of `String#inspect`; `ascii` selects the US-ASCII escapes (`\xNN`) Ruby uses for Symbols. */
function inspectString(s: string, ascii: boolean): string {
  const chars = Array.from(s);
  let out = '"';
  chars.forEach((ch, i) => {
    const escape = INSPECT_ESCAPES[ch];
    const code = ch.codePointAt(0) ?? 0;
    if (escape !== undefined) out += escape;
    // `#{`, `#$`, `#@` would interpolate inside a double-quoted literal, so Ruby escapes the `#`.
    else if (ch === '#') out += ['{', '$', '@'].includes(chars[i + 1] ?? '') ? '\\#' : '#';
    // A lone surrogate would be an invalid byte sequence in Ruby (its WTF-8 bytes are shown).
    else if (isLoneSurrogate(ch)) out += [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)].map((b) => `\\x${hex(b)}`).join('');
    else if (isPrintable(ch)) out += ch;
    else if (ascii) out += `\\x${hex(code).padStart(2, '0')}`;
    else out += code < 0x10000 ? `\\u${hex(code).padStart(4, '0')}` : `\\u{${hex(code)}}`;
  });
  return `${out}"`;
}

/**
 * Ruby `String#inspect` for a UTF-8 string (string.c `rb_str_inspect`): `"` and `\` escaped,
 * `\n \r \t \f \v \b \a \e` by name, `#{ #$ #@` as `\#`, other non-printable characters as
 * `\u0000` / `\u{10FFFF}`, printable Unicode kept as is (GitLab runs with UTF-8 as the default
 * external encoding, so `é` and emoji are not escaped).
 */
export function rubyInspectString(s: string): string {
  return inspectString(s, false);
}

/** Ruby `is_identchar`: ASCII letters, digits, `_`, and every non-ASCII character. */
const isIdentChar = (code: number): boolean => code >= 0x80 || /[A-Za-z0-9_]/.test(String.fromCharCode(code));

/** Ruby `is_special_global_name`: `$~`, `$1`, `$-w`, … (the part after `$`). */
function isSpecialGlobalName(rest: string): boolean {
  const first = rest[0];
  if (first === undefined) return false;
  if ('~*$?!@/\\;,.=:<>"&`\'+0'.includes(first)) return rest.length === 1;
  if (first === '-') {
    const next = rest.codePointAt(1);
    if (next === undefined) return false;
    return rest.length === 1 + (isIdentChar(next) ? String.fromCodePoint(next).length : 0);
  }
  return /^[0-9]+$/.test(rest);
}

type SymbolType = 'local' | 'global' | 'instance' | 'class' | 'junk' | 'attrset';

/**
 * Ruby `rb_enc_symname_type` (symbol.c) with the attrset rule `Symbol#inspect` uses
 * (IDSET_ATTRSET_FOR_SYNTAX: only local and constant names may end in `=`). Returns null when the
 * symbol must be printed quoted. Local and constant names behave the same here, so both are 'local'.
 */
function symbolNameType(name: string): SymbolType | null {
  const len = name.length;
  if (len === 0) return null;
  const at = (i: number): string => name[i] ?? '';
  let type: SymbolType = 'junk';
  let m = 0;
  let operator = true; // the leading characters alone decide ("stophere" in symbol.c)
  switch (at(0)) {
    case '$':
      if (isSpecialGlobalName(name.slice(1))) return 'global';
      [type, m, operator] = ['global', 1, false];
      break;
    case '@':
      [type, m, operator] = at(1) === '@' ? ['class', 2, false] : ['instance', 1, false];
      break;
    case '<': m = at(1) === '<' ? 2 : at(1) === '=' ? (at(2) === '>' ? 3 : 2) : 1; break;
    case '>': m = at(1) === '>' || at(1) === '=' ? 2 : 1; break;
    case '=':
      if (at(1) === '~') m = 2;
      else if (at(1) === '=') m = at(2) === '=' ? 3 : 2;
      else return null;
      break;
    case '*': m = at(1) === '*' ? 2 : 1; break;
    case '+': case '-': m = at(1) === '@' ? 2 : 1; break;
    case '|': case '^': case '&': case '/': case '%': case '~': case '`': m = 1; break;
    case '[':
      if (at(1) === ']') m = at(2) === '=' ? 3 : 2;
      else operator = false;
      break;
    case '!': m = at(1) === '=' || at(1) === '~' ? 2 : 1; break;
    default: [type, operator] = ['local', false];
  }
  if (operator) return m === len ? type : null;

  const c = name.charCodeAt(m);
  if (m >= len || (c < 0x80 && c !== 0x5f && !/[A-Za-z]/.test(at(m)))) {
    // `foo=`-style names whose stem is a valid local/constant name.
    const stem = len > 1 && name.endsWith('=') ? symbolNameType(name.slice(0, -1)) : null;
    return stem === 'local' ? 'attrset' : null;
  }
  while (m < len && isIdentChar(name.charCodeAt(m))) m++;
  if (m >= len) return type;
  let suffix = at(m);
  if (suffix === '!' || suffix === '?') {
    if (type === 'global' || type === 'class' || type === 'instance') return null;
    type = 'junk';
    m++;
    if (m + 1 < len || at(m) !== '=') return m === len ? type : null;
    suffix = '='; // `a?=` falls through to the `=` rule, which rejects it
  }
  if (suffix === '=') {
    if (type !== 'local') return null;
    type = 'attrset';
    m++;
  }
  return m === len ? type : null;
}

/**
 * Ruby `Symbol#inspect`: `:name` when the name is a plain identifier, operator or variable name
 * (and printable, without NUL), otherwise `:"quoted"`. An ASCII-only symbol is US-ASCII in Ruby,
 * so its non-printable characters show as `\x00` rather than `\u0000`.
 */
export function rubySymbolInspect(name: string): string {
  const plain = !name.includes('\0') && Array.from(name).every((ch) => !isLoneSurrogate(ch) && isPrintable(ch));
  if (plain && symbolNameType(name) !== null) return `:${name}`;
  return `:${inspectString(name, /^[\x00-\x7f]*$/.test(name))}`;
}

/**
 * Ruby `#inspect` of a model value (`Array#inspect`, `Hash#inspect` of Ruby 3.3). Hash keys are
 * printed as Symbols because GitLab `deep_symbolize_keys` its config and inputs; an integer YAML
 * key would stay an Integer in Ruby, but the model keeps keys as strings, so it prints as `:"1"`.
 */
export function rubyInspect(value: Value): string {
  if (typeof value === 'string') return rubyInspectString(value);
  if (value === null) return 'nil';
  if (Array.isArray(value)) return `[${value.map(rubyInspect).join(', ')}]`;
  if (value instanceof Map) {
    return `{${[...value].map(([key, item]) => `${rubySymbolInspect(key)}=>${rubyInspect(item)}`).join(', ')}}`;
  }
  return rubyToS(value);
}

/**
 * Ruby `#to_s` of a model value, as `"#{value}"` and `String#gsub(block, value.to_s)` produce it:
 * String as is, Integer digits, Float per `Float#to_s`, `true`/`false`, nil → "", Array and Hash
 * → their `inspect`. A `!reference` has no stable Ruby `to_s` (GitLab's tag object would print
 * with its memory address), so it prints the way GitLab's own error messages show it:
 * `!reference ["job", "script"]`.
 */
export function rubyToS(value: Value): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isInteger(value) ? rubyIntegerToS(value) : rubyFloatToS(value);
  if (typeof value === 'boolean') return String(value);
  if (value === null) return '';
  if (value instanceof RubyFloat) return rubyFloatToS(value.value);
  if (value instanceof YamlReference) return `!reference ${rubyInspect([...value.path])}`;
  return rubyInspect(value);
}

// ---------------------------------------------------------------------------------------------
// String functions behind `$[[ inputs.x | fn ]]`
// ---------------------------------------------------------------------------------------------

/**
 * Ruby stdlib `Shellwords.shellescape` (ruby/ruby lib/shellwords.rb): `''` for an empty string;
 * otherwise `gsub(/[^A-Za-z0-9_\-.,:+\/@\n]/, "\\\\\\&")`, which on a UTF-8 string matches whole
 * characters, so every multibyte character (é, emoji, NBSP) gets one backslash; then each LF
 * becomes `'\n'`, because backslash-newline is a line continuation in the shell.
 */
export function shellescape(s: string): string {
  if (s === '') return "''";
  let out = '';
  for (const ch of s) out += /^[A-Za-z0-9_\-.,:+\/@\n]$/.test(ch) ? ch : `\\${ch}`;
  return out.replaceAll('\n', "'\n'");
}

/**
 * Ruby `str[offset, length].to_s` (string.c `rb_str_subpos`), counting characters: a negative
 * length, or an offset beyond the end, gives nil (so ""); an offset equal to the size gives "";
 * a negative offset counts from the end.
 */
export function rubySlice(s: string, offset: number, length: number): string {
  const chars = Array.from(s);
  if (length < 0 || offset > chars.length) return '';
  const start = offset < 0 ? offset + chars.length : offset;
  if (start < 0) return '';
  return chars.slice(start, start + length).join('');
}

/** Ruby `String#strip`: leading and trailing ASCII whitespace (`\t\n\v\f\r `) and NUL. */
const rubyStrip = (s: string): string => s.replace(/^[\0\t\n\v\f\r ]+|[\0\t\n\v\f\r ]+$/g, '');

/**
 * Ruby `s.split(separator).map(&:strip).reject(&:empty?)`, the body of GitLab's `split` function.
 * `split(" ")` is awk-style: it splits on runs of ASCII whitespace (not NBSP or ideographic
 * space); `split("")` splits into characters; any other separator is a literal substring.
 * Ruby's `split` drops trailing empty fields, and the `reject` drops the rest.
 */
export function rubySplitStrip(s: string, separator: string): string[] {
  let fields: string[];
  if (separator === ' ') fields = s.split(/[\t\n\v\f\r ]+/);
  else if (separator === '') fields = Array.from(s);
  else fields = s.split(separator);
  return fields.map(rubyStrip).filter((field) => field !== '');
}

/**
 * Ruby `String#gsub(String, String)`: every non-overlapping occurrence of the literal pattern,
 * left to right, with the replacement's backslash sequences read as re.c `rb_reg_regsub` reads
 * them for a String pattern (one match, no groups):
 * - `\0`, `\&`: the match; `` \` ``: the subject before it; `\'`: the subject after it;
 * - `\1`..`\9`, `\+`: nothing (there are no groups);
 * - `\\`: one backslash;
 * - `\k<name>`: Ruby raises IndexError "undefined group name reference: name" (thrown here as a
 *   RubyError); `\k<` without `>` raises RuntimeError "invalid group name reference format";
 * - a backslash before anything else, or at the very end, stays as is.
 * An empty pattern matches before every character and at the end, as in Ruby.
 */
export function gsubLiteral(subject: string, pattern: string, replacement: string): string {
  const expand = (start: number, end: number): string => {
    let out = '';
    for (let i = 0; i < replacement.length; i++) {
      const ch = replacement[i] ?? '';
      const next = replacement[i + 1];
      if (ch !== '\\' || next === undefined) {
        out += ch;
        continue;
      }
      i++;
      if (next === '0' || next === '&') out += subject.slice(start, end);
      else if (next === '`') out += subject.slice(0, start);
      else if (next === "'") out += subject.slice(end);
      else if (next === '\\') out += '\\';
      else if ((next >= '1' && next <= '9') || next === '+') continue;
      else if (next === 'k' && replacement[i + 1] === '<') {
        const close = replacement.indexOf('>', i + 2);
        if (close === -1) throw new RubyError('RuntimeError', 'invalid group name reference format');
        throw new RubyError('IndexError', `undefined group name reference: ${replacement.slice(i + 2, close)}`);
      } else out += `\\${next}`; // also keeps both halves of a surrogate pair after the backslash
    }
    return out;
  };

  if (pattern === '') {
    let out = '';
    let index = 0;
    for (const ch of subject) {
      out += expand(index, index) + ch;
      index += ch.length;
    }
    return out + expand(index, index);
  }
  let out = '';
  let from = 0;
  for (let at = subject.indexOf(pattern); at !== -1; at = subject.indexOf(pattern, from)) {
    out += subject.slice(from, at) + expand(at, at + pattern.length);
    from = at + pattern.length;
  }
  return out + subject.slice(from);
}

// ---------------------------------------------------------------------------------------------
// ExpandVariables
// ---------------------------------------------------------------------------------------------

/**
 * GitLab `ExpandVariables.expand_existing(value, variables, fail_on_masked:)`: one `gsub` pass over
 * the value, so a variable's value is inserted as is and never expanded again; an unknown variable
 * stays as written; when a key repeats, the last variable wins (`Collection#[]` is `all(key).last`).
 * With `failOnMasked`, referencing a masked variable fails the whole expansion
 * ("masked variables cannot be expanded"); a masked variable that is not referenced is harmless.
 */
export function expandExisting(
  value: string,
  variables: readonly ExpandableVariable[],
  failOnMasked: boolean,
): { ok: true; value: string } | { ok: false; error: 'masked' } {
  const expansion = expandVariables(value, variables, 'kept');
  return failOnMasked && expansion.usedMasked ? { ok: false, error: 'masked' } : { ok: true, value: expansion.text };
}

// ---------------------------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------------------------

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
