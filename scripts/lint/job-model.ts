/**
 * What the job rules share: the jobs of a rendered content document, the effective value of a job
 * keyword (through `extends:`, `default:` and the deprecated top-level keywords, as GitLab resolves
 * them), image references, a small shell tokenizer for `script:` lines, and source positions inside
 * multi-line strings. Everything works on the value model of a `RenderedVariant`; positions come back
 * as content-document paths for `variant.locate`.
 */
import type { Position } from '../core/diagnostic.js';
import { isValueMap, RubyFloat, type Value, type ValueMap } from '../gitlab/ruby/value.js';
import type { PathSegment } from '../gitlab/yaml/psych.js';
import type { ReportDescriptor, RuleContext } from './rule.js';

/** Top-level keys that are not jobs (`pages` is both a keyword and a job name: it is a job here). */
export const GLOBAL_KEYWORDS: ReadonlySet<string> = new Set([
  'default',
  'include',
  'stages',
  'variables',
  'workflow',
  'spec',
  'image',
  'services',
  'cache',
  'before_script',
  'after_script',
]);

/** Keywords a job takes from `default:` (or the deprecated top-level form) when it does not set them. */
const DEFAULTABLE = new Set(['image', 'services', 'before_script', 'after_script', 'cache', 'hooks', 'tags', 'timeout', 'retry', 'interruptible', 'artifacts', 'id_tokens', 'identity']);
/** Keywords that only exist at the top level and are deprecated there in favour of `default:`. */
const LEGACY_GLOBALS = new Set(['image', 'services', 'before_script', 'after_script', 'cache']);
/** GitLab stops resolving `extends:` deeper than this (`Config::Extendable::Entry::MAX_NESTING_LEVELS`). */
const MAX_EXTENDS_DEPTH = 11;

export interface Located<T extends Value = Value> {
  readonly value: T;
  readonly path: readonly PathSegment[];
}

export interface JobRef {
  readonly name: string;
  readonly job: ValueMap;
  readonly path: readonly PathSegment[];
  /** Starts with `.`: a template that runs only through `extends:` or `!reference`. */
  readonly hidden: boolean;
}

/** Every top-level mapping that is a job, hidden ones included, in document order. */
export function jobsOf(content: Value): JobRef[] {
  if (!isValueMap(content)) return [];
  const jobs: JobRef[] = [];
  for (const [name, job] of content) {
    if (GLOBAL_KEYWORDS.has(name) || !isValueMap(job)) continue;
    jobs.push({ name, job, path: [name], hidden: name.startsWith('.') });
  }
  return jobs;
}

/** Ruby `to_s` of a variable value as the runner exports it; a `{value:, description:}` hash gives its value. */
export function variableValue(entry: Located): Located<string> | undefined {
  const { value, path } = entry;
  if (isValueMap(value)) {
    const inner = value.get('value');
    return inner === undefined ? undefined : variableValue({ value: inner, path: [...path, 'value'] });
  }
  if (typeof value === 'string') return { value, path };
  if (typeof value === 'number' || typeof value === 'boolean') return { value: String(value), path };
  if (value instanceof RubyFloat) return { value: String(value.value), path };
  if (value === null) return { value: '', path };
  return undefined;
}

/** The entries of a `variables:` mapping with their paths. */
export function variablesOf(variables: Located | undefined): Map<string, Located> {
  const out = new Map<string, Located>();
  if (!variables || !isValueMap(variables.value)) return out;
  for (const [name, value] of variables.value) out.set(name, { value, path: [...variables.path, name] });
  return out;
}

/**
 * Effective job configuration: what a job gets from its own keys, then from the jobs it `extends:`
 * (later entries win, hashes deep-merge), then from `default:` or the top-level form of a default
 * keyword, honouring `inherit:`. Only what the rules need: single keywords and merged `variables`.
 */
export class JobResolver {
  readonly #content: ValueMap;

  constructor(content: Value) {
    this.#content = isValueMap(content) ? content : new Map();
  }

  /** The job's own value for `key` or the one it inherits through `extends:`. */
  own(jobName: string, key: string): Located | undefined {
    return this.#own(jobName, key, 0, new Set());
  }

