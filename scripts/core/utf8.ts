/**
 * Bytes to text without losing what is not UTF-8. Node's decoders replace such bytes by U+FFFD,
 * after which nobody can tell them from a U+FFFD the user wrote. Here each byte that does not start
 * a valid UTF-8 sequence becomes a lone low surrogate U+DC80–U+DCFF holding it (Python's
 * `surrogateescape`): UTF-8 can never encode a surrogate, so the text says exactly where the bad
 * bytes were, and readers that care (the YAML reader, the `--inputs` JSON) refuse them with
 * libyaml's words (yaml/libyaml src/reader.c) and their position. A leading BOM is kept.
 */

const ESCAPE_BASE = 0xdc00;
const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The UTF-8 sequence at `at` of `bytes` as libyaml's reader reads it: its length when it is valid,
 * otherwise what libyaml says of it (every byte that follows is in `bytes`, so a short sequence is
 * one the input ends in).
 */
function readSequence(bytes: ArrayLike<number>, at: number): number | string {
  const lead = bytes[at] as number;
  if (lead < 0x80) return 1;
  const width = (lead & 0xe0) === 0xc0 ? 2 : (lead & 0xf0) === 0xe0 ? 3 : (lead & 0xf8) === 0xf0 ? 4 : 0;
  if (width === 0) return 'invalid leading UTF-8 octet';
  if (at + width > bytes.length) return 'incomplete UTF-8 octet sequence';
  let value = lead & (width === 2 ? 0x1f : width === 3 ? 0x0f : 0x07);
  for (let k = 1; k < width; k++) {
    const octet = bytes[at + k] as number;
    if ((octet & 0xc0) !== 0x80) return 'invalid trailing UTF-8 octet';
    value = (value << 6) | (octet & 0x3f);
  }
  const shortest = width === 2 ? value >= 0x80 : width === 3 ? value >= 0x800 : value >= 0x10000;
  if (!shortest) return 'invalid length of a UTF-8 sequence';
  if ((value >= 0xd800 && value <= 0xdfff) || value > 0x10ffff) return 'invalid Unicode character';
  return width;
}

export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return strict.decode(bytes);
  } catch {
    // Not UTF-8 somewhere: decode piece by piece, escaping each byte no sequence starts with.
  }
  let text = '';
  let run = 0;
  let at = 0;
  while (at < bytes.length) {
    const length = readSequence(bytes, at);
    if (typeof length === 'number') {
      at += length;
      continue;
    }
    text += strict.decode(bytes.subarray(run, at)) + String.fromCharCode(ESCAPE_BASE + (bytes[at] as number));
    at += 1;
    run = at;
  }
  return text + strict.decode(bytes.subarray(run));
}

const isEscapedByte = (unit: number): boolean => unit >= ESCAPE_BASE + 0x80 && unit <= ESCAPE_BASE + 0xff;

/** The original bytes from `index` on (at most four), read back from a `decodeUtf8` text. */
function bytesFrom(text: string, index: number): number[] {
  const raw: number[] = [];
  for (const char of text.slice(index, index + 4)) {
    const unit = char.charCodeAt(0);
    if (char.length === 1 && isEscapedByte(unit)) raw.push(unit - ESCAPE_BASE);
    else raw.push(...Buffer.from(char, 'utf8'));
    if (raw.length >= 4) break;
  }
  return raw;
}

/**
 * What libyaml's reader says of the bytes at `index` of a `decodeUtf8` text, when a byte was
 * escaped there; undefined when the character there is not an escaped byte.
 */
export function invalidBytesAt(text: string, index: number): string | undefined {
  if (!isEscapedByte(text.charCodeAt(index))) return undefined;
  const problem = readSequence(bytesFrom(text, index), 0);
  // An escaped byte never starts a valid sequence; the fallback only keeps the type honest.
  return typeof problem === 'string' ? problem : 'invalid leading UTF-8 octet';
}

/** The first byte `decodeUtf8` could not decode, with libyaml's description; undefined when the text is all UTF-8. */
export function findInvalidBytes(text: string): { readonly index: number; readonly problem: string } | undefined {
  for (let index = 0; index < text.length; index++) {
    const problem = invalidBytesAt(text, index);
    if (problem !== undefined) return { index, problem };
  }
  return undefined;
}
