/**
 * libyaml's reader (yaml/libyaml src/reader.c), which Psych runs before anything else: the text
 * must be UTF-8 and every character in #x9 | #xA | #xD | [#x20-#x7E] | #x85 | [#xA0-#xD7FF] |
 * [#xE000-#xFFFD] | [#x10000-#x10FFFF]. The first character that is not is a `Psych::SyntaxError`
 * and the file does not load. Psych's message always says `at line 1 column 1` (the reader sets no
 * mark); the toolkit gives the character's real position.
 */
import { invalidBytesAt } from '../../core/utf8.js';

export interface ReaderProblem {
  readonly problem: string;
  /** Where in the text (UTF-16 units). */
  readonly index: number;
}

/** With the `u` flag, a lone surrogate (a byte `decodeUtf8` escaped, or one in a JavaScript string) is outside it too. */
const NOT_ALLOWED = /[^\t\n\r\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/** Whether `text` holds a character the reader refuses. */
export const hasNotAllowedCharacter = (text: string): boolean => NOT_ALLOWED.test(text);

/** Every character the reader refuses, for a writer that escapes them (`String.replace` resets a global regex). */
export const NOT_ALLOWED_CHARACTERS = new RegExp(NOT_ALLOWED.source, 'gu');

export function readerProblem(text: string): ReaderProblem | undefined {
  const found = NOT_ALLOWED.exec(text);
  if (!found) return undefined;
  const invalid = invalidBytesAt(text, found.index);
  if (invalid !== undefined) return { problem: invalid, index: found.index };
  const code = found[0].codePointAt(0) as number;
  // A lone surrogate no byte was escaped into (a JavaScript string given to the API) cannot be UTF-8 either.
  if (code >= 0xd800 && code <= 0xdfff) return { problem: 'invalid Unicode character', index: found.index };
  return { problem: 'control characters are not allowed', index: found.index };
}
