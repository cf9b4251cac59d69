/**
 * The only module that imports `yaml`. It turns YAML text into the Ruby-like value model
 * (`core/value.ts`) plus a position index, and value models back into YAML text. Keeping the
 * library behind this adapter means a move to yaml@3 touches one file.
 *
 * Loading follows what GitLab's `YAML.safe_load` (Psych, YAML 1.1) produces: `yes`/`no`/`on`/`off`
 * are booleans, `010` is octal, `<<` merge keys merge in document order, a repeated key keeps its
 * first position and its last value, and `!reference` is kept as a tag. An alias shares the value
 * of its anchor, as Psych shares the Ruby object, so an alias bomb loads at once; then
 * `Gitlab::Config::Loader::Yaml`'s limits apply (./deep-size.ts): `The provided YAML is too big`
 * for a document over 2 MB, `The parsed YAML is too big` for a value that measures more or nests
 * deeper than GitLab allows. A document refused so is not returned, so no caller ever walks a bomb.
 */
import * as yaml from 'yaml';
import type { Alias, CollectionTag, Document, LineCounter, Node as YamlNode, Pair, Scalar as YamlScalar, ScalarTag, Tags, YAMLMap } from 'yaml';
import type { Diagnostic, Position } from '../../core/diagnostic.js';
import { rubyFloatToS } from '../ruby/inspect.js';
import { RubyFloat, YamlReference, type Value, type ValueMap } from '../ruby/value.js';
import { isTooBig, MAX_YAML_DEPTH, MAX_YAML_SIZE_BYTES } from './deep-size.js';
import { hasNotAllowedCharacter, NOT_ALLOWED_CHARACTERS, readerProblem } from './reader.js';
import { disallowedClass, disallowedClassMessage, tokenizedClass, type NodeKind } from './safe-load.js';

export type PathSegment = string | number;
export interface SourceRange {
  readonly start: Position;
  readonly end: Position;
}

export interface ParsedDocument {
  readonly value: Value;
  /** Where the document starts (its first node, or the `---` line when it is empty). */
  readonly range: SourceRange;
  /** The range of the node at `path` (`part: 'key'` for the key of a mapping entry). */
  locate(path: readonly PathSegment[], part?: 'key' | 'value'): SourceRange | undefined;
}

export interface ParsedYaml {
  readonly documents: readonly ParsedDocument[];
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * The position of the node at `path`, or of its nearest ancestor that has one (a missing key
 * points at its parent mapping): diagnostics always get a line and column.
 */
export function positionIn(doc: ParsedDocument | undefined, path: readonly PathSegment[], part: 'key' | 'value' = 'value'): Position {
  if (!doc) return { line: 1, column: 1 };
  for (let n = path.length; n >= 0; n--) {
    const sub = path.slice(0, n);
    const range = (n === path.length ? doc.locate(sub, part) : undefined) ?? doc.locate(sub) ?? doc.locate(sub, 'key');
    if (range) return range.start;
  }
  return doc.range.start;
}

/**
 * Where `needle` is written inside the scalar at `node` (searched line by line from the node's
 * start), or undefined when it is not written as is (escapes, folding).
 */
export function rangeOfText(node: SourceRange | undefined, needle: string, lines: readonly string[]): SourceRange | undefined {
  if (!node) return undefined;
  for (let line = node.start.line; line <= node.end.line; line++) {
    const text = lines[line - 1] ?? '';
    const column = text.indexOf(needle, line === node.start.line ? node.start.column - 1 : 0);
    if (column >= 0) return { start: { line, column: column + 1 }, end: { line, column: column + 1 + needle.length } };
  }
  return undefined;
}

const referenceTag: CollectionTag = {
  tag: '!reference',
  collection: 'seq',
  resolve: (seq) => seq,
};

/*
 * Numbers and null as Psych's ScalarScanner#tokenize reads plain scalars (ruby/psych
 * lib/psych/scalar_scanner.rb), which differs from YAML 1.1 as the yaml library implements it:
 * `1e3` and `.` stay strings, `1,000` is 1000 (INTEGER_LEGACY), `1.` is 1.0, `1:20` is 80.
 */
const PSYCH_INT = /^(?:[-+]?0b[0-1_,]+|[-+]?0[0-7_,]+|[-+]?(?:0|[1-9](?:[0-9]|,[0-9]|_[0-9])*)|[-+]?0x[0-9a-fA-F_,]+)$/;
const PSYCH_SEXAGESIMAL_INT = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9]){1,2}$/;
const PSYCH_SEXAGESIMAL_FLOAT = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9]){1,2}\.[0-9_]*$/;

