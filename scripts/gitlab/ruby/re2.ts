/**
 * The only importer of re2js. GitLab evaluates `spec:inputs:regex` with RE2
 * (`Gitlab::UntrustedRegexp`), whose syntax and semantics differ from JavaScript's RegExp:
 * no backreferences or lookaround, `\z`, Perl classes, and linear-time matching.
 */
import { createRequire } from 'node:module';
import type { RE2JS as Re2 } from 're2js';

/**
 * re2js is loaded on the first pattern, not with this module: most commands never meet a `regex:`
 * or `=~`, and loading it is a noticeable part of a short command's start-up. Its CommonJS build
 * (the same code) is what can be loaded synchronously.
 */
let re2: typeof Re2 | undefined;
const loadRe2 = (): typeof Re2 => (re2 ??= (createRequire(import.meta.url)('re2js') as typeof import('re2js')).RE2JS);

export type CompiledRegex = { readonly ok: true; test(text: string): boolean } | { readonly ok: false; readonly error: string };

const compiled = new Map<string, CompiledRegex>();

/**
 * Compiles `pattern` as RE2 would; `test` is an unanchored search, like `UntrustedRegexp#match?`.
 * Compiled once per pattern: an input's regex is checked for its default and again for its value.
 */
export function compileRe2(pattern: string): CompiledRegex {
  let result = compiled.get(pattern);
  if (!result) {
    result = compileUncached(pattern);
    compiled.set(pattern, result);
  }
  return result;
}

