/**
 * When a scheduled job is due, with the missed-run policy: after berthd was down across several
 * fire times the job runs ONCE, for the latest missed time, never once per missed time (a
 * nightly job does not run seven times in a row after a week offline).
 */
import { latestRunAtOrBefore, nextRuns, type Schedule } from './parse.js';

export interface DueRun {
  /** The fire time this run stands for: record it as the job's last run time (see dueRun). */
  runAt: number;
  /** Earlier fire times since the last run that are skipped in favour of runAt (0 when on time). */
  missed: number;
  /** True when there were more skipped fire times than were counted (MISSED_COUNT_LIMIT). */
  missedCapped: boolean;
}

/** Counting skipped fire times walks the calendar one by one: stop counting here. */
export const MISSED_COUNT_LIMIT = 100;

/**
 * The run to start now, or null when nothing is due. `lastRunMs` is the `runAt` of the last fire
 * time the scheduler acted on (null before the first), `createdAtMs` when the job was created
 * (fire times at or before it never count).
 *
 * The caller must record `runAt` as the new `lastRunMs` whatever it then does with the run
 * (start, skip by the concurrency policy, replace), or the same fire time stays due.
 */
export function dueRun(
  schedule: Schedule,
  lastRunMs: number | null,
  createdAtMs: number,
  nowMs: number,
): DueRun | null {
  const since = lastRunMs ?? createdAtMs;
  // Also false for NaN, and when the clock went back behind the last run.
  if (!(nowMs > since)) return null;
  const [first] = nextRuns(schedule, since, 1);
  if (first === undefined || first > nowMs) return null;
  const runAt = latestRunAtOrBefore(schedule, nowMs) ?? first;
  if (runAt === first) return { runAt, missed: 0, missedCapped: false };

  let missed = 0;
  let cursor = first;
  while (cursor < runAt && missed < MISSED_COUNT_LIMIT) {
    missed += 1;
    const [next] = nextRuns(schedule, cursor, 1);
    if (next === undefined) break;
    cursor = next;
  }
  return { runAt, missed, missedCapped: cursor < runAt };
}

/**
 * When the scheduler should look at this job again: `nowMs` if a run is due, else the next fire
 * time after the last run, or null if the schedule never fires again.
 */
export function nextWakeAt(
  schedule: Schedule,
  lastRunMs: number | null,
  createdAtMs: number,
  nowMs: number,
): number | null {
  if (dueRun(schedule, lastRunMs, createdAtMs, nowMs)) return nowMs;
  const [next] = nextRuns(
    schedule,
    Math.max(lastRunMs ?? createdAtMs, Number.isFinite(nowMs) ? nowMs : 0),
    1,
  );
  return next ?? null;
}