  #own(jobName: string, key: string, depth: number, seen: Set<string>): Located | undefined {
    const job = this.#content.get(jobName);
    if (!isValueMap(job) || seen.has(jobName) || depth > MAX_EXTENDS_DEPTH) return undefined;
    if (job.has(key)) return { value: job.get(key) ?? null, path: [jobName, key] };
    const parents = this.#parents(job);
    const next = new Set(seen).add(jobName);
    for (let i = parents.length - 1; i >= 0; i--) {
      const found = this.#own(parents[i] as string, key, depth + 1, next);
      if (found) return found;
    }
    return undefined;
  }

  /** The effective value of `key` for a job: its own (or extended) value, else the default. */
  get(jobName: string, key: string): Located | undefined {
    const own = this.own(jobName, key);
    if (own || !DEFAULTABLE.has(key) || !this.#inheritsDefault(jobName, key)) return own;
    const defaults = this.#content.get('default');
    if (isValueMap(defaults) && defaults.has(key)) return { value: defaults.get(key) ?? null, path: ['default', key] };
    if (LEGACY_GLOBALS.has(key) && this.#content.has(key)) return { value: this.#content.get(key) ?? null, path: [key] };
    return undefined;
  }

  /** The job's variables: top-level `variables:` (as `inherit:variables` allows), then the `extends:` chain, then its own. */
  variables(jobName: string): Map<string, Located> {
    const merged = new Map<string, Located>();
    const inherit = this.#inherit(jobName, 'variables');
    for (const [name, entry] of variablesOf(this.#top('variables'))) {
      if (inherit === true || (Array.isArray(inherit) && inherit.includes(name))) merged.set(name, entry);
    }
    for (const [name, entry] of this.#chainVariables(jobName, 0, new Set())) merged.set(name, entry);
    return merged;
  }

  #chainVariables(jobName: string, depth: number, seen: Set<string>): Map<string, Located> {
    const job = this.#content.get(jobName);
    const merged = new Map<string, Located>();
    if (!isValueMap(job) || seen.has(jobName) || depth > MAX_EXTENDS_DEPTH) return merged;
    const next = new Set(seen).add(jobName);
    for (const parent of this.#parents(job)) {
      for (const [name, entry] of this.#chainVariables(parent, depth + 1, next)) merged.set(name, entry);
    }
    for (const [name, entry] of variablesOf(job.has('variables') ? { value: job.get('variables') ?? null, path: [jobName, 'variables'] } : undefined)) {
      merged.set(name, entry);
    }
    return merged;
  }

  #top(key: string): Located | undefined {
    return this.#content.has(key) ? { value: this.#content.get(key) ?? null, path: [key] } : undefined;
  }

  #parents(job: ValueMap): string[] {
    const extendsValue = job.get('extends');
    if (typeof extendsValue === 'string') return [extendsValue];
    if (Array.isArray(extendsValue)) return extendsValue.filter((e): e is string => typeof e === 'string');
    return [];
  }

  /** `inherit:default` / `inherit:variables`: true, false, or the list of names kept. */
  #inherit(jobName: string, kind: 'default' | 'variables'): boolean | string[] {
    const inherit = this.own(jobName, 'inherit')?.value;
    const setting = isValueMap(inherit) ? inherit.get(kind) : undefined;
    if (setting === false) return false;
    if (Array.isArray(setting)) return setting.filter((s): s is string => typeof s === 'string');
    return true;
  }

  #inheritsDefault(jobName: string, key: string): boolean {
    const inherit = this.#inherit(jobName, 'default');
    return inherit === true || (Array.isArray(inherit) && inherit.includes(key));
  }
}

// ---------------------------------------------------------------------------------------------
// Images

export interface ImageUse {
  /** The image reference as written (after rendering). */
  readonly image: string;
  /** Path of the string (the `name:` of the hash form). */
  readonly path: readonly PathSegment[];
  readonly kind: 'image' | 'service';
  /** The service entry itself (string or hash), for `alias:` and `variables:`. */
  readonly entry: Located;
}

/** The image named by an `image:` value or a `services:` item: a string or a hash with `name:`. */
export function imageOf(entry: Located, kind: 'image' | 'service'): ImageUse | undefined {
  if (typeof entry.value === 'string') return { image: entry.value, path: entry.path, kind, entry };
  if (isValueMap(entry.value)) {
    const name = entry.value.get('name');
    if (typeof name === 'string') return { image: name, path: [...entry.path, 'name'], kind, entry };
  }
  return undefined;
}

