import { matchesLogFilter, parseLogGrep, parseRfc3339, type LogFilter } from '@berth/core';
import { BerthError, type LogLine, type LogsParams } from '@berth/protocol';

/**
 * `logs --since/--grep` on the agent, where the lines are: only matching lines cross the link.
 * berthd checked the pattern already; the agent checks it again (it compiles what it runs).
 */
export function logFilterOf(params: Pick<LogsParams, 'since' | 'grep'>): LogFilter | null {
  if (params.since === undefined && params.grep === undefined) return null;
  let grep: LogFilter['grep'];
  if (params.grep !== undefined) {
    const parsed = parseLogGrep(params.grep);
    if (!parsed.ok) throw new BerthError('VALIDATION_FAILED', `Invalid grep: ${parsed.message}`);
    grep = parsed.value;
  }
  const since = params.since === undefined ? undefined : parseRfc3339(params.since);
  if (since === null)
    throw new BerthError('VALIDATION_FAILED', `Invalid since: ${params.since} is not an RFC 3339 time`);
  return { sinceMs: since, grep };
}

/**
 * Sends only the lines that pass. The first call always goes out, even empty: it tells berthd
 * the stream is open (see emitInChunks), and no line might ever match.
 */
export function filteredEmit<E extends (lines: LogLine[]) => Promise<void>>(
  emit: E,
  filter: LogFilter | null,
): (lines: LogLine[]) => Promise<void> {
  if (!filter) return emit;
  let opened = false;
  return async (lines: LogLine[]) => {
    const kept = lines.filter((l) => matchesLogFilter(filter, l));
    if (kept.length === 0 && opened) return;
    opened = true;
    await emit(kept);
  };
}
