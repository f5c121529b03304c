/**
 * Ordering log lines of several replicas by the engine's timestamps. Not for telling two lines
 * of one replica apart: Podman's timestamps are whole seconds (the fan-out's ring does that).
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
