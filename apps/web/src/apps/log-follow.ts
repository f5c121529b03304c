import type { AppLogLine } from '../api/paths.js';
import { ApiError } from '../problems/problem.js';
import { mayRetry, RETRY_MS, retryDelay, waitFor } from './deployment-steps.js';
import { ResumePoint } from './log-buffer.js';

/** A follow answer that ended: berthd restarted, or dropped this reader for falling behind. */
export class LogStreamEndedError extends Error {
  constructor() {
    super('berthd ended the log stream');
    this.name = 'LogStreamEndedError';
  }
}

export interface FollowLogsOptions {
  /**
   * Opens the stream: the last lines when `since` is null, else the lines from then on; with
   * `follow`, then each new line as it is written.
   */
  open: (
    from: { since: string | null; follow: boolean },
    signal: AbortSignal,
  ) => Promise<AsyncIterable<AppLogLine>>;
  signal: AbortSignal;
  /** An answer is open (what there is was asked for, or the follow that comes after it). */
  onOpen: () => void;
  /** A line not received before (a reopened stream's repeats are left out). */
  onLine: (line: AppLogLine) => void;
  /** The stream dropped: it is opened again after `delayMs`. */
  onRetry: (error: unknown, delayMs: number) => void;
  /** Resolves after `ms`, or at once when the signal aborts. */
  wait?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/**
 * Follows an app's log stream until the signal aborts, through dropped connections and berthd's
 * restarts (after retryDelay, counted from the last time a line came; berthd's 429 asks for its
 * longest). Each time, what there is is read first without `follow` (the last lines; after a
 * drop, those since where it left off: ResumePoint), then followed from there (the agent answers
 * a follow once it has read each replica's tail: apps/agent/src/logs/tail-then-live.ts). Rejects
 * with an error it will not retry (a refusal, an invalid line: see mayRetry); resolves when the
 * signal aborts.
 */
export async function followLogs(options: FollowLogsOptions): Promise<void> {
  const { open, signal, wait = waitFor } = options;
  const point = new ResumePoint();
  let failures = 0;
  let follow = false;
  while (!signal.aborted) {
    try {
      const repeats = point.repeats();
      const lines = await open({ since: point.since, follow }, signal);
      options.onOpen();
      for await (const line of lines) {
        failures = 0;
        if (repeats(line)) continue;
        point.see(line);
        options.onLine(line);
      }
      if (!follow) {
        // The last lines are in: from here on, followed.
        follow = true;
        continue;
      }
      throw new LogStreamEndedError();
    } catch (error) {
      if (signal.aborted) return;
      follow = false;
      if (!(error instanceof LogStreamEndedError) && !mayRetry(error)) throw error;
      const delay = error instanceof ApiError && error.status === 429 ? RETRY_MS.max : retryDelay(failures);
      failures += 1;
      options.onRetry(error, delay);
      await wait(delay, signal);
    }
  }
}
