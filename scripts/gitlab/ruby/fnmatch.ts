/**
 * Ruby's `File.fnmatch?(pattern, path, File::FNM_PATHNAME | File::FNM_DOTMATCH | File::FNM_EXTGLOB)`,
 * the only flags GitLab's `rules:changes` uses (`gitlabhq/gitlabhq:
 * lib/gitlab/ci/build/rules/rule/clause/changes.rb`, `match?`). Ported from Ruby's `dir.c`
 * (`ruby/ruby: dir.c`, `file_s_fnmatch` → `ruby_brace_expand` → `fnmatch` → `fnmatch_helper` /
 * `bracket`), case-sensitive, backslash escapes on:
 * - FNM_EXTGLOB: `{a,b}` is expanded first (nested braces too); the path matches when one expansion
 *   matches. A `{` without its `}` makes the pattern match nothing, as `ruby_brace_expand` calls
 *   nothing then.
 * - FNM_PATHNAME: `*`, `?` and `[...]` never match `/`; `**` followed by `/` matches zero or more directories.
 * - FNM_DOTMATCH: a leading `.` of a name is matched by wildcards like any character.
 * Characters are code points (Ruby compares the string's characters in its encoding, UTF-8 here).
 */

/** Whether `path` matches `pattern` as `File.fnmatch?` does with GitLab's `rules:changes` flags. */
export function fnmatchPathname(pattern: string, path: string): boolean {
  const subject = Array.from(path);
  return braceExpansions(Array.from(pattern)).some((expanded) => fnmatch(expanded, subject));
}

/** `ruby_brace_expand`: every expansion of the first top-level `{…}`, recursively. */
function braceExpansions(p: readonly string[]): string[][] {
  let lbrace = -1;
  let rbrace = -1;
  let nest = 0;
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '{' && nest++ === 0) lbrace = i;
    if (p[i] === '}' && lbrace >= 0 && --nest === 0) {
      rbrace = i;
      break;
    }
    if (p[i] === '\\' && ++i >= p.length) break;
  }
  if (lbrace < 0 && rbrace < 0) return [[...p]];
  if (lbrace < 0 || rbrace < 0) return [];
  const out: string[][] = [];
  let i = lbrace;
  while (i < rbrace) {
    const start = ++i;
    nest = 0;
    while (i < rbrace && !(p[i] === ',' && nest === 0)) {
      if (p[i] === '{') nest++;
      if (p[i] === '}') nest--;
      if (p[i] === '\\' && ++i === rbrace) break;
      i++;
    }
    out.push(...braceExpansions([...p.slice(0, lbrace), ...p.slice(start, i), ...p.slice(rbrace + 1)]));
  }
  return out;
}

/** `fnmatch` with FNM_PATHNAME: name by name; after a failure the last `**` + `/` swallows one more directory. */
function fnmatch(p: readonly string[], s: readonly string[]): boolean {
  let pi = 0;
  let si = 0;
  let ptmp = -1;
  let stmp = -1;
  for (;;) {
    if (p[pi] === '*' && p[pi + 1] === '*' && p[pi + 2] === '/') {
      do pi += 3;
      while (p[pi] === '*' && p[pi + 1] === '*' && p[pi + 2] === '/');
      ptmp = pi;
      stmp = si;
    }
    const segment = matchSegment(p, pi, s, si);
    pi = segment.p;
    si = segment.s;
    if (segment.matched) {
      while (si < s.length && s[si] !== '/') si++;
      if (pi < p.length && si < s.length) {
        pi++;
        si++;
        continue;
      }
      if (pi >= p.length && si >= s.length) return true;
    }
    if (ptmp >= 0 && stmp >= 0) {
      while (stmp < s.length && s[stmp] !== '/') stmp++;
      if (stmp < s.length) {
        pi = ptmp;
        si = ++stmp;
        continue;
      }
    }
    return false;
  }
}

/** `fnmatch_helper`: one name of the pattern against one name of the path (up to `/` or the end). */
function matchSegment(p: readonly string[], pi: number, s: readonly string[], si: number): { matched: boolean; p: number; s: number } {
  const isEnd = (chars: readonly string[], i: number): boolean => i >= chars.length || chars[i] === '/';
  const unescape = (i: number): number => (p[i] === '\\' ? i + 1 : i);
  let ptmp = -1;
  let stmp = -1;
  for (;;) {
    const c = p[pi];
    if (c === '*') {
      do pi++;
      while (p[pi] === '*');
      if (isEnd(p, unescape(pi))) return { matched: true, p: unescape(pi), s: si };
      if (isEnd(s, si)) return { matched: false, p: pi, s: si };
      ptmp = pi;
      stmp = si;
      continue;
    }
    if (c === '?') {
      if (isEnd(s, si)) return { matched: false, p: pi, s: si };
      pi++;
      si++;
      continue;
    }
    let failed = false;
    if (c === '[') {
      if (isEnd(s, si)) return { matched: false, p: pi, s: si };
      const next = bracket(p, pi + 1, s[si] as string);
      if (next !== undefined) {
        pi = next;
        si++;
        continue;
      }
      failed = true;
    } else {
      pi = unescape(pi);
      if (isEnd(s, si)) return { matched: isEnd(p, pi), p: pi, s: si };
      if (isEnd(p, pi)) failed = true;
      else if (p[pi] === s[si]) {
        pi++;
        si++;
        continue;
      } else failed = true;
    }
    if (failed && ptmp >= 0 && stmp >= 0) {
      // Try the next position for the last `*`.
      pi = ptmp;
      si = ++stmp;
      continue;
    }
    return { matched: false, p: pi, s: si };
  }
}

/** `bracket`: the index after `]` when `c` is in the class starting at `pi`, else undefined. */
function bracket(p: readonly string[], pi: number, c: string): number | undefined {
  if (pi >= p.length) return undefined;
  let ok = false;
  let not = false;
  if (p[pi] === '!' || p[pi] === '^') {
    not = true;
    pi++;
  }
  while (p[pi] !== ']') {
    let t1 = pi;
    if (p[t1] === '\\') t1++;
    if (t1 >= p.length) return undefined;
    pi = t1 + 1;
    if (pi >= p.length) return undefined;
    if (p[pi] === '-' && p[pi + 1] !== ']') {
      let t2 = pi + 1;
      if (p[t2] === '\\') t2++;
      if (t2 >= p.length) return undefined;
      pi = t2 + 1;
      if (ok) continue;
      const low = p[t1] as string;
      const high = p[t2] as string;
      if (c === low || c === high) {
        ok = true;
        continue;
      }
      const code = c.codePointAt(0) as number;
      if (code < (low.codePointAt(0) as number) || code > (high.codePointAt(0) as number)) continue;
      ok = true;
    } else if (!ok && p[t1] === c) {
      ok = true;
    }
  }
  return ok === not ? undefined : pi + 1;
}
