/**
 * `Interpolation::Template` + `Interpolation::Config` + `Interpolation::Block`: walks the content
 * document (each hash key, then its value; array items in order), finds `$[[ … ]]` blocks in strings
 * and replaces them. A string that is exactly one block takes the value with its type; otherwise
 * every block text is replaced by the value's Ruby `to_s`. An array item that becomes an array is
 * spliced into its parent. The first invalid block stops the whole walk (`break` inside
 * `Config#replace!`), so GitLab reports only that block's errors. `catalog validate` asks to go on
 * (`stopAtFirstInvalid: false`) to report every invalid block with its position.
 *
 * One departure, where GitLab has no limit and runs out of time instead: the nodes of a value
 * inserted whole count towards MAX_NODES each time it is inserted, and the text that string
 * interpolation makes counts towards MAX_EXPANDED_LENGTH (../variables.ts); past either, `config too large`.
 * A large input inserted into many places would otherwise make an output without end (GitLab's
 * `deep_symbolize_keys` expands it too).
 */
import { isValueMap, type Value, type ValueMap } from '../ruby/value.js';
import type { PathSegment } from '../yaml/psych.js';
import { evaluateAccess } from './access.js';
import { evaluateFunctions, MAX_FUNCTIONS } from './functions.js';
import { ExpansionTooLarge, MAX_EXPANDED_LENGTH, type ExpandableVariable } from '../variables.js';
import { gsubLiteral } from '../ruby/string.js';
import { RubyError } from '../ruby/error.js';
import { rubyToS } from '../ruby/inspect.js';

export const MAX_BLOCKS = 10_000;
export const MAX_NODES = 500_000;
export const MAX_NODE_SIZE = 1024 * 1024;
const BLOCK_PREFIX = '$[[';
const SKIP_INTERPOLATION_CONTEXTS = ['matrix'];

/**
 * GitLab's `BLOCK_REGEXP` is RE2: `\s` is only [\t\n\f\r ], `.` is anything but `\n`, and it
 * works on code points. JavaScript's `\s`, `.` and UTF-16 units differ, so the classes are spelled out.
 */
const BLOCK_REGEXP = /\$\[\[[\t\n\f\r ]*([^\t\n\f\r ][^\n]*?[^\t\n\f\r ])[\t\n\f\r ]*\]\]/gu;

export interface TemplateContext {
  readonly context: ValueMap; // { inputs: …, component: … }
  readonly variables: readonly ExpandableVariable[];
  /** GitLab's behaviour (default); false keeps walking to collect every invalid block. */
  readonly stopAtFirstInvalid?: boolean | undefined;
  /** Record, for every node of the result, the path of the content node it came from (for linting). */
  readonly traceOrigins?: boolean | undefined;
}

/** Output path (as `JSON.stringify(path)`) → the path of the source node it was made from. */
export type Origins = ReadonlyMap<string, readonly PathSegment[]>;

interface Block {
  readonly text: string;
  readonly errors: readonly string[];
  readonly value: Value;
  /** Where the block was first seen (the content-document path of its node). */
  readonly path: readonly PathSegment[];
}

export interface TemplateError {
  readonly message: string;
  readonly path?: readonly PathSegment[] | undefined;
  /** The text of the block the error is about. */
  readonly block?: string | undefined;
}

export type TemplateResult = { ok: true; value: Value; origins: Origins } | { ok: false; errors: TemplateError[] };

/** A `$[[ … ]]` block found in a string: its text, its inner data and where it starts in the string. */
export interface BlockMatch {
  readonly text: string;
  readonly data: string;
  readonly index: number;
}

/** Every block GitLab's BLOCK_REGEXP finds in `text`, in order. */
export function findBlocks(text: string): BlockMatch[] {
  if (!text.includes(BLOCK_PREFIX)) return [];
  return [...text.matchAll(BLOCK_REGEXP)].map((m) => ({ text: m[0], data: m[1] ?? '', index: m.index }));
}

/** The access and function expressions of a block's data, split and stripped as `Block#evaluate!` does. */
export function splitBlockData(data: string): { access: string; functions: string[] } {
  const [access = '', ...functions] = rubySplitPipe(data).map(rubyStrip);
  return { access, functions };
}

class TooManyNodes extends Error {}

/** How many nodes `value` is made of, counting a shared one each time it is reached; stops past `limit`. */
function countNodes(value: Value, limit: number): number {
  let count = 0;
  const walk = (node: Value): void => {
    count += 1;
    if (count > limit) return;
    if (Array.isArray(node)) for (const item of node) walk(item);
    else if (isValueMap(node)) {
      for (const [, item] of node) {
        count += 1; // the key
        walk(item);
      }
    }
  };
  walk(value);
  return count;
}
class NodeTooLarge extends Error {}
class Stop extends Error {}

/** Ruby `String#strip`: ASCII whitespace and NUL at both ends. */
const rubyStrip = (s: string) => s.replace(/^[\t\n\v\f\r \0]+|[\t\n\v\f\r \0]+$/g, '');

