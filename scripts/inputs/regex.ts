/**
 * The only importer of re2js. GitLab evaluates `spec:inputs:regex` with RE2
 * (`Gitlab::UntrustedRegexp`), whose syntax and semantics differ from JavaScript's RegExp:
 * no backreferences or lookaround, `\z`, Perl classes, and linear-time matching.
 */
import { RE2JS } from 're2js';

export type CompiledRegex = { readonly ok: true; test(text: string): boolean } | { readonly ok: false; readonly error: string };

/** Compiles `pattern` as RE2 would; `test` is an unanchored search, like `UntrustedRegexp#match?`. */
export function compileRe2(pattern: string): CompiledRegex {
  try {
    const re = RE2JS.compile(pattern);
    return { ok: true, test: (text) => re.matcher(text).find() };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}
