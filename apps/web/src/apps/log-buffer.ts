import type { AppLogLine } from '../api/paths.js';

/**
 * The app page's log tail: what is kept of an app's log stream, what is held while the view is
 * paused, which of it shows (filters), and its text for a download. No React and no DOM here
 * (useAppLogs.ts and LogsPanel.tsx use it). Everything kept is bounded: a chatty app can follow
 * for hours in one tab.
 */

/** A line as the page keeps it: with an id of its own, for React's keys (two lines may be equal). */
export interface LogEntry extends AppLogLine {
  id: number;
}

/** The most lines kept, shown or not (the oldest go first). */
export const MAX_LINES = 2_000;
/** The most lines held while paused (the oldest of them go first, counted as skipped). */
export const MAX_HELD = 2_000;
/** The most replica names remembered for the filter (the stream names each replica by its container). */
export const MAX_REPLICAS = 100;

export interface LogsState {
  /** The lines in view (and for the filters), oldest first, at most MAX_LINES. */
  lines: readonly LogEntry[];
  /** Lines that came while paused, oldest first, at most MAX_HELD: shown on resume. */
  held: readonly LogEntry[];
  /** Lines that came during this pause and were dropped (more than MAX_HELD came). */
  skipped: number;
  /** Lines dropped from the top of `lines` since the last clear. */
  dropped: number;
  paused: boolean;
  /** Every replica seen since the last reset, sorted: the replica filter's choices. */
  replicas: readonly string[];
  nextId: number;
}

export const initialLogs: LogsState = {
  lines: [],
  held: [],
  skipped: 0,
  dropped: 0,
  paused: false,
  replicas: [],
  nextId: 1,
};

export type LogsAction =
  | { type: 'lines'; lines: readonly AppLogLine[] }
  | { type: 'pause' }
  | { type: 'resume' }
  /** Empty the view (the stream goes on). */
  | { type: 'clear' }
  /** Start over: another app, or the stream opened with other options. */
  | { type: 'reset' };

/** The newest `max` of `kept` then `added`, and how many older ones did not fit. */
function newest<T>(
  kept: readonly T[],
  added: readonly T[],
  max: number,
): { list: readonly T[]; over: number } {
  const over = Math.max(0, kept.length + added.length - max);
  if (over === 0) return { list: [...kept, ...added], over };
  if (over >= kept.length) return { list: added.slice(over - kept.length), over };
  return { list: [...kept.slice(over), ...added], over };
}

function withReplicas(known: readonly string[], lines: readonly AppLogLine[]): readonly string[] {
  let set: Set<string> | null = null;
  for (const { replica } of lines) {
    if (known.includes(replica) || set?.has(replica)) continue;
    if (known.length + (set?.size ?? 0) >= MAX_REPLICAS) break;
    set ??= new Set(known);
    set.add(replica);
  }
  return set ? [...set].sort() : known;
}

export function logsReducer(state: LogsState, action: LogsAction): LogsState {
  switch (action.type) {
    case 'lines': {
      if (action.lines.length === 0) return state;
      const entries = action.lines.map((l, i) => ({ ...l, id: state.nextId + i }));
      const nextId = state.nextId + entries.length;
      const replicas = withReplicas(state.replicas, action.lines);
      if (state.paused) {
        const { list, over } = newest(state.held, entries, MAX_HELD);
        return { ...state, held: list, skipped: state.skipped + over, replicas, nextId };
      }
      const { list, over } = newest(state.lines, entries, MAX_LINES);
      return { ...state, lines: list, dropped: state.dropped + over, replicas, nextId };
    }
    case 'pause':
      // Each pause counts the lines it let go afresh.
      return state.paused ? state : { ...state, paused: true, skipped: 0 };
    case 'resume': {
      if (!state.paused) return state;
      const { list, over } = newest(state.lines, state.held, MAX_LINES);
      return { ...state, paused: false, lines: list, held: [], dropped: state.dropped + over };
    }
    case 'clear':
      return { ...state, lines: [], held: [], skipped: 0, dropped: 0 };
    case 'reset':
      return { ...initialLogs, nextId: state.nextId };
  }
}

export interface LogFilter {
  /** Lines containing this text (any case); empty for all. */
  text: string;
  /** Lines of this replica; null for every replica. */
  replica: string | null;
}