/** The images of a `services:` value. */
export function servicesOf(services: Located | undefined): ImageUse[] {
  if (!services || !Array.isArray(services.value)) return [];
  const out: ImageUse[] = [];
  services.value.forEach((item, i) => {
    const use = imageOf({ value: item, path: [...services.path, i] }, 'service');
    if (use) out.push(use);
  });
  return out;
}

/** Every `image:` and `services:` entry written in a content document: top level, `default:` and each job. */
export function imageUses(content: Value): ImageUse[] {
  if (!isValueMap(content)) return [];
  const uses: ImageUse[] = [];
  const scan = (map: ValueMap, path: readonly PathSegment[]) => {
    if (map.has('image')) {
      const use = imageOf({ value: map.get('image') ?? null, path: [...path, 'image'] }, 'image');
      if (use) uses.push(use);
    }
    if (map.has('services')) uses.push(...servicesOf({ value: map.get('services') ?? null, path: [...path, 'services'] }));
  };
  scan(content, []);
  const defaults = content.get('default');
  if (isValueMap(defaults)) scan(defaults, ['default']);
  for (const job of jobsOf(content)) scan(job.job, job.path);
  return uses;
}

export interface ImageRef {
  /** Everything before the tag and digest: `registry.example.com/group/name`. */
  readonly repository: string;
  /** The last path segment of the repository: `name`. */
  readonly shortName: string;
  readonly tag?: string | undefined;
  /** The text after `@`, when there is one. */
  readonly digest?: string | undefined;
}

/**
 * Splits `registry:5000/group/name:tag@sha256:…`. The tag is the part after the last `:` of the
 * last path segment, so a registry port is never taken for a tag.
 */
export function parseImageRef(reference: string): ImageRef {
  const at = reference.indexOf('@');
  const digest = at >= 0 ? reference.slice(at + 1) : undefined;
  const named = at >= 0 ? reference.slice(0, at) : reference;
  const slash = named.lastIndexOf('/');
  const colon = named.lastIndexOf(':');
  const hasTag = colon > slash;
  const repository = hasTag ? named.slice(0, colon) : named;
  return {
    repository,
    shortName: repository.slice(repository.lastIndexOf('/') + 1),
    tag: hasTag ? named.slice(colon + 1) : undefined,
    digest,
  };
}

/** `$IMAGE`, `${IMAGE}`: nothing to judge until the variable is known. */
export const isOnlyVariable = (text: string): boolean => /^\s*\$(?:\{\w+\}|\w+)\s*$/.test(text);

export const SHA256_DIGEST = /^sha256:[0-9a-f]{64}$/;

/** A Docker-in-Docker service: the `docker` image with a `dind` tag (`docker:27.3.1-dind`, `docker:dind-rootless`). */
export function isDindImage(image: string): boolean {
  const ref = parseImageRef(image);
  return ref.shortName === 'docker' && (ref.tag ?? '').includes('dind');
}

// ---------------------------------------------------------------------------------------------
// Scripts

/** Script keywords whose strings are shell. */
export const SCRIPT_KEYS: ReadonlySet<string> = new Set(['script', 'before_script', 'after_script', 'pre_get_sources_script']);

/** The strings of a script value (a string, or arrays nested one level as GitLab flattens them). */
export function scriptLines(script: Located | undefined): Located<string>[] {
  if (!script) return [];
  const out: Located<string>[] = [];
  const walk = (value: Value, path: readonly PathSegment[]) => {
    if (typeof value === 'string') out.push({ value, path });
    else if (Array.isArray(value)) value.forEach((item, i) => walk(item, [...path, i]));
  };
  walk(script.value, script.path);
  return out;
}

/** Every script string anywhere in the document (jobs, `default:`, top level, `hooks:`), in document order. */
export function allScriptLines(content: Value): Located<string>[] {
  const out: Located<string>[] = [];
  const walk = (value: Value, path: readonly PathSegment[]) => {
    if (!isValueMap(value)) return;
    for (const [key, item] of value) {
      const at = [...path, key];
      if (SCRIPT_KEYS.has(key)) out.push(...scriptLines({ value: item, path: at }));
      else if (isValueMap(item)) walk(item, at);
    }
  };
  walk(content, []);
  return out;
}

export interface ShellWord {
  /** The word with quotes removed and escapes resolved (command substitutions kept as written). */
  readonly text: string;
  /** The word as written. */
  readonly raw: string;
  /** Offset of the word's first character in the script string. */
  readonly offset: number;
}

