/**
 * String inputs written into shell scripts without `posix_escape`: the runner's shell reads the
 * consumer's value as code. Also `posix_escape` inside a longer string, where GitLab's insertion
 * (Ruby `gsub`) corrupts the escaped value.
 */
import { isValueMap, type Value } from '../../gitlab/ruby/value.js';
import { shellescape } from '../../gitlab/ruby/shellwords.js';
import { inputType } from '../../gitlab/inputs/resolve.js';
import type { PathSegment } from '../../gitlab/yaml/psych.js';
import { defineRule } from '../rule.js';

const SCRIPT_KEYS = ['script', 'before_script', 'after_script'];
/** Top-level keys that are not jobs, where a `script` key is something else (a variable's name). */
const NOT_JOBS = ['variables', 'include', 'stages', 'workflow'];

export const unescapedInputInScript = defineRule({
  id: 'unescaped-input-in-script',
  description: 'String inputs in script lines should be escaped with posix_escape, never inside a longer string',
  severity: 'warning',
  messages: {
    unescaped: 'string input {{name}} is inserted into {{key}} without posix_escape: its value runs as shell code',
    notLast: 'posix_escape must be the last function: {{after}} changes the escaped value of input {{name}}',
    insideString:
      'posix_escape inside a longer string is corrupted: GitLab inserts the value with gsub, which reads \\\' and \\\\ as back-references. ' +
      'make the block the whole list item, or pass the input through a variable and quote it',
  },
  check(ctx) {
    const spec = ctx.target.spec;
    if (!spec) return;
    for (const block of ctx.target.interpolations) {
      if (block.context === 'matrix' || block.inKey) continue;
      const escape = block.functions.lastIndexOf('posix_escape');
      if (escape !== -1 && block.insideString) {
        ctx.report({ messageId: 'insideString', at: block.range });
        continue;
      }
      const key = scriptKey(block.path);
      const inputSpec = spec.inputs.get(block.name);
      if (key === undefined || block.context !== 'inputs' || inputSpec === undefined || inputType(inputSpec) !== 'string') continue;
      if (closedSet(inputSpec)) continue;
      const name = JSON.stringify(block.name);
      if (escape === -1) ctx.report({ messageId: 'unescaped', data: { name, key }, at: block.range });
      else if (escape !== block.functions.length - 1) {
        ctx.report({ messageId: 'notLast', data: { name, after: JSON.stringify(block.functions[escape + 1] ?? '') }, at: block.range });
      }
    }
  },
});

/** `script`, `before_script` or `after_script` when the path is inside one (of a job, `default:` or the global keys). */
function scriptKey(path: readonly PathSegment[]): string | undefined {
  const [top, second] = path;
  if (typeof top === 'string' && SCRIPT_KEYS.includes(top)) return top;
  if (typeof top !== 'string' || NOT_JOBS.includes(top) || typeof second !== 'string') return undefined;
  return SCRIPT_KEYS.includes(second) ? second : undefined;
}

/**
 * The input can only take values the author chose or that need no escaping: `options`, rules that
 * all give options (with a fallback, so some rule always applies), or an anchored `regex` whose
 * every match is made of characters `posix_escape` leaves alone.
 */
function closedSet(inputSpec: Value): boolean {
  if (!isValueMap(inputSpec)) return false;
  if (Array.isArray(inputSpec.get('options'))) return true;
  const rules = inputSpec.get('rules');
  if (Array.isArray(rules) && rules.length > 0) {
    const withOptions = rules.every((rule) => isValueMap(rule) && Array.isArray(rule.get('options')));
    if (withOptions && rules.some((rule) => isValueMap(rule) && !rule.has('if'))) return true;
  }
  const regex = inputSpec.get('regex');
  return typeof regex === 'string' && onlyShellSafeMatches(regex);
}

/** A character `posix_escape` (Ruby's `Shellwords.shellescape`) would leave as it is. */
const shellSafe = (ch: string) => ch !== '\n' && shellescape(ch) === ch;
/** After a backslash: `\d`, `\w`, or a shell-safe punctuation character (an escaped letter is a class or a flag). */
const safeEscape = (ch: string) => ch === 'd' || ch === 'w' || (shellSafe(ch) && !/[A-Za-z0-9]/.test(ch));

/**
 * True when the RE2 pattern is anchored at both ends (`^`/`\A` … `$`/`\z`, with no top-level `|`)
 * and built only of shell-safe literals, `\d`, `\w`, classes of shell-safe characters, groups and
 * quantifiers. Anything else (`.`, `\S`, `[^…]`, flags) counts as unsafe: the check errs that way.
 */
export function onlyShellSafeMatches(pattern: string): boolean {
  const anchored = /^(?:\^|\\A)(.*?)(\\*)(?:\$|\\z)$/s.exec(pattern);
  // An odd run of backslashes before the final `$` escapes it: `^a\$` is not anchored.
  if (!anchored || (anchored[2] ?? '').length % 2 === 1) return false;
  const body = `${anchored[1] ?? ''}${anchored[2] ?? ''}`;
  let depth = 0;
  for (let i = 0; i < body.length; i++) {
    const ch = body[i] as string;
    if (ch === '\\') {
      if (!safeEscape(body[++i] ?? '')) return false;
    } else if (ch === '[') {
      const end = classEnd(body, i);
      if (end === -1 || !safeClass(body.slice(i + 1, end))) return false;
      i = end;
    } else if (ch === '(') {
      if (body[i + 1] === '?') {
        if (body[i + 2] !== ':') return false;
        i += 2;
      }
      depth++;
    } else if (ch === ')') {
      if (--depth < 0) return false;
    } else if (ch === '|') {
      if (depth === 0) return false;
    } else if (ch === '{') {
      const repeat = /^\{\d+(?:,\d*)?\}/.exec(body.slice(i));
      if (!repeat) return false;
      i += repeat[0].length - 1;
    } else if (!'*+?'.includes(ch) && (ch === '.' || !shellSafe(ch))) return false;
  }
  return depth === 0;
}

/** Index of the `]` closing the class opened at `start`, or -1. */
function classEnd(body: string, start: number): number {
  for (let i = start + 1; i < body.length; i++) {
    if (body[i] === '\\') i++;
    else if (body[i] === ']' && i > start + 1) return i;
  }
  return -1;
}

/** A class body (between `[` and `]`) of shell-safe characters, ranges of them, `\d` and `\w`; no negation. */
function safeClass(inner: string): boolean {
  if (inner.startsWith('^')) return false;
  const items = [...inner.matchAll(/\\(.)|(.)/gsu)].map((m) => (m[1] === undefined ? { ch: m[2] ?? '', escaped: false } : { ch: m[1], escaped: true }));
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as { ch: string; escaped: boolean };
    if (item.escaped) {
      if (!safeEscape(item.ch)) return false;
      if (item.ch === 'd' || item.ch === 'w') continue;
    }
    const to = items[i + 1]?.ch === '-' && !items[i + 1]?.escaped ? items[i + 2] : undefined;
    if (to) {
      for (let code = item.ch.codePointAt(0) ?? 0; code <= (to.ch.codePointAt(0) ?? 0); code++) {
        if (!shellSafe(String.fromCodePoint(code))) return false;
      }
      i += 2;
    } else if (!shellSafe(item.ch)) return false;
  }
  return true;
}
