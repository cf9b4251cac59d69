/**
 * GitLab's `ExpandVariables` (gitlabhq lib/expand_variables.rb): `$VAR`, `${VAR}` and `%VAR%`
 * with ASCII names, one pass (a value is never expanded again). `expand` turns unknown variables
 * into "" (what include addresses get); `expand_existing` leaves them as written (`expand_vars`).
 */
export interface ExpandableVariable {
  readonly key: string;
  readonly value: string;
  readonly masked?: boolean | undefined;
}

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

