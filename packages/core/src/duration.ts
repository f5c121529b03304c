const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parses `500ms`, `2s`, `1.5m`, `1h` (or a bare number of milliseconds) into milliseconds.
 * Returns null for anything else, so the caller can name the flag in its message.
 */
export function parseDuration(input: string): number | null {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(input.trim());
  if (!m) return null;
  const value = Number(m[1]);
  const unit = UNITS[m[2] ?? 'ms'];
  if (unit === undefined || !Number.isFinite(value)) return null;
  return Math.round(value * unit);
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return `${m}m${s.toString().padStart(2, '0')}s`;
}
