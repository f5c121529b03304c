/**
 * Turns the children's JSON log lines into short lines for the terminal of `berth up`.
 * Everything still goes, unabridged, to <data-dir>/logs/<child>.log.
 */

const PINO_LEVELS: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

const time = (ms: number): string => new Date(ms).toISOString().slice(11, 19);

/** berthd and the agent log with pino: show info and above. */
export function formatPino(name: string): (line: string) => string | null {
  return (line) => {
    const entry = parse(line);
    if (!entry) return `${name.padEnd(6)} ${line}`;
    const level = typeof entry.level === 'number' ? entry.level : 30;
    if (level < 30) return null;
    const when = typeof entry.time === 'number' ? time(entry.time) : '';
    const tag = level >= 40 ? ` ${PINO_LEVELS[level] ?? 'warn'}:` : '';
    const app = typeof entry.app === 'string' ? ` [${entry.app}]` : '';
    const err = typeof entry.err === 'string' ? ` (${entry.err})` : errMessage(entry.err);
    return `${when} ${name.padEnd(6)}${tag}${app} ${typeof entry.msg === 'string' ? entry.msg : ''}${err}`;
  };
}

/** An error Caddy repeats (one per request while a dependency is down) is shown once per window. */
const REPEAT_WINDOW_MS = 60_000;

/**
 * Caddy logs JSON too; only its errors are worth a terminal line, and each kind once a minute:
 * Caddy logs an error per request, so a moment without its upstream DNS service would print
 * one line per request. The next one after the minute says how many were not shown.
 */
export function createCaddyFormat(clock: () => number = Date.now): (line: string) => string | null {
  const shown = new Map<string, { at: number; hidden: number }>();
  return (line) => {
    const entry = parse(line);
    if (!entry) return null;
    if (entry.level !== 'error' && entry.level !== 'fatal') return null;
    const text = `${typeof entry.msg === 'string' ? entry.msg : ''}${typeof entry.error === 'string' ? ` (${entry.error})` : ''}`;
    // Ports, ids and counts differ between repeats of one error.
    const key = text.replace(/[0-9]+/g, '#');
    const now = clock();
    const last = shown.get(key);
    if (last && now - last.at < REPEAT_WINDOW_MS) {
      last.hidden += 1;
      return null;
    }
    shown.set(key, { at: now, hidden: 0 });
    const when = typeof entry.ts === 'number' ? time(entry.ts * 1000) : '';
    const more = last && last.hidden > 0 ? ` [and ${last.hidden} more like it in the last minute]` : '';
    return `${when} caddy  error: ${text}${more}`;
  };
}

function parse(line: string): Record<string, unknown> | null {
  if (!line.startsWith('{')) return null;
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return null;
  }
}

function errMessage(err: unknown): string {
  if (typeof err === 'object' && err !== null && typeof (err as { message?: unknown }).message === 'string') {
    return ` (${(err as { message: string }).message})`;
  }
  return '';
}
