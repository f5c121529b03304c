import type { BuildLogLine, EndedBuild } from '../api/build-log.js';
import type { Build, BuildLogEntry, BuildStatus } from '../api/paths.js';
import { ApiError } from '../problems/problem.js';
import { connectionStep, endedWith, type ConnectionAction, type StreamState } from './stream-connection.js';
import type { Tone } from './app-status.js';
import { mayRetry, RETRY_MS, retryDelay, waitFor } from './deployment-steps.js';

/**
 * A build on the app page: its log as it arrives, in order, bounded, and how the stream that
 * brings it is doing. No React and no DOM here (useBuildLog.ts and BuildsPanel.tsx use it).
 */

/** The most lines of one build's log kept (the oldest go first; the whole log is in `berth logs --build`). */
export const MAX_BUILD_LINES = 5_000;

export function buildTone(status: BuildStatus): Tone {
  switch (status) {
    case 'succeeded':
      return 'ok';
    case 'queued':
    case 'running':
      return 'busy';
    case 'failed':
      return 'bad';
    case 'cancelled':
    case 'ignored':
      return 'idle';
  }
}

/** Still under way: its log keeps coming, and it may be cancelled. */
export const buildRunning = (status: BuildStatus): boolean => status === 'queued' || status === 'running';

/** `branch main`, `tag v1`, `upload (12 KiB)`: where a build's source came from. */
export function describeBuildSource(source: Build['source']): string {
  if (source.type === 'archive') return `upload (${Math.max(1, Math.ceil(source.bytes / 1024))} KiB)`;
  return `${source.ref.kind} ${source.ref.name}`;
}

function ascendingAfter(lines: readonly BuildLogEntry[], last: number): boolean {
  let previous = last;
  for (const l of lines) {
    if (l.seq <= previous) return false;
    previous = l.seq;
  }
  return true;
}

/**
 * The lines with the new ones in place, by sequence number, each once (a reconnect may send one
 * again), the newest MAX_BUILD_LINES of them; nothing new gives back the same array.
 */
export function mergeBuildLines(
  lines: readonly BuildLogEntry[],
  incoming: readonly BuildLogEntry[],
): readonly BuildLogEntry[] {
  if (incoming.length === 0) return lines;
  let merged: BuildLogEntry[];
  if (ascendingAfter(incoming, lines.at(-1)?.seq ?? -1)) {
    // The usual case: each new line comes after the last one kept.
    merged = [...lines, ...incoming];
  } else {
    const bySeq = new Map(lines.map((l) => [l.seq, l]));
    const size = bySeq.size;
    for (const l of incoming) if (!bySeq.has(l.seq)) bySeq.set(l.seq, l);
    if (bySeq.size === size) return lines;
    merged = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  }
  return merged.length > MAX_BUILD_LINES ? merged.slice(merged.length - MAX_BUILD_LINES) : merged;
}

/** A build's log, and its stream's state (`ended`: the build as the end line told it). */
export interface BuildLogState extends StreamState<EndedBuild> {
  lines: readonly BuildLogEntry[];
}

export const initialBuildLog: BuildLogState = {
  lines: [],
  ended: null,
  connection: 'connecting',
  error: null,
};

export type BuildLogAction =
  | { type: 'reset' }
  | { type: 'open' }
  | { type: 'lines'; lines: readonly BuildLogEntry[] }
  | { type: 'end'; build: EndedBuild }
  | ConnectionAction;

export function buildLogReducer(state: BuildLogState, action: BuildLogAction): BuildLogState {
  switch (action.type) {
    case 'reset':
      return initialBuildLog;
    case 'lines': {
      const lines = mergeBuildLines(state.lines, action.lines);
      return lines === state.lines ? state : { ...state, lines };
    }
    case 'end':
      return endedWith(state, action.build);
    case 'open':
    case 'retry':
    case 'fail':
      return connectionStep(state, action);
  }
}

/** The answer ended without its end line: berthd went away (a restart) mid-stream. */
export class BuildLogCutError extends Error {
  constructor() {
    super('The build log ended before the build did');
    this.name = 'BuildLogCutError';
  }
}

export interface FollowBuildLogOptions {
  /** Opens the stream from after a sequence number (0: from the start). */
  open: (after: number, signal: AbortSignal) => Promise<AsyncIterable<BuildLogLine>>;
  /** The last line already seen (0, or none, for all of them). */
  after?: number;
  signal: AbortSignal;
  onOpen: () => void;
  onLine: (line: BuildLogEntry) => void;
  onEnd: (build: EndedBuild) => void;
  /** The stream dropped: it is opened again after `delayMs`. */
  onRetry: (error: unknown, delayMs: number) => void;
  /** Resolves after `ms`, or at once when the signal aborts. */
  wait?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/**
 * Reads a build's log to its end line, through dropped connections: each time again from after
 * the last line seen, after retryDelay (counted from the last time a line came). Resolves at the
 * end line or when the signal aborts; rejects with an error it will not retry (see mayRetry).
 */
export async function followBuildLog(options: FollowBuildLogOptions): Promise<void> {
  const { open, signal, wait = waitFor } = options;
  let after = options.after ?? 0;
  let failures = 0;
  while (!signal.aborted) {
    try {
      const lines = await open(after, signal);
      options.onOpen();
      for await (const line of lines) {
        failures = 0;
        if (line.type === 'end') {
          options.onEnd(line.build);
          return;
        }
        after = Math.max(after, line.line.seq);
        options.onLine(line.line);
      }
      throw new BuildLogCutError();
    } catch (error) {
      if (signal.aborted) return;
      if (!(error instanceof BuildLogCutError) && !mayRetry(error)) throw error;
      // Too many streams open: berthd says to come back in 5 s (Retry-After), the longest wait.
      const delay = error instanceof ApiError && error.status === 429 ? RETRY_MS.max : retryDelay(failures);
      failures += 1;
      options.onRetry(error, delay);
      await wait(delay, signal);
    }
  }
}
