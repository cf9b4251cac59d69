/**
 * Ruby `String` methods behind GitLab's `$[[ inputs.x | fn ]]` functions (`truncate`, `split`)
 * and its interpolation (`gsub` of a block by its value), counting characters as Ruby does: by
 * code point, not by UTF-16 unit.
 */
import { RubyError } from './error.js';

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
