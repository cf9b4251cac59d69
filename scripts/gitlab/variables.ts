/**
 * GitLab's variable references and their expansion: `ExpandVariables` (gitlabhq
 * lib/expand_variables.rb) replaces `$VAR`, `${VAR}` and `%VAR%` (ASCII names) in one pass, so a
 * value is never expanded again; `expand` turns unknown variables into "" (what include addresses
 * get), `expand_existing` leaves them as written (`expand_vars`). `Ci::Variables::Collection`'s
 * `sort_and_expand_all` expands the variables of a job among themselves, nested.
 */
import { ToolkitError } from '../core/errors.js';

/**
 * The most text the toolkit lets an expansion or an interpolation make (characters). GitLab sets no
 * limit of its own and runs out of memory or time instead. 64 Mi characters is 32 times
 * `max_yaml_size_bytes`, and small enough that any writer can still escape all of it (JSON may
 * write a character as six, and one JavaScript string holds at most 2^29). The length is added up
 * before the text is built, so nothing too large ever is.
 */
export const MAX_EXPANDED_LENGTH = 64 * 1024 * 1024;

/** A variable expansion would make more than MAX_EXPANDED_LENGTH characters. */
export class ExpansionTooLarge extends ToolkitError {
  constructor() {
    super(`variable expansion would make more than ${MAX_EXPANDED_LENGTH / 1024 / 1024} MiB of text`);
  }
}

/** Throws ExpansionTooLarge when replacing each match of VARIABLES_REGEXP in `text` by `replacement` makes too long a text. */
function checkExpandedLength(text: string, replacement: (match: RegExpExecArray) => string): void {
  let length = text.length;
  for (const match of text.matchAll(VARIABLES_REGEXP)) {
    length += replacement(match).length - match[0].length;
    if (length > MAX_EXPANDED_LENGTH) throw new ExpansionTooLarge();
  }
}

export interface ExpandableVariable {
  readonly key: string;
  readonly value: string;
  readonly masked?: boolean | undefined;
}

/** `ExpandVariables::VARIABLES_REGEXP` (also `Collection`'s): `$NAME`, `${NAME}`, `%NAME%`. */
const VARIABLES_REGEXP = /\$([a-zA-Z_][a-zA-Z0-9_]*)|\$\{([a-zA-Z_][a-zA-Z0-9_]*)\}|%([a-zA-Z_][a-zA-Z0-9_]*)%/g;

export interface Expansion {
  readonly text: string;
  /** Names referenced but not defined, in order of first use. */
  readonly unknown: readonly string[];
  /** Whether a masked variable was expanded. */
  readonly usedMasked: boolean;
}

export function expandVariables(text: string, variables: readonly ExpandableVariable[], unknownAs: 'empty' | 'kept'): Expansion {
  // A later definition of the same key wins, as in a Ruby hash built from the list.
  const byKey = new Map(variables.map((variable) => [variable.key, variable]));
  checkExpandedLength(text, (m) => byKey.get(m[1] ?? m[2] ?? m[3] ?? '')?.value ?? (unknownAs === 'empty' ? '' : m[0]));
  const unknown: string[] = [];
  let usedMasked = false;
  const expanded = text.replace(VARIABLES_REGEXP, (match: string, a?: string, b?: string, c?: string) => {
    const key = a ?? b ?? c ?? '';
    const variable = byKey.get(key);
    if (variable === undefined) {
      if (!unknown.includes(key)) unknown.push(key);
      return unknownAs === 'empty' ? '' : match;
    }
    if (variable.masked === true) usedMasked = true;
    return variable.value;
  });
  return { text: expanded, unknown, usedMasked };
}

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


/** An item of `Ci::Variables::Collection`: a job variable as the server holds it. */
export interface JobVariable extends ExpandableVariable {
  /** `expand: false` / a raw variable: its value is never expanded. */
  readonly raw?: boolean | undefined;
  /** A file-type variable: the value is written to a file and the variable holds its path. */
  readonly file?: boolean | undefined;
}

/**
 * `Collection#sort_and_expand_all(keep_undefined: true, expand_file_refs: false, expand_raw_refs:
 * false)`, as `Ci::BuildRunnerPresenter#runner_variables` calls it: references between variables
 * are expanded recursively; undefined names and references to raw or file variables stay as
 * written; a cycle leaves every value unexpanded. The last definition of a key is the one used.
 */
export function sortAndExpandAll(variables: readonly JobVariable[]): JobVariable[] {
  const byKey = new Map<string, JobVariable>();
  for (const variable of variables) byKey.set(variable.key, variable);
  const cache = new Map<string, string>();
  const visiting = new Set<string>();
  let cyclic = false;
  const replacement = (match: string, name: string): string => {
    const target = byKey.get(name);
    return !target || target.raw || target.file ? match : resolve(name, target);
  };
  const expandText = (text: string): string => {
    checkExpandedLength(text, (m) => replacement(m[0], m[1] ?? m[2] ?? m[3] ?? ''));
    return text.replace(VARIABLES_REGEXP, (match: string, a?: string, b?: string, c?: string) => replacement(match, a ?? b ?? c ?? ''));
  };
  const resolve = (key: string, variable: JobVariable): string => {
    const cached = cache.get(key);
    if (cached !== undefined) return cached;
    if (visiting.has(key)) {
      cyclic = true;
      return variable.value;
    }
    visiting.add(key);
    const value = expandText(variable.value);
    visiting.delete(key);
    cache.set(key, value);
    return value;
  };
  const expanded = variables.map((variable) => (variable.raw ? variable : { ...variable, value: expandText(variable.value) }));
  return cyclic ? [...variables] : expanded;
}
