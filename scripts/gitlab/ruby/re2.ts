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
  try {
    const re = loadRe2().compile(pattern);
    return { ok: true, test: (text) => re.matcher(text).find() };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}