/**
 * Splits a script string into simple commands (separated by newlines, `;`, `&&`, `||`, `|`, `&`
 * and parentheses) made of words. Enough of POSIX sh for argument checks: quotes, escapes, line
 * continuations, `$( … )`, backquotes, `${ … }`, comments and here-documents (their bodies are skipped).
 * Split once per script text: several rules read the same scripts, and a component's variants
 * mostly share them.
 */
export const shellCommands: (script: string) => readonly (readonly ShellWord[])[] = perText(splitCommands);

/**
 * `fn`, worked out once per text for the life of the process: what rules compute from a script's
 * text alone is the same for every variant and every rule that has that script.
 */
export function perText<T>(fn: (text: string) => T): (text: string) => T {
  const known = new Map<string, T>();
  return (text) => {
    if (known.has(text)) return known.get(text) as T;
    const value = fn(text);
    known.set(text, value);
    return value;
  };
}

function splitCommands(script: string): ShellWord[][] {
  const commands: ShellWord[][] = [];
  let words: ShellWord[] = [];
  let text = '';
  let start = -1;
  const heredocs: { delimiter: string; strip: boolean }[] = [];
  let pendingHeredoc: boolean | undefined;

  const endWord = () => {
    if (start < 0) return;
    const word = { text, raw: script.slice(start, i), offset: start };
    if (pendingHeredoc !== undefined) {
      heredocs.push({ delimiter: text, strip: pendingHeredoc });
      pendingHeredoc = undefined;
    } else if (word.text === '<<' || word.text === '<<-') {
      pendingHeredoc = word.text === '<<-';
    } else if (/^<<-?\S/.test(word.raw) && !word.raw.startsWith('<<<')) {
      const strip = word.raw.startsWith('<<-');
      heredocs.push({ delimiter: word.text.slice(strip ? 3 : 2), strip });
    }
    words.push(word);
    text = '';
    start = -1;
  };
  const endCommand = () => {
    endWord();
    if (words.length > 0) commands.push(words);
    words = [];
  };
  /** Index just past the `close` that balances the opener at `from` (quotes inside are skipped). */
  const balanced = (from: number, open: string, close: string): number => {
    let depth = 0;
    for (let j = from; j < script.length; j++) {
      const c = script[j];
      if (c === '\\') j++;
      else if (c === "'") j = script.indexOf("'", j + 1) < 0 ? script.length : script.indexOf("'", j + 1);
      else if (c === open) depth++;
      else if (c === close && --depth === 0) return j + 1;
    }
    return script.length;
  };

  let i = 0;
  while (i < script.length) {
    const c = script[i] as string;
    if (c === '\\' && script[i + 1] === '\n') {
      i += 2;
      continue;
    }
    if (c === '\n') {
      endCommand();
      i++;
      // Here-document bodies follow the line that opened them.
      for (const doc of heredocs.splice(0)) {
        while (i < script.length) {
          const end = script.indexOf('\n', i);
          const line = script.slice(i, end < 0 ? script.length : end);
          i = end < 0 ? script.length : end + 1;
          if ((doc.strip ? line.replace(/^\t+/, '') : line) === doc.delimiter) break;
        }
      }
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      endWord();
      i++;
      continue;
    }
    const redirect = c === '&' && (script[i - 1] === '>' || script[i - 1] === '<' || script[i + 1] === '>');
    if (!redirect && (c === ';' || c === '&' || c === '|' || c === '(' || c === ')')) {
      endCommand();
      i += (c === '&' || c === '|') && (script[i + 1] === c || (c === '|' && script[i + 1] === '&')) ? 2 : 1;
      continue;
    }
    if (c === '#' && start < 0) {
      const end = script.indexOf('\n', i);
      i = end < 0 ? script.length : end;
      continue;
    }
    if (start < 0) start = i;
    if (c === "'") {
      const end = script.indexOf("'", i + 1);
      const close = end < 0 ? script.length : end;
      text += script.slice(i + 1, close);
      i = close + 1;
    } else if (c === '"') {
      let j = i + 1;
      while (j < script.length && script[j] !== '"') {
        if (script[j] === '\\' && j + 1 < script.length) {
          text += '"\\$`'.includes(script[j + 1] as string) ? script[j + 1] : script.slice(j, j + 2);
          j += 2;
        } else if (script.startsWith('$(', j)) {
          const end = balanced(j + 1, '(', ')');
          text += script.slice(j, end);
          j = end;
        } else {
          text += script[j];
          j++;
        }
      }
      i = j + 1;
    } else if (c === '\\') {
      text += script[i + 1] ?? '';
      i += 2;
    } else if (script.startsWith('$(', i)) {
      const end = balanced(i + 1, '(', ')');
      text += script.slice(i, end);
      i = end;
    } else if (script.startsWith('${', i)) {
      const end = balanced(i + 1, '{', '}');
      text += script.slice(i, end);
      i = end;
    } else if (c === '`') {
      const end = script.indexOf('`', i + 1);
      const close = end < 0 ? script.length : end + 1;
      text += script.slice(i, close);
      i = close;
    } else {
      text += c;
      i++;
    }
  }
  endCommand();
  return commands;
}

