import assert from 'node:assert/strict';
import { test } from 'node:test';
import { latestRunAtOrBefore, nextRuns, parseSchedule, type Schedule } from './parse.js';

/**
 * Daylight saving time, as in Vixie cron: a job at fixed wall-clock times (no `*`, no step)
 * that falls into the spring-forward gap runs once at the first valid time after the gap, and
 * once (the first occurrence) when the time occurs twice in autumn; an interval job (`*`, a
 * step) skips the times that do not exist and runs at both occurrences of a repeated time,
 * so it keeps its real-time spacing.
 */

const ms = (iso: string): number => Date.parse(iso);
const iso = (list: number[]): string[] => list.map((t) => new Date(t).toISOString());

function parsed(expr: string, tz: string): Schedule {
  const r = parseSchedule(expr, tz);
  if (!r.ok) assert.fail(r.reason);
  return r.schedule;
}

test('Europe/Berlin spring forward (29 March 2026, 02:00 → 03:00): 02:30 runs at 03:00 CEST, once', () => {
  const s = parsed('30 2 * * *', 'Europe/Berlin');
  assert.deepEqual(iso(nextRuns(s, ms('2026-03-28T12:00:00Z'), 3)), [
    '2026-03-29T01:00:00.000Z', // 03:00 CEST, the first time after the gap
    '2026-03-30T00:30:00.000Z', // 02:30 CEST
    '2026-03-31T00:30:00.000Z',
  ]);
});

test('Europe/Berlin spring forward: every 30 minutes skips the hour that does not exist', () => {
  const s = parsed('*/30 * * * *', 'Europe/Berlin');
  assert.deepEqual(iso(nextRuns(s, ms('2026-03-29T00:00:00Z'), 3)), [
    '2026-03-29T00:30:00.000Z', // 01:30 CET
    '2026-03-29T01:00:00.000Z', // 03:00 CEST
    '2026-03-29T01:30:00.000Z', // 03:30 CEST
  ]);
});

test('Europe/Berlin fall back (25 October 2026, 03:00 → 02:00): 02:30 runs once, interval jobs twice', () => {
  assert.deepEqual(iso(nextRuns(parsed('30 2 * * *', 'Europe/Berlin'), ms('2026-10-24T12:00:00Z'), 2)), [
    '2026-10-25T00:30:00.000Z', // 02:30 CEST; not again at 02:30 CET
    '2026-10-26T01:30:00.000Z', // 02:30 CET
  ]);
  assert.deepEqual(iso(nextRuns(parsed('30 * * * *', 'Europe/Berlin'), ms('2026-10-24T23:00:00Z'), 4)), [
    '2026-10-24T23:30:00.000Z', // 01:30 CEST
    '2026-10-25T00:30:00.000Z', // 02:30 CEST
    '2026-10-25T01:30:00.000Z', // 02:30 CET
    '2026-10-25T02:30:00.000Z', // 03:30 CET
  ]);
});

test('a list of fixed times is fixed too (Vixie cron): 02:30 of `30 2,14` is neither lost nor doubled', () => {
  const s = parsed('30 2,14 * * *', 'Europe/Berlin');
  assert.deepEqual(iso(nextRuns(s, ms('2026-03-29T00:00:00Z'), 2)), [
    '2026-03-29T01:00:00.000Z', // 03:00 CEST, for 02:30
    '2026-03-29T12:30:00.000Z', // 14:30 CEST
  ]);
  assert.deepEqual(iso(nextRuns(s, ms('2026-10-25T00:00:00Z'), 2)), [
    '2026-10-25T00:30:00.000Z', // 02:30 CEST only
    '2026-10-25T13:30:00.000Z', // 14:30 CET
  ]);
});

test('America/New_York spring forward (8 March 2026): 02:30 runs at 03:00 EDT', () => {
  assert.deepEqual(iso(nextRuns(parsed('30 2 * * *', 'America/New_York'), ms('2026-03-07T12:00:00Z'), 2)), [
    '2026-03-08T07:00:00.000Z', // 03:00 EDT
    '2026-03-09T06:30:00.000Z', // 02:30 EDT
  ]);
});

test('America/New_York fall back (1 November 2026): 01:30 once, hourly at both 01:00s', () => {
  assert.deepEqual(iso(nextRuns(parsed('30 1 * * *', 'America/New_York'), ms('2026-10-31T12:00:00Z'), 2)), [
    '2026-11-01T05:30:00.000Z', // 01:30 EDT
    '2026-11-02T06:30:00.000Z', // 01:30 EST
  ]);
  assert.deepEqual(iso(nextRuns(parsed('0 * * * *', 'America/New_York'), ms('2026-11-01T04:30:00Z'), 3)), [
    '2026-11-01T05:00:00.000Z', // 01:00 EDT
    '2026-11-01T06:00:00.000Z', // 01:00 EST
    '2026-11-01T07:00:00.000Z', // 02:00 EST
  ]);
});

test('looking back agrees with looking forward across the gap and the overlap', () => {
  const berlin = parsed('30 2 * * *', 'Europe/Berlin');
  assert.equal(latestRunAtOrBefore(berlin, ms('2026-03-29T12:00:00Z')), ms('2026-03-29T01:00:00Z'));
  assert.equal(latestRunAtOrBefore(berlin, ms('2026-10-25T12:00:00Z')), ms('2026-10-25T00:30:00Z'));
  // A fire time equal to the time given counts.
  assert.equal(latestRunAtOrBefore(berlin, ms('2026-10-25T00:30:00Z')), ms('2026-10-25T00:30:00Z'));
});
