/**
 * The only importer of re2js. GitLab evaluates `spec:inputs:regex` with RE2
 * (`Gitlab::UntrustedRegexp`), whose syntax and semantics differ from JavaScript's RegExp:
 * no backreferences or lookaround, `\z`, Perl classes, and linear-time matching.
 */
import { RE2JS } from 're2js';

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
  try {
    const re = RE2JS.compile(pattern);
    return { ok: true, test: (text) => re.matcher(text).find() };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}