/** Shell words that only prefix the real command. */
const WRAPPERS = new Set(['sudo', 'exec', 'command', 'nohup', 'time', 'env', 'xargs']);
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

/** The index of a command's program word: after `VAR=value` prefixes and wrappers such as `sudo`. */
export function programIndex(words: readonly ShellWord[]): number {
  let i = 0;
  while (i < words.length) {
    const word = words[i] as ShellWord;
    if (ASSIGNMENT.test(word.text)) i++;
    else if (WRAPPERS.has(word.text)) {
      i++;
      while (i < words.length && (words[i] as ShellWord).text.startsWith('-')) i++;
    } else break;
  }
  return i;
}

/** `/usr/bin/docker` → `docker`. */
export const programName = (word: ShellWord | undefined): string => (word ? word.text.slice(word.text.lastIndexOf('/') + 1) : '');

/** Every `$VAR` / `${VAR}` reference removed: what is left is literal text. */
export const withoutVariables = (text: string): string => text.replace(/\$\{[^}]*\}|\$\([^)]*\)|\$[A-Za-z_][A-Za-z0-9_]*|\$\d/g, '');

/** True when a value is only variable references and punctuation, with no literal word in it. */
export const isOnlyReferences = (text: string): boolean => !/[A-Za-z0-9]/.test(withoutVariables(text));

// ---------------------------------------------------------------------------------------------
// Positions

/**
 * The source position of the character at `offset` in a rendered string that starts at `at`.
 * A string on several lines (a `|` block, or a plain or quoted scalar folded over lines) is
 * searched line by line within its indentation; the rendered line is matched verbatim, or up to
 * the offset when interpolation changed the rest of it. Falls back to the string's own position.
 */
export function positionInString(sourceText: string, at: Position, value: string, offset: number): Position {
  const lines = sourceText.split('\n');
  const lineStart = value.lastIndexOf('\n', offset - 1) + 1;
  const lineEnd = value.indexOf('\n', offset);
  const rendered = value.slice(lineStart, lineEnd < 0 ? undefined : lineEnd);
  const lead = rendered.length - rendered.trimStart().length;
  const body = rendered.trim();
  const column = offset - lineStart;
  const prefix = rendered.slice(lead, column);
  const renderedIndex = value.slice(0, lineStart).split('\n').length - 1;

  const first = lines[at.line - 1] ?? '';
  const indent = first.length - first.trimStart().length;
  const isBlock = /^[|>]/.test(first.slice(at.column - 1));
  const candidates: number[] = [];
  if (isBlock && first.startsWith('|', at.column - 1)) candidates.push(at.line + 1 + renderedIndex);
  for (let line = at.line; line <= lines.length; line++) {
    const text = lines[line - 1] ?? '';
    if (line > at.line && text.trim() !== '' && text.length - text.trimStart().length <= indent) break;
    candidates.push(line);
  }
  const search = (needle: string, shift: number): Position | undefined => {
    if (needle === '') return undefined;
    for (const line of candidates) {
      const text = lines[line - 1] ?? '';
      const from = line === at.line ? at.column - 1 : 0;
      const index = text.indexOf(needle, from);
      if (index >= 0) return { line, column: index + shift + 1 };
    }
    return undefined;
  };
  return (
    search(body, column - lead) ??
    (prefix.trim().length >= 2 ? search(prefix, prefix.length) : undefined) ??
    (prefix === '' ? search(value.slice(offset, offset + Math.max(1, Math.min(8, rendered.length - column))), 0) : undefined) ??
    at
  );
}

