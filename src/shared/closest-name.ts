/** Which real name a typo was probably meant as, by edit distance. Pure. */

/** The name with the smallest edit distance to `typed` (ties: the first in byte order); null when there is none. */
export function closestName(typed: string, names: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const name of [...names].sort()) {
    const d = editDistance(typed, name);
    if (d < bestDistance) [best, bestDistance] = [name, d];
  }
  return best;
}

/** Close enough to be the same name mistyped: at most 2 edits, or a quarter of the longer name's length. */
export function looksLikeTypoOf(typed: string, name: string): boolean {
  return editDistance(typed, name) <= Math.max(2, Math.floor(Math.max(typed.length, name.length) / 4));
}

/** Levenshtein distance (insertions, deletions, substitutions), two rows at a time. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] as number;
}