/** Ruby `Integer(text)` for the forms PSYCH_INT admits (after Psych deletes `,` and `_`). */
function psychInteger(source: string): number {
  const text = source.replace(/[,_]/g, '');
  const sign = text.startsWith('-') ? -1 : 1;
  const digits = text.replace(/^[-+]/, '');
  if (/^0b/i.test(digits)) return sign * Number.parseInt(digits.slice(2), 2);
  if (/^0x/i.test(digits)) return sign * Number.parseInt(digits.slice(2), 16);
  if (/^0[0-7]+$/.test(digits)) return sign * Number.parseInt(digits.slice(1), 8);
  return sign * Number(digits);
}

/** `1:20` is 80 and `1:02:03` is 3723: each part times 60 to the power of its place from the right. */
function sexagesimal(source: string): number {
  const sign = source.startsWith('-') ? -1 : 1;
  const parts = source.replace(/^[-+]/, '').replace(/_/g, '').split(':').map(Number);
  return sign * parts.reduce((sum, part) => sum * 60 + part, 0);
}

const psychTags: ScalarTag[] = [
  {
    tag: 'tag:yaml.org,2002:null',
    default: true,
    identify: (value) => value === null || value === undefined,
    test: /^(?:~|[Nn][Uu][Ll][Ll])?$/,
    resolve: () => null,
    stringify: () => 'null',
  },
  // Psych reads `yes|true|on` and `no|false|off` in any case as booleans, but not YAML 1.1's `y`/`n`.
  {
    tag: 'tag:yaml.org,2002:bool',
    default: true,
    identify: (value) => typeof value === 'boolean',
    test: /^(?:yes|true|on|no|false|off)$/i,
    resolve: (source) => /^(?:yes|true|on)$/i.test(source),
    stringify: ({ value }) => (value ? 'true' : 'false'),
  },
  {
    tag: 'tag:yaml.org,2002:int',
    default: true,
    identify: (value) => typeof value === 'number',
    test: PSYCH_INT,
    resolve: psychInteger,
  },
  {
    tag: 'tag:yaml.org,2002:int',
    format: 'TIME',
    default: true,
    test: PSYCH_SEXAGESIMAL_INT,
    resolve: sexagesimal,
  },
  {
    tag: 'tag:yaml.org,2002:float',
    default: true,
    identify: (value) => value instanceof RubyFloat,
    // `.` alone (or with a sign) matches the pattern but Psych keeps it a string.
    test: /^(?![-+]?\.$)[-+]?(?:[0-9][0-9_,]*)?\.[0-9]*(?:[eE][-+][0-9]+)?$/,
    resolve: (source) => new RubyFloat(Number(source.replace(/[,_]/g, '').replace(/\.([Ee]|$)/, '$1'))),
    stringify: ({ value }) => floatText((value as RubyFloat).value),
  },
  {
    tag: 'tag:yaml.org,2002:float',
    format: 'TIME',
    default: true,
    test: PSYCH_SEXAGESIMAL_FLOAT,
    resolve: (source) => {
      const [whole = '0', fraction = ''] = source.split('.');
      const value = Math.abs(sexagesimal(whole)) + Number(`0.${fraction.replace(/_/g, '') || '0'}`);
      return new RubyFloat(source.startsWith('-') ? -value : value);
    },
  },
  { tag: 'tag:yaml.org,2002:float', format: 'INF', default: true, test: /^[-+]?\.inf$/i, resolve: (s) => new RubyFloat(s.startsWith('-') ? -Infinity : Infinity) },
  { tag: 'tag:yaml.org,2002:float', format: 'NAN', default: true, test: /^\.nan$/i, resolve: () => new RubyFloat(Number.NaN) },
];

