/**
 * GitLab's variable references and their expansion: `ExpandVariables` (gitlabhq
 * lib/expand_variables.rb) replaces `$VAR`, `${VAR}` and `%VAR%` (ASCII names) in one pass, so a
 * value is never expanded again; `expand` turns unknown variables into "" (what include addresses
 * get), `expand_existing` leaves them as written (`expand_vars`). `Ci::Variables::Collection`'s
 * `sort_and_expand_all` expands the variables of a job among themselves, nested.
 */
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
  const expandText = (text: string): string =>
    text.replace(VARIABLES_REGEXP, (match: string, a?: string, b?: string, c?: string) => {
      const name = a ?? b ?? c ?? '';
      const target = byKey.get(name);
      if (!target || target.raw || target.file) return match;
      return resolve(name, target);
    });
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