// ---------------------------------------------------------------------------------------------
// Reporting

/** A `report` that keeps one finding per source position (variants render the same node again). */
export function reportOncePerPosition<M extends string>(ctx: RuleContext<M>): (descriptor: ReportDescriptor<M>) => void {
  const seen = new Set<string>();
  return (descriptor) => {
    const start = 'start' in descriptor.at ? descriptor.at.start : descriptor.at;
    const key = `${start.line}:${start.column}`;
    if (seen.has(key)) return;
    seen.add(key);
    ctx.report(descriptor);
  };
}

/** JSON quoting for values in messages. */
export const q = (value: string): string => JSON.stringify(value);

// ---------------------------------------------------------------------------------------------
// Credentials on command lines

export interface CredentialArgument {
  /** `login` (a password), `creds` (`user:password`), `user` (curl's `user:password`). */
  readonly kind: 'password' | 'creds' | 'user';
  /** The command as users know it: `docker login`, `skopeo copy`, `curl`. */
  readonly command: string;
  readonly program: string;
  /** The flag as written, without an attached value: `-p`, `--password`, `--creds`, `-u`. */
  readonly flag: string;
  readonly flagOffset: number;
  /** The value, unquoted; and where it starts in the script. */
  readonly value: string;
  readonly valueOffset: number;
}

/** Tools whose `login` takes `-p` / `--password` and also `--password-stdin`. */
const LOGIN_TOOLS: Readonly<Record<string, string>> = {
  docker: 'docker login',
  podman: 'podman login',
  buildah: 'buildah login',
  skopeo: 'skopeo login',
  nerdctl: 'nerdctl login',
  oras: 'oras login',
  helm: 'helm registry login',
  crane: 'crane auth login',
};
const CREDS_TOOLS = new Set(['podman', 'buildah', 'skopeo']);
const CREDS_FLAGS = new Set(['--creds', '--src-creds', '--dest-creds', '--from-creds']);
const WGET_PASSWORD_FLAGS = new Set(['--password', '--http-password', '--ftp-password', '--proxy-password']);

/** Passwords given as arguments in one simple command (see `shellCommands`). */
export function credentialArguments(words: readonly ShellWord[]): CredentialArgument[] {
  const p = programIndex(words);
  const program = programName(words[p]);
  const found: CredentialArgument[] = [];
  /** `--flag=value`, `--flag value`, or a short flag with its value attached. */
  const valueAfter = (j: number, flag: string): { value: string; offset: number } | undefined => {
    const word = words[j] as ShellWord;
    if (word.text === flag) {
      const next = words[j + 1];
      return next ? { value: next.text, offset: next.offset } : undefined;
    }
    const attached = word.text.slice(flag.length + (flag.startsWith('--') ? 1 : 0));
    return { value: attached, offset: word.offset + word.raw.indexOf(attached.slice(0, 1) || '\0', flag.length) };
  };
  const push = (kind: CredentialArgument['kind'], command: string, flag: string, j: number) => {
    const got = valueAfter(j, flag);
    if (!got || got.value === '') return;
    if (kind !== 'password' && !got.value.includes(':')) return;
    found.push({ kind, command, program, flag, flagOffset: (words[j] as ShellWord).offset, value: got.value, valueOffset: got.offset });
  };

  const login = LOGIN_TOOLS[program];
  const loginAt = login ? words.findIndex((w, j) => j > p && w.text === 'login') : -1;
  for (let j = p + 1; j < words.length; j++) {
    const text = (words[j] as ShellWord).text;
    if (text === '--') break;
    if (login && loginAt >= 0 && j > loginAt) {
      if (text === '-p' || text === '--password' || text.startsWith('--password=')) push('password', login, text.startsWith('--') ? '--password' : '-p', j);
      else if (/^-p./.test(text)) push('password', login, '-p', j);
    }
    if (CREDS_TOOLS.has(program)) {
      const flag = text.split('=')[0] as string;
      if (CREDS_FLAGS.has(flag)) push('creds', `${program} ${words[p + 1]?.text ?? ''}`.trim(), flag, j);
    }
    if (program === 'curl') {
      if (text === '-u' || text === '--user' || text === '-U' || text === '--proxy-user') push('user', 'curl', text, j);
      else if (/^-[A-Za-z]*u$/.test(text) && text !== '-u') {
        const next = words[j + 1];
        if (next && next.text.includes(':')) found.push({ kind: 'user', command: 'curl', program, flag: '-u', flagOffset: (words[j] as ShellWord).offset, value: next.text, valueOffset: next.offset });
      } else if (/^-u./.test(text)) push('user', 'curl', '-u', j);
    }
    if (program === 'wget') {
      const flag = text.split('=')[0] as string;
      if (WGET_PASSWORD_FLAGS.has(flag)) push('password', 'wget', flag, j);
    }
  }
  return found;
}