/** A float as Psych reads it back: Ruby's `Float#to_s` (`1.0`, `1.0e+20`), `.inf`/`.nan` for the specials. */
function floatText(value: number): string {
  if (Number.isNaN(value)) return '.nan';
  if (!Number.isFinite(value)) return value > 0 ? '.inf' : '-.inf';
  return rubyFloatToS(value);
}

// Psych's safe_load refuses Date/Time (./safe-load.ts says so of a timestamp, which the yaml
// library leaves a string); scalars it reads differently from the yaml library's YAML 1.1 schema
// are replaced by psychTags.
const REPLACED_TAGS = new Set(['timestamp', 'bool', 'null', 'int', 'float'].map((name) => `tag:yaml.org,2002:${name}`));
const customTags = (tags: Tags): Tags => [
  ...psychTags,
  ...tags.filter((tag) => typeof tag !== 'string' && !REPLACED_TAGS.has(tag.tag)),
  referenceTag,
];

const MERGE_KEY = '<<';
const pathKey = (path: readonly PathSegment[]) => JSON.stringify(path);

/** A path can pass through an alias at most this often before the lookup gives up (a cycle). */
const MAX_ALIAS_HOPS = 100;

class PositionIndex {
  readonly #ranges = new Map<string, SourceRange>();
  /** An alias's path → the path of the anchored node whose value it shares (positions are looked up there). */
  readonly #redirects = new Map<string, readonly PathSegment[]>();
  readonly #lineCounter: LineCounter;
  constructor(lineCounter: LineCounter) {
    this.#lineCounter = lineCounter;
  }
  at(offset: number): Position {
    const { line, col } = this.#lineCounter.linePos(offset);
    return { line, column: col };
  }
  rangeOf(node: { range?: [number, number, number] | null | undefined } | null | undefined): SourceRange | undefined {
    const range = node?.range;
    return range ? { start: this.at(range[0]), end: this.at(range[1]) } : undefined;
  }
  record(path: readonly PathSegment[], part: 'key' | 'value', range: SourceRange | undefined): void {
    const id = part + pathKey(path);
    if (range && !this.#ranges.has(id)) this.#ranges.set(id, range);
  }
  redirect(from: readonly PathSegment[], to: readonly PathSegment[]): void {
    const id = pathKey(from);
    if (!this.#redirects.has(id)) this.#redirects.set(id, to);
  }
  get(path: readonly PathSegment[], part: 'key' | 'value'): SourceRange | undefined {
    let current = path;
    for (let hop = 0; hop <= MAX_ALIAS_HOPS; hop++) {
      const found = this.#ranges.get(part + pathKey(current));
      if (found) return found;
      // Below an alias, the node is where the anchored value was written.
      const n = [...current.keys()].reverse().find((i) => this.#redirects.has(pathKey(current.slice(0, i + 1))));
      if (n === undefined) return undefined;
      current = [...(this.#redirects.get(pathKey(current.slice(0, n + 1))) ?? []), ...current.slice(n + 1)];
    }
    return undefined;
  }
}

/** GitLab's texts for a document its loader refuses for its size (`Gitlab::Config::Loader::Yaml`). */
export const PROVIDED_YAML_TOO_BIG = 'The provided YAML is too big';
export const PARSED_YAML_TOO_BIG = 'The parsed YAML is too big';

/**
 * Where the first document chunk over `max_yaml_size_bytes` starts, or undefined. GitLab splits the
 * text as `MultiDocYaml` does (`split(/^---\s+/, 3)`) and checks each chunk before parsing it.
 */
function oversizedChunk(text: string): number | undefined {
  if (Buffer.byteLength(text, 'utf8') <= MAX_YAML_SIZE_BYTES) return undefined;
  const dividers = [...text.matchAll(/^---\s+/gm)].slice(0, 2);
  const starts = [0, ...dividers.map((m) => m.index + m[0].length)];
  const ends = [...dividers.map((m) => m.index), text.length];
  const at = starts.findIndex((start, i) => Buffer.byteLength(text.slice(start, ends[i]), 'utf8') > MAX_YAML_SIZE_BYTES);
  return at < 0 ? undefined : starts[at];
}

/**
 * `text` without the byte order mark at the start of each document chunk, as GitLab strips it from
 * each chunk (`EncodingHelper.strip_bom`). Only columns on that one line move, by the one invisible
 * character editors do not count either.
 */
function withoutChunkBoms(text: string): string {
  return text.replace(/^\uFEFF/, '').replace(/^(---\s+)\uFEFF/gm, '$1');
}

/** Line and column (1-based, UTF-16 units as LineCounter counts them) of an offset, before any parsing. */
export function positionOfOffset(text: string, offset: number): Position {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, column: offset - lineStart + 1 };
}

/** The document measures more, or nests deeper, than GitLab loads. */
class TooBig extends Error {}

/**
 * What Psych's `safe_load` raises while it builds the Ruby objects, at the node it is about: the
 * document does not load. GitLab shows the message as it is (`Loader::FormatError`).
 */
class SafeLoadError extends Error {
  readonly node: YamlNode;
  constructor(message: string, node: YamlNode) {
    super(message);
    this.node = node;
  }
}

export function parseYamlDocuments(text: string, file: string): ParsedYaml {
  const oversized = oversizedChunk(text);
  if (oversized !== undefined) {
    return { documents: [], diagnostics: [{ ruleId: 'syntax', severity: 'error', message: PROVIDED_YAML_TOO_BIG, file, start: positionOfOffset(text, oversized) }] };
  }
  // libyaml reads the characters before it parses anything: one it cannot read and nothing loads.
  const unreadable = readerProblem(text);
  if (unreadable) {
    return { documents: [], diagnostics: [{ ruleId: 'syntax', severity: 'error', message: unreadable.problem, file, start: positionOfOffset(text, unreadable.index) }] };
  }
  const source = withoutChunkBoms(text);
  const misplacedBom = /^\uFEFF/m.exec(source);
  if (misplacedBom) {
    const message = 'yaml: a byte order mark (U+FEFF) can only start a document';
    return { documents: [], diagnostics: [{ ruleId: 'syntax', severity: 'error', message, file, start: positionOfOffset(source, misplacedBom.index) }] };
  }
  const lineCounter = new yaml.LineCounter();
  const docs = yaml.parseAllDocuments(source, {
    lineCounter,
    version: '1.1',
    merge: true,
    uniqueKeys: false,
    customTags,
    prettyErrors: false,
  });
  const index = new PositionIndex(lineCounter);
  const diagnostics: Diagnostic[] = [];
  const documents: ParsedDocument[] = [];
  // An empty file gives an EmptyStream (an array with no documents): that is zero documents.
  for (const doc of docs as Iterable<Document.Parsed>) {
    const range = index.rangeOf(doc.contents as YamlNode | null) ?? {
      start: index.at(doc.range[0]),
      end: index.at(doc.range[1]),
    };
    const tooBig = (): void => void diagnostics.push({ ruleId: 'syntax', severity: 'error', message: PARSED_YAML_TOO_BIG, file, start: range.start });
    // The yaml library gives up on deep nesting (its own stack), far deeper than GitLab's 100 levels.
    if (doc.errors.some((error) => error.code === 'RESOURCE_EXHAUSTION')) {
      tooBig();
      continue;
    }
    const opened = doc.errors.length > 0 ? unterminated(source) : undefined;
    for (const error of doc.errors) {
      diagnostics.push({
        ruleId: 'syntax',
        severity: 'error',
        message: yamlErrorMessage(error.code, error.message),
        file,
        start: index.at(opened?.take(error.message) ?? error.pos[0]),
      });
    }
    if (doc.errors.length > 0) continue;
    const docIndex = documents.length;
    const converter = new Converter(doc, docIndex, index, file, diagnostics);
    let value: Value;
    try {
      value = converter.convert(doc.contents as YamlNode | null, []);
    } catch (error) {
      if (error instanceof SafeLoadError) {
        diagnostics.push({ ruleId: 'syntax', severity: 'error', message: error.message, file, start: index.rangeOf(error.node)?.start ?? range.start });
        continue;
      }
      if (!(error instanceof TooBig)) throw error;
      tooBig();
      continue;
    }
    if (isTooBig(value)) {
      tooBig();
      continue;
    }
    documents.push({
      value,
      range,
      locate: (path, part = 'value') => index.get([docIndex, ...path], part),
    });
  }
  return { documents, diagnostics };
}

/**
 * What is left open in `text` (flow collections without their closing bracket, quoted scalars
 * without their closing quote), read from the yaml library's CST. The library notices them at the
 * end of the file; libyaml reports them where they were opened, which says which one it is.
 * `take` gives the opening an error message is about (innermost first), or undefined.
 */
function unterminated(text: string): { take(message: string): number | undefined } {
  const open: Record<string, number[]> = { '[': [], '{': [], '"': [], "'": [] };
  const walk = (token: yaml.CST.Token | undefined): void => {
    if (!token) return;
    switch (token.type) {
      case 'document':
        return walk(token.value);
      case 'block-map':
      case 'block-seq':
        for (const item of token.items) {
          walk(item.key ?? undefined);
          walk(item.value);
        }
        return;
      case 'flow-collection':
        if (!token.end.some((end) => end.type === 'flow-seq-end' || end.type === 'flow-map-end')) open[token.start.source]?.push(token.start.offset);
        for (const item of token.items) {
          walk(item.key ?? undefined);
          walk(item.value);
        }
        return;
      case 'double-quoted-scalar':
        if (!/^"(?:[^"\\]|\\[\s\S])*"$/.test(token.source)) open['"']?.push(token.offset);
        return;
      case 'single-quoted-scalar':
        if (!/^'(?:[^']|'')*'$/.test(token.source)) open["'"]?.push(token.offset);
        return;
      default:
        return;
    }
  };
  for (const token of new yaml.Parser().parse(text)) walk(token);
  // Innermost first: the library reports the inner one first.
  for (const offsets of Object.values(open)) offsets.sort((a, b) => b - a);
  const kind = (message: string): string | undefined =>
    /^Flow sequence/.test(message) ? '[' : /^Flow map/.test(message) ? '{' : /^Missing closing "/.test(message) ? '"' : /^Missing closing '/.test(message) ? "'" : undefined;
  return { take: (message) => open[kind(message) ?? '']?.shift() };
}

/** yaml's messages end with a code excerpt after a colon and newline; keep the first sentence. */
function yamlErrorMessage(code: string, message: string): string {
  const first = message.split('\n')[0] ?? message;
  return `yaml: ${first.replace(/ at line \d+, column \d+:?$/, '')} (${code})`;
}

class Converter {
  readonly #doc: Document.Parsed;
  readonly #index: PositionIndex;
  readonly #file: string;
  readonly #diagnostics: Diagnostic[];
  readonly #docIndex: number;
  /** The value of each anchored node, which its aliases share (Psych's `register`), and where it was written. */
  readonly #anchored = new Map<YamlNode, { readonly value: Value; readonly path: readonly PathSegment[] }>();
  /** Collections being converted: an alias to one that is not registered yet (a `!reference`, made from its items) is a cycle. */
  readonly #converting = new Set<YamlNode>();
  /** Collections entered: DeepSize refuses more than MAX_YAML_DEPTH, so deeper ones are never walked. */
  #depth = 0;

