import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dueRun, MISSED_COUNT_LIMIT, nextWakeAt } from './missed-runs.js';
import { parseSchedule, type Schedule } from './parse.js';

const ms = (iso: string): number => Date.parse(iso);

function parsed(expr: string, tz?: string): Schedule {
  const r = parseSchedule(expr, tz);
  if (!r.ok) assert.fail(r.reason);
  return r.schedule;
}

const hourly = parsed('0 * * * *');
const created = ms('2026-01-01T00:10:00Z');

test('first run ever: nothing before the first fire time after creation, then that one', () => {
  assert.equal(dueRun(hourly, null, created, ms('2026-01-01T00:59:59.999Z')), null);
  assert.deepEqual(dueRun(hourly, null, created, ms('2026-01-01T01:00:00Z')), {
    runAt: ms('2026-01-01T01:00:00Z'),
    missed: 0,
    missedCapped: false,
  });
  // A fire time at the very moment of creation does not count.
  assert.equal(dueRun(hourly, null, ms('2026-01-01T01:00:00Z'), ms('2026-01-01T01:30:00Z')), null);
});

test('down for 0 fire times: nothing is due', () => {
  const last = ms('2026-01-01T05:00:00Z');
  assert.equal(dueRun(hourly, last, created, ms('2026-01-01T05:59:00Z')), null);
  assert.equal(dueRun(hourly, last, created, last), null);
});

test('on time: the fire time just passed, nothing missed', () => {
  const last = ms('2026-01-01T05:00:00Z');
  assert.deepEqual(dueRun(hourly, last, created, ms('2026-01-01T06:00:00.020Z')), {
    runAt: ms('2026-01-01T06:00:00Z'),
    missed: 0,
    missedCapped: false,
  });
});

test('down for 3 fire times: ONE run, for the latest, the 2 before it counted as missed', () => {
  const last = ms('2026-01-01T05:00:00Z');
  // berthd stopped at 05:30 and came back at 08:40: 06:00, 07:00 and 08:00 passed.
  assert.deepEqual(dueRun(hourly, last, created, ms('2026-01-01T08:40:00Z')), {
    runAt: ms('2026-01-01T08:00:00Z'),
    missed: 2,
    missedCapped: false,
  });
  // Once the scheduler records runAt, nothing more is due: no pile-up.
  assert.equal(dueRun(hourly, ms('2026-01-01T08:00:00Z'), created, ms('2026-01-01T08:40:01Z')), null);
  // First run ever after the same downtime: one run as well.
  assert.deepEqual(dueRun(hourly, null, created, ms('2026-01-01T03:05:00Z')), {
    runAt: ms('2026-01-01T03:00:00Z'),
    missed: 2,
    missedCapped: false,
  });
});

test('a seconds schedule down for a day: one run, the count of missed times capped', () => {
  const every2s = parsed('*/2 * * * * *');
  const last = ms('2026-01-01T00:00:00Z');
  const due = dueRun(every2s, last, created, ms('2026-01-02T00:00:01Z'));
  assert.deepEqual(due, {
    runAt: ms('2026-01-02T00:00:00Z'),
    missed: MISSED_COUNT_LIMIT,
    missedCapped: true,
  });
});

test('a nightly job in Berlin down across the spring-forward night: one run at 03:00 CEST', () => {
  const nightly = parsed('30 2 * * *', 'Europe/Berlin');
  const last = ms('2026-03-27T01:30:00Z'); // 27 March 02:30 CET
  assert.deepEqual(dueRun(nightly, last, created, ms('2026-03-29T09:00:00Z')), {
    runAt: ms('2026-03-29T01:00:00Z'),
    missed: 1, // 28 March
    missedCapped: false,
  });
});

test('a clock that went backwards, or nonsense, makes nothing due', () => {
  const last = ms('2026-01-01T05:00:00Z');
  assert.equal(dueRun(hourly, last, created, ms('2026-01-01T04:00:00Z')), null);
  assert.equal(dueRun(hourly, last, created, Number.NaN), null);
});

test('nextWakeAt: now when due, else the next fire time', () => {
  const last = ms('2026-01-01T05:00:00Z');
  assert.equal(nextWakeAt(hourly, last, created, ms('2026-01-01T05:20:00Z')), ms('2026-01-01T06:00:00Z'));
  const now = ms('2026-01-01T07:20:00Z');
  assert.equal(nextWakeAt(hourly, last, created, now), now);
  assert.equal(nextWakeAt(hourly, null, created, ms('2026-01-01T00:20:00Z')), ms('2026-01-01T01:00:00Z'));
});
