/**
 * Ruby's `#to_s` and `#inspect` of the values GitLab's interpolation and error messages print:
 * Integer, Float, String, Symbol (hash keys), Array and Hash.
 *
 * Ruby's version: current GitLab (19.x) pins Ruby 3.3 (`gitlabhq/gitlabhq: .ruby-version` is
 * `3.3.11`, `.tool-versions` lists `ruby 3.3.10`), so `Hash#inspect` uses the 3.3 format
 * `{:name=>"x", :"a b"=>1}`, not 3.4's `{name: "x"}`.
 *
 * Strings are walked by code point, because a Ruby character in a UTF-8 string is a code point,
 * while a JavaScript string index is a UTF-16 unit (an emoji is one Ruby character, two JS units).
 */
import { RubyFloat, YamlReference, type Value } from './value.js';

/** Ruby `Integer#to_s`. Integers beyond 2^53 are already approximate in the model; print all digits. */
export function rubyIntegerToS(n: number): string {
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
/** Half of a surrogate pair on its own: an invalid byte sequence in Ruby's UTF-8. */
export const isLoneSurrogate = (ch: string): boolean => ch.length === 1 && /[\uD800-\uDFFF]/.test(ch);

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