  constructor(doc: Document.Parsed, docIndex: number, index: PositionIndex, file: string, diagnostics: Diagnostic[]) {
    this.#doc = doc;
    this.#docIndex = docIndex;
    this.#index = index;
    this.#file = file;
    this.#diagnostics = diagnostics;
  }

  convert(node: YamlNode | null, path: PathSegment[]): Value {
    this.#index.record([this.#docIndex, ...path], 'value', this.#index.rangeOf(node));
    if (node === null) return null;
    if (yaml.isAlias(node)) return this.#alias(node, path);
    // A node already converted (a merge converts its sources last to first) is shared, not copied.
    const converted = this.#anchored.get(node);
    if (converted) return converted.value;
    this.#refuseDisallowedClass(node);
    if (yaml.isScalar(node)) return this.#register(node, path, scalarValue(node));
    if (!yaml.isSeq(node) && !yaml.isMap(node)) return null;
    this.#depth += 1;
    if (this.#depth > MAX_YAML_DEPTH) throw new TooBig();
    this.#converting.add(node);
    try {
      if (yaml.isMap(node)) return this.#map(node, path);
      if (node.tag === '!reference') {
        const items = node.items.map((item, i) => this.convert(item as YamlNode | null, [...path, i]));
        return this.#register(node, path, new YamlReference(items));
      }
      // Registered before its items, as Psych does: an alias inside it shares it (a cycle, which DeepSize refuses).
      const items = this.#register(node, path, [] as Value[]);
      node.items.forEach((item, i) => items.push(this.convert(item as YamlNode | null, [...path, i])));
      return items;
    } finally {
      this.#converting.delete(node);
      this.#depth -= 1;
    }
  }

  /** Psych's class loader stops at a class GitLab's safe_load does not permit (./safe-load.ts). */
  #refuseDisallowedClass(node: YamlNode): void {
    const kind: NodeKind | undefined = yaml.isScalar(node) ? 'scalar' : yaml.isSeq(node) ? 'sequence' : yaml.isMap(node) ? 'mapping' : undefined;
    if (!kind) return;
    const text = yaml.isScalar(node) ? (node.source ?? String(node.value)) : '';
    const name = disallowedClass(kind, node.tag, text, yaml.isScalar(node) && node.type === 'PLAIN');
    if (name !== undefined) throw new SafeLoadError(disallowedClassMessage(name), node);
  }