/** Builtins that never show their arguments in the process list (no new process is started). */
export const SHELL_BUILTINS: ReadonlySet<string> = new Set(['echo', 'printf', 'export', 'local', 'readonly', 'declare', 'typeset', 'set', 'test', '[', '[[', ':']);

// ---------------------------------------------------------------------------------------------
// Docker-in-Docker

export interface DindSetup {
  readonly job: string;
  readonly service: ImageUse;
  /** Hostnames that reach the service: its aliases, the names GitLab derives from the image, localhost. */
  readonly hostnames: ReadonlySet<string>;
  /** `DOCKER_TLS_CERTDIR` as the daemon sees it (service `variables:` first); unset means the image default. */
  readonly certdir: Located<string> | undefined;
  readonly host: Located<string> | undefined;
  readonly verify: Located<string> | undefined;
  readonly certPath: Located<string> | undefined;
  /** `DOCKER_CONTEXT`, which selects a docker context for every command of the job. */
  readonly context: Located<string> | undefined;
}

/** The dind image's `ENV DOCKER_TLS_CERTDIR=/certs` (docker-library/docker, `cli` and `dind` variants). */
export const DIND_DEFAULT_CERTDIR = '/certs';

/** The job's Docker-in-Docker service and the variables that decide how client and daemon talk. */
export function dindSetup(resolver: JobResolver, jobName: string): DindSetup | undefined {
  const service = servicesOf(resolver.get(jobName, 'services')).find((use) => isDindImage(use.image));
  if (!service) return undefined;
  const jobVariables = resolver.variables(jobName);
  const serviceVariables = isValueMap(service.entry.value)
    ? variablesOf({ value: service.entry.value.get('variables') ?? null, path: [...service.entry.path, 'variables'] })
    : new Map<string, Located>();
  const value = (vars: ReadonlyMap<string, Located>, name: string) => {
    const entry = vars.get(name);
    return entry ? variableValue(entry) : undefined;
  };
  const hostnames = new Set(['docker', 'localhost', '127.0.0.1']);
  const repository = parseImageRef(service.image).repository;
  hostnames.add(repository.replaceAll('/', '__')).add(repository.replaceAll('/', '-'));
  const alias = isValueMap(service.entry.value) ? service.entry.value.get('alias') : undefined;
  if (typeof alias === 'string') for (const name of alias.split(/[\s,]+/)) if (name) hostnames.add(name);
  return {
    job: jobName,
    service,
    hostnames,
    certdir: value(serviceVariables, 'DOCKER_TLS_CERTDIR') ?? value(jobVariables, 'DOCKER_TLS_CERTDIR'),
    host: value(jobVariables, 'DOCKER_HOST'),
    verify: value(jobVariables, 'DOCKER_TLS_VERIFY'),
    certPath: value(jobVariables, 'DOCKER_CERT_PATH'),
    context: value(jobVariables, 'DOCKER_CONTEXT'),
  };
}

/** Whether the dind daemon serves TLS (on 2376 only): true, false, or undefined when a variable hides it. */
export function daemonTls(setup: DindSetup): boolean | undefined {
  if (!setup.certdir) return true;
  if (setup.certdir.value.includes('$')) return undefined;
  return setup.certdir.value.trim() !== '';
}

/** `DOCKER_HOST` when it is `tcp://<the dind service>:<port>`: the port, else undefined. */
export function dindPort(setup: DindSetup): number | undefined {
  const match = /^tcp:\/\/([^:/]+):(\d+)\/?$/.exec(setup.host?.value.trim() ?? '');
  if (!match) return undefined;
  const host = match[1] as string;
  return setup.hostnames.has(host) || host.includes('$') ? Number(match[2]) : undefined;
}
