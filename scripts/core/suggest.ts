/**
 * "Did you mean" candidates for a misspelt name: the known names closest to it by edit distance
 * (insertions, deletions, substitutions and swaps of two neighbours, case-insensitive), nearest
 * first. A candidate counts as close when at most a third of the longer name differs (and at least
 * one edit is allowed), so that `repositry` finds `repository` but `x` does not find `image`.
 */

/** Optimal string alignment distance: Levenshtein plus the swap of two adjacent characters. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const row = d[i] as number[];
      const above = d[i - 1] as number[];
      let best = Math.min((above[j] as number) + 1, (row[j - 1] as number) + 1, (above[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, ((d[i - 2] as number[])[j - 2] as number) + 1);
      row[j] = best;
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}

export interface Closeness {
  /** At most this many names (default 3). */
  readonly limit?: number | undefined;
  /** At most this many edits, whatever the names' length. */
  readonly maxDistance?: number | undefined;
}

/** The candidates close to `name`, nearest first (ties in the order given). */
export function closestNames(name: string, candidates: Iterable<string>, { limit = 3, maxDistance = Infinity }: Closeness = {}): string[] {
  const wanted = name.toLowerCase();
  const scored: { candidate: string; distance: number; order: number }[] = [];
  let order = 0;
  for (const candidate of new Set(candidates)) {
    const distance = editDistance(wanted, candidate.toLowerCase());
    const allowed = Math.min(maxDistance, Math.max(1, Math.floor(Math.max(wanted.length, candidate.length) / 3)));
    if (candidate !== name && distance <= allowed) scored.push({ candidate, distance, order });
    order++;
  }
  scored.sort((x, y) => x.distance - y.distance || x.order - y.order);
  return scored.slice(0, limit).map((s) => s.candidate);
}

/** Every candidate, nearest to `name` first (ties in the order given). */
export function byNearness(name: string, candidates: readonly string[]): string[] {
  const wanted = name.toLowerCase();
  return candidates
    .map((candidate, order) => ({ candidate, distance: editDistance(wanted, candidate.toLowerCase()), order }))
    .sort((x, y) => x.distance - y.distance || x.order - y.order)
    .map((s) => s.candidate);
}

/** `"a"`, `"a" or "b"`, `"a", "b" or "c"` (or with `and`): names quoted for a message. */
export function quotedAlternatives(names: readonly string[], conjunction: 'or' | 'and' = 'or'): string {
  const quoted = names.map((n) => JSON.stringify(n));
  return quoted.length <= 1 ? (quoted[0] ?? '') : `${quoted.slice(0, -1).join(', ')} ${conjunction} ${quoted[quoted.length - 1]}`;
}