  #register<V extends Value>(node: YamlNode, path: readonly PathSegment[], value: V): V {
    if (node.anchor) this.#anchored.set(node, { value, path: [this.#docIndex, ...path] });
    return value;
  }

  #alias(node: Alias, path: PathSegment[]): Value {
    // Only an anchor already read in this document is known (Psych's `@st.fetch`); each document of
    // a file is loaded on its own, so the header's anchors are unknown in the content.
    const target = node.resolve(this.#doc) as YamlNode | undefined;
    const before = target !== undefined && (target.range?.[0] ?? 0) < (node.range?.[0] ?? 0);
    if (!target || !before) throw new SafeLoadError(`An alias referenced an unknown anchor: ${node.source}`, node);
    const shared = this.#anchored.get(target);
    if (shared) {
      this.#index.redirect([this.#docIndex, ...path], shared.path);
      return shared.value;
    }
    // An alias to a `!reference` that contains it: a cycle.
    if (this.#converting.has(target)) throw new TooBig();
    return this.convert(target, path);
  }

  #map(node: YAMLMap, path: PathSegment[]): ValueMap {
    const out = this.#register(node, path, new Map() as ValueMap);
    // Keys written in this mapping: one that overrides a key brought in by `<<` is no duplicate.
    const written = new Set<string>();
    for (const pair of node.items as Pair<YamlNode | null, YamlNode | null>[]) {
      if (isMergeKey(pair.key)) {
        this.#merge(out, pair.value, path);
        continue;
      }
      const key = keyString(pair.key ? this.convert(pair.key, [...path, '<key>']) : null);
      const keyRange = this.#index.rangeOf(pair.key);
      if (written.has(key)) {
        this.#diagnostics.push({
          ruleId: 'syntax',
          severity: 'warning',
          message: `duplicate key ${JSON.stringify(key)}: GitLab keeps the last value`,
          file: this.#file,
          start: keyRange?.start ?? { line: 1, column: 1 },
        });
      }
      written.add(key);
      this.#index.record([this.#docIndex, ...path, key], 'key', keyRange);
      out.set(key, this.convert(pair.value, [...path, key]));
    }
    return out;
  }

  /**
   * Psych merges `<<` at its place in the mapping: later keys override it, it overrides earlier ones.
   * The merged values are shared (`Hash#merge!`); a merged key is found where its source wrote it.
   */
  #merge(out: ValueMap, source: YamlNode | null, path: PathSegment[]): void {
    const sources = yaml.isSeq(source) ? [...source.items].reverse() : [source];
    const merged: ValueMap = new Map();
    for (const item of sources) {
      const value = this.convert(item as YamlNode | null, path);
      if (!(value instanceof Map)) continue;
      const from = yaml.isAlias(item) ? this.#anchored.get(item.resolve(this.#doc) as YamlNode)?.path : undefined;
      for (const [k, v] of value) {
        merged.set(k, v);
        if (from) this.#index.redirect([this.#docIndex, ...path, k], [...from, k]);
      }
    }
    for (const [k, v] of merged) out.set(k, v);
  }
}