function compileUncached(pattern: string): CompiledRegex {
  const js = sameInJavaScript(pattern);
  const native = js === undefined ? undefined : nativeRegExp(js);
  if (native) return { ok: true, test: (text) => native.test(text) };
  try {
    const re = loadRe2().compile(pattern);
    return { ok: true, test: (text) => re.matcher(text).find() };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

// ---------------------------------------------------------------------------------------------
// Patterns that mean the same in JavaScript

/** `undefined` if JavaScript refuses it after all: re2js then decides. */
function nativeRegExp(source: string): RegExp | undefined {
  try {
    return new RegExp(source, 'u');
  } catch {
    return undefined;
  }
}

/** ASCII that stands for itself outside a class in both syntaxes. */
const LITERAL = /[A-Za-z0-9 !"#%&',\-/:;<=>@_~`]/;
/** ASCII that stands for itself inside a class in both syntaxes (`-`, `^` and `]` are placed by the parser). */
const CLASS_LITERAL = /[A-Za-z0-9 !"#$%&'()*+,./:;<=>?@_{|}~`]/;
/** Punctuation both syntaxes let a backslash make literal (JavaScript's `u` mode allows no others). */
const ESCAPABLE = '^$\\.*+?()[]{}|/';
/** RE2's Perl classes are ASCII-only: spelled out, so that JavaScript's Unicode `\s` never applies. */
const PERL_CLASSES: Readonly<Record<string, { readonly js: string; readonly ranges: Ranges }>> = {
  d: { js: '0-9', ranges: [[0x30, 0x39]] },
  w: { js: '0-9A-Za-z_', ranges: [[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]] },
  s: { js: '\\t\\n\\f\\r ', ranges: [[0x09, 0x0a], [0x0c, 0x0d], [0x20, 0x20]] },
};
/**
 * RE2 refuses repetition counts above 1000, and nested counted repetitions whose product exceeds
 * it; JavaScript has neither limit. Only counts up to this, and no counted repetition of a group
 * that has one inside, are taken here; longer patterns are left to re2js too.
 */
const MAX_REPEAT = 1000;
const MAX_LENGTH = 1000;

/** Sorted, disjoint code point ranges. */
type Ranges = readonly (readonly [number, number])[];
const MAX_CODE_POINT = 0x10ffff;
/** The end of the subject, for `$` (no character is it). */
const END: Ranges = [[-1, -1]];

type Atom =
  | { readonly kind: 'chars'; readonly ranges: Ranges; readonly js: string }
  | { readonly kind: 'group'; readonly capture: boolean; readonly alternatives: readonly Sequence[] }
  | { readonly kind: 'start' }
  | { readonly kind: 'end' };
interface Item {
  readonly atom: Atom;
  readonly min: number;
  readonly max: number;
  /** The quantifier as written (`*`, `{2,5}?`), empty for none. */
  readonly quantifier: string;
}
type Sequence = readonly Item[];

/**
 * The JavaScript source (for a `u` RegExp) of an RE2 pattern, when the pattern keeps to a subset
 * where both mean the same and JavaScript's backtracking stays linear:
 * - ASCII literals, `^` and `$` (neither is multi-line by default in either), groups, alternation,
 *   quantifiers, bracket classes of ASCII literals and ranges, and `\d`, `\w`, `\s` (and their
 *   negations outside classes) spelled out as RE2's ASCII sets;
 * - anchored with `^`, and every choice the pattern leaves (another repetition or not, which
 *   alternative) decided by the next character alone (`a*b`, not `a*a` nor `(a|ab)`): RE2 matches
 *   in linear time whatever the pattern, and a backtracking engine does only then, so an input's
 *   value cannot make the check take long.
 * Anything else (`.`, which RE2 lets match `\r`; flags; named groups; `\pN`; `\z`; Unicode;
 * invalid patterns, whose error text comes from RE2) gives `undefined` and is left to re2js. For
 * `test` (is there a match anywhere) the two engines then agree, and re2js, the largest module a
 * short command would load, is not loaded at all for the patterns catalogs usually write.
 */
export function sameInJavaScript(pattern: string): string | undefined {
  if (pattern.length > MAX_LENGTH) return undefined;
  const parser = new SubsetParser(pattern);
  const alternatives = parser.alternatives();
  if (alternatives === undefined || !parser.done()) return undefined;
  // Anchored at the start: tried at the subject's start only, not again at every position.
  if (!alternatives.every((sequence) => sequence[0]?.atom.kind === 'start' && sequence[0].quantifier === '')) return undefined;
  if (!decidedByNextCharacter(alternatives, [])) return undefined;
  return alternatives.map(sequenceSource).join('|');
}

class SubsetParser {
  readonly #pattern: string;
  #at = 0;
  constructor(pattern: string) {
    this.#pattern = pattern;
  }

  done(): boolean {
    return this.#at === this.#pattern.length;
  }

  /** `a|b|…` up to a `)` or the end; undefined outside the subset. */
  alternatives(): Sequence[] | undefined {
    const alternatives: Sequence[] = [];
    for (;;) {
      const sequence = this.#sequence();
      if (!sequence) return undefined;
      alternatives.push(sequence);
      if (this.#pattern[this.#at] !== '|') return alternatives;
      this.#at++;
    }
  }

  #sequence(): Item[] | undefined {
    const items: Item[] = [];
    while (this.#at < this.#pattern.length && this.#pattern[this.#at] !== '|' && this.#pattern[this.#at] !== ')') {
      const atom = this.#atom();
      if (!atom) return undefined;
      const quantifier = /^(?:[*+?]|\{(\d{1,4})(?:(,)(\d{1,4})?)?\})\??/.exec(this.#pattern.slice(this.#at));
      if (!quantifier) {
        items.push({ atom, min: 1, max: 1, quantifier: '' });
        continue;
      }
      const [text, count, comma, upper] = quantifier;
      // A quantified assertion is an error in JavaScript's `u` mode; a second quantifier (`a**`) too.
      if (atom.kind === 'start' || atom.kind === 'end') return undefined;
      let min: number;
      let max: number;
      if (count === undefined) {
        const q = text[0];
        min = q === '+' ? 1 : 0;
        max = q === '?' ? 1 : Infinity;
      } else {
        min = Number(count);
        max = comma === undefined ? min : upper === undefined ? Infinity : Number(upper);
        if (min > MAX_REPEAT || (max !== Infinity && (max > MAX_REPEAT || max < min))) return undefined;
        if (atom.kind === 'group' && hasCountedRepetition(atom)) return undefined;
      }
      this.#at += text.length;
      if (/^[*+?{]/.test(this.#pattern.slice(this.#at))) return undefined;
      items.push({ atom, min, max, quantifier: text });
    }
    return items;
  }

  #atom(): Atom | undefined {
    const c = this.#pattern[this.#at] as string;
    if (c === '^' || c === '$') {
      this.#at++;
      return { kind: c === '^' ? 'start' : 'end' };
    }
    if (c === '(') {
      let capture = true;
      if (this.#pattern.startsWith('(?:', this.#at)) {
        capture = false;
        this.#at += 3;
      } else if (this.#pattern[this.#at + 1] === '?') {
        return undefined; // flags, named groups
      } else {
        this.#at++;
      }
      const alternatives = this.alternatives();
      if (!alternatives || this.#pattern[this.#at] !== ')') return undefined;
      this.#at++;
      return { kind: 'group', capture, alternatives };
    }
    if (c === '[') return this.#bracketClass();
    if (c === '\\') {
      const e = this.#pattern[this.#at + 1];
      if (e === undefined) return undefined;
      this.#at += 2;
      const perl = PERL_CLASSES[e.toLowerCase()];
      if (perl) return e === e.toLowerCase() ? { kind: 'chars', ranges: perl.ranges, js: `[${perl.js}]` } : { kind: 'chars', ranges: complement(perl.ranges), js: `[^${perl.js}]` };
      if (ESCAPABLE.includes(e)) return { kind: 'chars', ranges: single(e), js: `\\${e}` };
      return undefined;
    }
    if (LITERAL.test(c)) {
      this.#at++;
      return { kind: 'chars', ranges: single(c), js: c };
    }
    return undefined; // `.`, `]`, `}`, non-ASCII, …
  }

  #bracketClass(): Atom | undefined {
    const pattern = this.#pattern;
    let at = this.#at + 1;
    let js = '[';
    const negated = pattern[at] === '^';
    if (negated) {
      js += '^';
      at++;
    }
    const body = at;
    const ranges: (readonly [number, number])[] = [];
    let previous: string | undefined; // the last single character, which a `-` can make a range from
    while (at < pattern.length && pattern[at] !== ']') {
      const c = pattern[at] as string;
      if (c === '\\') {
        const e = pattern[at + 1];
        const perl = e === undefined ? undefined : PERL_CLASSES[e];
        if (perl) {
          js += perl.js;
          ranges.push(...perl.ranges);
          previous = undefined;
        } else if (e !== undefined && (ESCAPABLE.includes(e) || e === '-')) {
          js += `\\${e}`;
          ranges.push([e.charCodeAt(0), e.charCodeAt(0)]);
          previous = e;
        } else {
          return undefined;
        }
        at += 2;
      } else if (c === '-') {
        const next = pattern[at + 1];
        if (next === ']' || at === body) {
          js += '\\-'; // a literal `-` first or last
          ranges.push([0x2d, 0x2d]);
          previous = undefined;
          at += 1;
        } else {
          // A range: from the single character before to a plain character after, in order.
          if (previous === undefined || next === undefined || !CLASS_LITERAL.test(next) || next < previous) return undefined;
          js += `-${next}`;
          ranges.push([previous.charCodeAt(0), next.charCodeAt(0)]);
          previous = undefined;
          at += 2;
        }
      } else if (CLASS_LITERAL.test(c)) {
        js += c;
        ranges.push([c.charCodeAt(0), c.charCodeAt(0)]);
        previous = c;
        at += 1;
      } else {
        return undefined; // `[` (POSIX classes), `^` after the start, non-ASCII
      }
    }
    if (at >= pattern.length || at === body) return undefined; // unterminated, or `[]` (RE2 reads `]` as a member)
    this.#at = at + 1;
    const set = normalize(ranges);
    return { kind: 'chars', ranges: negated ? complement(set) : set, js: `${js}]` };
  }
}

function hasCountedRepetition(atom: Atom): boolean {
  return atom.kind === 'group' && atom.alternatives.some((sequence) => sequence.some((item) => item.quantifier.startsWith('{') || hasCountedRepetition(item.atom)));
}

function sequenceSource(sequence: Sequence): string {
  return sequence.map(({ atom, quantifier }) => atomSource(atom) + quantifier).join('');
}

function atomSource(atom: Atom): string {
  if (atom.kind === 'chars') return atom.js;
  if (atom.kind === 'start') return '^';
  if (atom.kind === 'end') return '$';
  return `(${atom.capture ? '' : '?:'}${atom.alternatives.map(sequenceSource).join('|')})`;
}

// Which characters can come next: `first` of what follows a choice must not overlap what the
// choice could take, so that one character of look-ahead settles it.

/** The characters a sequence can start with, and whether it can match the empty string. */
function first(sequence: Sequence): { readonly chars: Ranges; readonly empty: boolean } {
  let chars: Ranges = [];
  for (const item of sequence) {
    const own = firstOfAtom(item.atom);
    chars = union(chars, own.chars);
    if (!(own.empty || item.min === 0)) return { chars, empty: false };
  }
  return { chars, empty: true };
}

function firstOfAtom(atom: Atom): { readonly chars: Ranges; readonly empty: boolean } {
  if (atom.kind === 'chars') return { chars: atom.ranges, empty: false };
  if (atom.kind === 'start') return { chars: [], empty: true };
  // `$` lets nothing follow but the end of the subject.
  if (atom.kind === 'end') return { chars: END, empty: false };
  return atom.alternatives.map(first).reduce((a, b) => ({ chars: union(a.chars, b.chars), empty: a.empty || b.empty }), { chars: [] as Ranges, empty: false });
}

/**
 * Whether every choice in `alternatives` is settled by the next character, `follow` being what can
 * come after them (nothing at the top: a match ends there).
 */
function decidedByNextCharacter(alternatives: readonly Sequence[], follow: Ranges): boolean {
  // Which alternative: their possible next characters (their own, or what follows an empty one) differ.
  const starts = alternatives.map((sequence) => {
    const { chars, empty } = first(sequence);
    return empty ? union(chars, follow) : chars;
  });
  for (let i = 0; i < starts.length; i++) {
    for (let j = i + 1; j < starts.length; j++) if (overlaps(starts[i] as Ranges, starts[j] as Ranges)) return false;
  }
  return alternatives.every((sequence) => sequenceDecided(sequence, follow));
}

function sequenceDecided(sequence: Sequence, follow: Ranges): boolean {
  for (const [i, item] of sequence.entries()) {
    const rest = first(sequence.slice(i + 1));
    const after = rest.empty ? union(rest.chars, follow) : rest.chars;
    const own = firstOfAtom(item.atom);
    // Once more or not: what the item can start with must differ from what comes after it, and an
    // item that can match nothing must not be repeated (a backtracking engine loops on it).
    if (item.min < item.max && (overlaps(own.chars, after) || (item.max > 1 && own.empty))) return false;
    if (item.atom.kind === 'group') {
      const inside = item.max > 1 ? union(own.chars, after) : after;
      if (!decidedByNextCharacter(item.atom.alternatives, inside)) return false;
    }
  }
  return true;
}

const single = (c: string): Ranges => [[c.charCodeAt(0), c.charCodeAt(0)]];

function normalize(ranges: readonly (readonly [number, number])[]): Ranges {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

const union = (a: Ranges, b: Ranges): Ranges => normalize([...a, ...b]);

/** Every code point not in `ranges` (never the end of the subject). */
function complement(ranges: Ranges): Ranges {
  const out: [number, number][] = [];
  let next = 0;
  for (const [lo, hi] of normalize(ranges)) {
    if (lo > next) out.push([next, lo - 1]);
    next = Math.max(next, hi + 1);
  }
  if (next <= MAX_CODE_POINT) out.push([next, MAX_CODE_POINT]);
  return out;
}

function overlaps(a: Ranges, b: Ranges): boolean {
  return a.some(([lo, hi]) => b.some(([blo, bhi]) => lo <= bhi && blo <= hi));
}
