import type { ContainerLogLine } from '@berth/engine';

/**
 * Where a follower's history meets its live stream. The live stream is joined before the history
 * is read, so lines written in between arrive twice; these helpers order lines by the engine's
 * timestamps and let through only the live lines the history does not already hold.
 */

const TIMESTAMP = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9})\d*)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Nanoseconds since the epoch of an RFC 3339 timestamp, or null. Not a string comparison: the
 * engine trims trailing zeros of the fraction (`.5Z` sorts after `.45Z` as text).
 */
export function toNanos(at: string): bigint | null {
  const m = TIMESTAMP.exec(at);
  if (!m?.[1] || !m[3]) return null;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return null;
  return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

/** Oldest first; lines without a timestamp keep their place relative to each other, first. */
export function byTime<L extends { at: string }>(a: L, b: L): number {
  const x = toNanos(a.at) ?? -1n;
  const y = toNanos(b.at) ?? -1n;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** A filter for the live lines of one container that passes each line the history lacks. */
export function afterHistory(history: readonly ContainerLogLine[]): (line: ContainerLogLine) => boolean {
  const last = history.at(-1);
  const lastAt = last ? toNanos(last.at) : null;
  if (lastAt === null) return () => true;
  // Lines sharing the last history timestamp: the live copies of these are dropped once each.
  const seen = new Map<string, number>();
  for (const l of history) {
    if (toNanos(l.at) !== lastAt) continue;
    const key = `${l.stream}\0${l.line}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  let past = false;
  return (line) => {
    if (past) return true;
    const at = toNanos(line.at);
    if (at === null || at > lastAt) {
      past = true;
      return true;
    }
    if (at < lastAt) return false;
    const key = `${line.stream}\0${line.line}`;
    const n = seen.get(key) ?? 0;
    if (n === 0) return true;
    seen.set(key, n - 1);
    return false;
  };
}