const isMergeKey = (key: unknown): boolean =>
  (yaml.isScalar(key) && key.value === MERGE_KEY && key.type === 'PLAIN') ||
  (yaml.isScalar(key) && typeof key.value === 'symbol');

function scalarValue(node: YamlScalar): Value {
  const value: unknown = node.value;
  if (value instanceof RubyFloat) return value;
  if (typeof value === 'number') {
    // A float written with an explicit `!!float` tag still comes through as a number.
    return node.tag === 'tag:yaml.org,2002:float' ? new RubyFloat(value) : value;
  }
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' || typeof value === 'boolean' || value === null) return value;
  if (value === undefined) return null;
  return String(value);
}

/** Hash keys are strings in our model; Ruby's JSON output also writes keys with `to_s`. */
function keyString(key: Value): string {
  if (key === null) return '';
  if (typeof key === 'string') return key;
  if (key instanceof RubyFloat) return String(key.value);
  return typeof key === 'object' ? JSON.stringify(key) : String(key);
}

/** YAML text for a value model: `!reference` tags are written back as tags. */
export function stringifyYaml(value: Value): string {
  const doc = new yaml.Document(null, { version: '1.1', customTags });
  doc.contents = toYamlNode(doc, value) as never;
  // `yaml` writes C1 controls, DEL, U+FFFE and U+FFFF raw, which libyaml's reader refuses. The
  // strings holding them are double-quoted (scalarOf), so they occur nowhere else: escape them there.
  return doc.toString({ lineWidth: 0 }).replace(NOT_ALLOWED_CHARACTERS, (ch) => `\\u${(ch.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0')}`);
}

