/**
 * "Did you mean web?" for a name that does not exist: the closest of the names the caller can
 * see, when it is close enough to be a typo rather than another name. Pure.
 */

/**
 * Edits between two names, a swap of two neighbours counting as one (optimal string alignment):
 * `wbe` is one edit from `web`, not two.
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => d[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = best;
    }
  }
  return at(a.length, b.length);
}

/** How many edits still read as a typo: 1 for short names, up to 3 for long ones. */
const tolerance = (name: string): number => Math.min(3, Math.max(1, Math.floor(name.length / 3)));

/** The closest name within the tolerance (ties: the first in alphabetical order), or null. */
export function closestName(typed: string, names: readonly string[]): string | null {
  let best: { name: string; distance: number } | null = null;
  for (const name of [...names].sort()) {
    if (name === typed) continue;
    const distance = editDistance(typed.toLowerCase(), name.toLowerCase());
    if (distance > tolerance(typed)) continue;
    if (!best || distance < best.distance) best = { name, distance };
  }
  return best?.name ?? null;
}