/** The lines the filter lets through, in order (the same array when it lets all through). */
export function filterLines(lines: readonly LogEntry[], { text, replica }: LogFilter): readonly LogEntry[] {
  const needle = text.trim().toLocaleLowerCase();
  if (needle === '' && replica === null) return lines;
  return lines.filter(
    (l) =>
      (replica === null || l.replica === replica) &&
      (needle === '' || l.line.toLocaleLowerCase().includes(needle)),
  );
}

/**
 * The lines as text, one a line, as `berth logs` prints them: the replica, the time when asked
 * for, `!` before what the replica wrote to stderr. Berth's own word about the stream is marked
 * `berth:`. Control characters other than tab show as U+FFFD, so a downloaded file holds no
 * terminal escape sequence a later `cat` would act on.
 */
export function logText(lines: readonly AppLogLine[], { timestamps }: { timestamps: boolean }): string {
  return lines
    .map((l) => {
      const mark = l.stream === 'stderr' ? '!' : ' ';
      const text = l.stream === 'berth' ? `berth: ${l.line}` : l.line;
      return `${l.replica} |${timestamps ? ` ${l.at}` : ''} ${mark} ${safeText(text)}\n`;
    })
    .join('');
}

const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g;

const safeText = (text: string): string => text.replace(CONTROL, '\uFFFD');

/** `web-logs-20250101-120000.txt`: the download's file name, from the app and the (local) time. */
export function downloadName(app: string, now: Date): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  const day = `${now.getFullYear()}${two(now.getMonth() + 1)}${two(now.getDate())}`;
  const time = `${two(now.getHours())}${two(now.getMinutes())}${two(now.getSeconds())}`;
  return `${app}-logs-${day}-${time}.txt`;
}

/** `12:00:01`: a line's time of day on the reader's clock, or the time as sent when it is not one. */
export function formatLogTime(at: string): string {
  const ms = timeMs(at);
  if (ms === null) return at;
  const d = new Date(ms);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

const TIMESTAMP = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Milliseconds since the epoch of an RFC 3339 time with any number of fraction digits (the
 * engine sends up to nanoseconds, whose extra digits Date.parse may refuse), or null.
 */
export function timeMs(at: string): number | null {
  const m = TIMESTAMP.exec(at);
  if (!m?.[1] || !m[3]) return null;
  const ms = Date.parse(`${m[1]}.${(m[2] ?? '').padEnd(3, '0').slice(0, 3)}${m[3]}`);
  return Number.isNaN(ms) ? null : ms;
}

const lineKey = (l: AppLogLine): string => JSON.stringify([l.replica, l.stream, l.line]);

/**
 * Where a followed log stream left off, to open it again after a dropped connection without
 * showing a line twice: the stream is asked for the lines `since` the newest time seen, and of
 * what it sends again from that moment, as many of each line as were already seen are left out.
 * (The engine's times are whole seconds: several lines, even equal ones, share one.) Lines older
 * than that moment are left out too: they were sent before, or are older than what is shown.
 */
export class ResumePoint {
  private ms: number | null = null;
  private at: string | null = null;
  private readonly seen = new Map<string, number>();

  /** Notes a line that was received (shown or held). */
  see(line: AppLogLine): void {
    const ms = timeMs(line.at);
    if (ms === null) return;
    if (this.ms === null || ms > this.ms) {
      this.ms = ms;
      this.at = line.at;
      this.seen.clear();
    }
    if (ms === this.ms) this.seen.set(lineKey(line), (this.seen.get(lineKey(line)) ?? 0) + 1);
  }

  /** The time to ask for lines from (null: nothing seen yet, ask for the last ones instead). */
  get since(): string | null {
    return this.at;
  }

  /** For the stream opened again from `since`: whether a line of it was already received. */
  repeats(): (line: AppLogLine) => boolean {
    const from = this.ms;
    const left = new Map(this.seen);
    return (line) => {
      const ms = timeMs(line.at);
      if (from === null || ms === null || ms > from) return false;
      if (ms < from) return true;
      const key = lineKey(line);
      const n = left.get(key) ?? 0;
      if (n === 0) return false;
      left.set(key, n - 1);
      return true;
    };
  }
}

/**
 * A replica's name as the page shows it: berthd names each by its container
 * (`berth-web-v3-abc123-0`), whose prefix repeats the app's name on every line; what follows it
 * (release, id, slot) tells the replicas apart. A name of another form is shown whole.
 */
export function shortReplica(replica: string, app: string): string {
  const prefix = `berth-${app}-`;
  return replica.startsWith(prefix) && replica.length > prefix.length
    ? replica.slice(prefix.length)
    : replica;
}