/** A string scalar, double-quoted where another reader would see something else or where a character must be escaped. */
function scalarOf(value: string): YamlScalar {
  const scalar = new yaml.Scalar(value);
  if (readsAsNonStringSomewhere(value) || hasNotAllowedCharacter(value)) scalar.type = 'QUOTE_DOUBLE';
  return scalar;
}

function toYamlNode(doc: Document, value: Value): unknown {
  if (value instanceof YamlReference) {
    const seq = new yaml.YAMLSeq();
    seq.tag = '!reference';
    seq.flow = true;
    seq.items = value.path.map((item) => toYamlNode(doc, item));
    return seq;
  }
  if (value instanceof RubyFloat) return new yaml.Scalar(value);
  if (Array.isArray(value)) {
    const seq = new yaml.YAMLSeq();
    seq.items = value.map((item) => toYamlNode(doc, item));
    return seq;
  }
  if (value instanceof Map) {
    const map = new yaml.YAMLMap();
    for (const [key, item] of value) map.items.push(new yaml.Pair(scalarOf(key), toYamlNode(doc, item)));
    return map;
  }
  return typeof value === 'string' ? scalarOf(value) : new yaml.Scalar(value);
}

/**
 * Strings another YAML reader would take for a number, boolean or null (YAML 1.2 core reads `1e3`
 * as 1000, YAML 1.1 reads `y` as true), quoted so every reader, GitLab's included, sees a string.
 */