/** Ruby `str.split('|')` without a limit: trailing empty fields are dropped. */
function rubySplitPipe(text: string): string[] {
  const parts = text.split('|');
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

function evaluateBlock(text: string, data: string, ctx: TemplateContext, path: readonly PathSegment[]): Block {
  const { access, functions } = splitBlockData(data);
  if (SKIP_INTERPOLATION_CONTEXTS.includes(access.split('.')[0] ?? '')) return { text, errors: [], value: text, path };
  const accessed = evaluateAccess(access, ctx.context);
  if (!accessed.ok) return { text, errors: accessed.errors, value: null, path };
  if (functions.length > MAX_FUNCTIONS) return { text, errors: ['too many functions in interpolation block'], value: null, path };
  const result = evaluateFunctions(functions, accessed.value, ctx);
  return result.ok ? { text, errors: [], value: result.value, path } : { text, errors: result.errors, value: null, path };
}

export function interpolateTemplate(content: Value, ctx: TemplateContext): TemplateResult {
  const blocks = new Map<string, Block>();
  const ownErrors: TemplateError[] = [];
  let visited = 0;
  let madeLength = 0;

  const visit = (nodes = 1) => {
    visited += nodes;
    if (visited > MAX_NODES) throw new TooManyNodes();
  };
  /** A value inserted whole: its nodes count, beyond the one string node it replaces. */
  const inserted = (value: Value): Value => {
    if (Array.isArray(value) || isValueMap(value)) visit(countNodes(value, MAX_NODES) - 1);
    return value;
  };

  /** Returns the new node; null for a node whose block was invalid (GitLab's nil) when the walk goes on. */
  const replaceString = (node: string, path: readonly PathSegment[]): Value => {
    if (Buffer.byteLength(node, 'utf8') > MAX_NODE_SIZE) throw new NodeTooLarge();
    const matches = findBlocks(node);
    if (matches.length === 0) return node;
    const found: Block[] = [];
    for (const match of matches) {
      const text = match.text;
      let block = blocks.get(text);
      if (!block) {
        block = evaluateBlock(text, match.data, ctx, path);
        blocks.set(text, block);
      }
      if (blocks.size > MAX_BLOCKS) {
        ownErrors.push({ message: 'too many interpolation blocks' });
        throw new Stop();
      }
      if (block.errors.length > 0) {
        if (ctx.stopAtFirstInvalid ?? true) throw new Stop();
        return null;
      }
      found.push(block);
    }
    const first = found[0] as Block;
    const insideString = found.length > 1 || [...node].length !== [...first.text].length;
    if (!insideString) return inserted(first.value);
    try {
      // `String#gsub(String, String)`: backslash sequences in the value (`\'`, `\\`, `\0`) are
      // read as back-references, so a posix_escape'd value inside a longer string loses them, as on GitLab.
      const text = found.reduce((text, block) => gsubLiteral(text, block.text, rubyToS(block.value)), node);
      madeLength += text.length;
      if (madeLength > MAX_EXPANDED_LENGTH) throw new TooManyNodes();
      return text;
    } catch (error) {
      // `\k<name>` makes Ruby raise; GitLab does not rescue it, the pipeline fails with that exception.
      if (!(error instanceof RubyError)) throw error;
      ownErrors.push({ message: `${error.rubyClass}: ${error.message}`, path });
      throw new Stop();
    }
  };

  const origins = new Map<string, readonly PathSegment[]>();
  const trace = (outPath: readonly PathSegment[], path: readonly PathSegment[]) => {
    if (ctx.traceOrigins) origins.set(JSON.stringify(outPath), path);
  };
  /** Everything below a spliced or inserted value comes from the one source node that produced it. */
  const traceValue = (value: Value, outPath: readonly PathSegment[], path: readonly PathSegment[]): void => {
    if (!ctx.traceOrigins) return;
    trace(outPath, path);
    if (Array.isArray(value)) value.forEach((item, i) => traceValue(item, [...outPath, i], path));
    else if (isValueMap(value)) for (const [k, v] of value) traceValue(v, [...outPath, k], path);
  };

  const replace = (node: Value, path: readonly PathSegment[], outPath: readonly PathSegment[]): Value => {
    visit();
    trace(outPath, path);
    if (typeof node === 'string') {
      const replaced = replaceString(node, path);
      if (replaced !== node) traceValue(replaced, outPath, path);
      return replaced;
    }
    if (Array.isArray(node)) {
      const out: Value[] = [];
      node.forEach((item, index) => {
        const replaced = replace(item, [...path, index], [...outPath, out.length]);
        // An array item that was a string and became an array is spliced into its parent.
        if (typeof item === 'string' && Array.isArray(replaced)) {
          for (const element of replaced) {
            traceValue(element, [...outPath, out.length], [...path, index]);
            out.push(element);
          }
        } else out.push(replaced);
      });
      return out;
    }
    if (isValueMap(node)) {
      const out: ValueMap = new Map();
      for (const [key, value] of node) {
        const replacedKey = replace(key, [...path, key], outPath);
        const newKey = typeof replacedKey === 'string' ? replacedKey : rubyToS(replacedKey);
        out.set(newKey, replace(value, [...path, key], [...outPath, newKey]));
      }
      trace(outPath, path);
      return out;
    }
    return node;
  };

  let result: Value = null;
  const configErrors: TemplateError[] = [];
  try {
    result = replace(content, [], []);
  } catch (error) {
    // An expand_vars that would make more text than GitLab reads for a whole pipeline counts as too large a config.
    if (error instanceof TooManyNodes || error instanceof ExpansionTooLarge) configErrors.push({ message: 'config too large' });
    else if (error instanceof NodeTooLarge) configErrors.push({ message: 'config node too large' });
    else if (!(error instanceof Stop)) throw error;
  }
  const blockErrors = [...blocks.values()].flatMap((block) => block.errors.map((message) => ({ message, path: block.path, block: block.text })));
  const errors = [...ownErrors, ...configErrors, ...blockErrors];
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: result, origins };
}