const AMBIGUOUS_STRING = [
  /^[-+]?(?:\.[0-9]+|[0-9][0-9_,]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?$/,
  /^[-+]?0[box][0-9a-fA-F_]+$/,
  /^[-+]?\.(?:inf|nan)$/i,
  /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/,
  /^(?:y|n|yes|no|true|false|on|off|null|~)$/i,
];
/** Strings Psych would read back as a Date or a Time, which GitLab's safe_load then refuses. */
const readsAsDateOrTime = (text: string): boolean => tokenizedClass(text) !== undefined;
const readsAsNonStringSomewhere = (text: string): boolean => text === '' || AMBIGUOUS_STRING.some((re) => re.test(text)) || readsAsDateOrTime(text);

/**
 * YAML text for plain data (objects, arrays, strings, numbers, booleans) with yaml's defaults: the
 * configuration files of the integration harness's tools and the pipelines it builds as objects.
 * The value model goes through `stringifyYaml` instead.
 */
export function stringifyPlainYaml(value: unknown): string {
  return yaml.stringify(value);
}

/**
 * A YAML document edited in place and written back with the comments, key order and quoting of
 * what was not replaced (yaml re-spaces flow collections and trailing comments).
 */
export interface EditableYaml {
  /** The scalar at `path`; undefined when there is none, or a mapping or sequence is there. */
  scalarAt(path: readonly PathSegment[]): unknown;
  /** How many items the sequence at `path` has; 0 when there is no sequence. */
  lengthAt(path: readonly PathSegment[]): number;
  has(path: readonly PathSegment[]): boolean;
  /** Sets (or adds, with the mappings leading to it) the node at `path` to plain data. */
  set(path: readonly PathSegment[], value: unknown): void;
  delete(path: readonly PathSegment[]): void;
  toString(): string;
}

/**
 * `text` as an editable document: the integration harness's scenario copies of the example
 * pipelines. yaml's own reading (YAML 1.2, no merge keys): the document is only edited and written
 * back, never interpreted as GitLab would read it (`parseYamlDocuments` does that).
 */
export function parseYamlForEditing(text: string): EditableYaml {
  const doc = yaml.parseDocument(text);
  return {
    scalarAt(path) {
      const found: unknown = doc.getIn(path);
      return yaml.isNode(found) ? undefined : found;
    },
    lengthAt(path) {
      const found: unknown = doc.getIn(path, true);
      return yaml.isSeq(found) ? found.items.length : 0;
    },
    has: (path) => doc.hasIn(path),
    set: (path, value) => doc.setIn(path, value),
    delete(path) {
      doc.deleteIn(path);
    },
    toString: () => doc.toString(),
  };
}
