import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextRuns, parseSchedule, type Schedule } from './parse.js';

const ms = (iso: string): number => Date.parse(iso);
const iso = (list: number[]): string[] => list.map((t) => new Date(t).toISOString());

function parsed(expr: string, tz?: string): Schedule {
  const r = parseSchedule(expr, tz);
  if (!r.ok) assert.fail(`${expr}: ${r.reason}`);
  return r.schedule;
}

function refused(expr: string, tz?: string): string {
  const r = parseSchedule(expr, tz);
  if (r.ok) assert.fail(`${expr} was accepted`);
  return r.reason;
}

test('5 fields fire on the minute, read in UTC by default', () => {
  const s = parsed('30 2 * * *');
  assert.deepEqual(s, { expression: '30 2 * * *', timeZone: 'UTC', hasSeconds: false });
  assert.deepEqual(iso(nextRuns(s, ms('2026-01-01T00:00:00Z'), 2)), [
    '2026-01-01T02:30:00.000Z',
    '2026-01-02T02:30:00.000Z',
  ]);
});

test('6 fields: every 2 seconds, strictly after the time given', () => {
  const s = parsed('*/2 * * * * *');
  assert.equal(s.hasSeconds, true);
  assert.deepEqual(iso(nextRuns(s, ms('2026-01-01T00:00:00.000Z'), 3)), [
    '2026-01-01T00:00:02.000Z',
    '2026-01-01T00:00:04.000Z',
    '2026-01-01T00:00:06.000Z',
  ]);
  assert.deepEqual(iso(nextRuns(s, ms('2026-01-01T00:00:01.999Z'), 1)), ['2026-01-01T00:00:02.000Z']);
});

test('leap day: 29 February fires only in leap years', () => {
  const s = parsed('0 12 29 2 *');
  assert.deepEqual(iso(nextRuns(s, ms('2025-03-01T00:00:00Z'), 3)), [
    '2028-02-29T12:00:00.000Z',
    '2032-02-29T12:00:00.000Z',
    '2036-02-29T12:00:00.000Z',
  ]);
});

test('nicknames are the usual ones, in any case; stored lowercase', () => {
  const from = ms('2026-01-01T00:00:00Z');
  const cases: Array<[string, string]> = [
    ['@yearly', '2027-01-01T00:00:00.000Z'],
    ['@annually', '2027-01-01T00:00:00.000Z'],
    ['@monthly', '2026-02-01T00:00:00.000Z'],
    ['@weekly', '2026-01-04T00:00:00.000Z'], // a Sunday
    ['@DAILY', '2026-01-02T00:00:00.000Z'],
    ['@midnight', '2026-01-02T00:00:00.000Z'],
    ['@hourly', '2026-01-01T01:00:00.000Z'],
  ];
  for (const [expr, first] of cases) {
    const s = parsed(expr);
    assert.equal(s.expression, expr.toLowerCase());
    assert.deepEqual(iso(nextRuns(s, from, 1)), [first], expr);
  }
});

test('day-of-month and day-of-week combine with OR, as in Vixie cron; names work', () => {
  assert.deepEqual(iso(nextRuns(parsed('0 0 13 * 5'), ms('2026-01-01T00:00:00Z'), 3)), [
    '2026-01-02T00:00:00.000Z', // Friday
    '2026-01-09T00:00:00.000Z', // Friday
    '2026-01-13T00:00:00.000Z', // the 13th, a Tuesday
  ]);
  assert.deepEqual(iso(nextRuns(parsed('0 9 * jan-mar MON-FRI'), ms('2026-01-02T10:00:00Z'), 1)), [
    '2026-01-05T09:00:00.000Z',
  ]);
});

test('fields are normalised to single spaces; time zones to their canonical IANA spelling', () => {
  const s = parsed('  0   3 * * *  ', 'europe/berlin');
  assert.equal(s.expression, '0 3 * * *');
  assert.equal(s.timeZone, 'Europe/Berlin');
});

test('refusals say what to change', () => {
  assert.match(refused('@reboot'), /@reboot is not supported.*@daily/);
  assert.match(refused('@often'), /unknown nickname "@often": use one of @yearly/);
  assert.match(refused(''), /empty/);
  assert.match(refused('* * * *'), /has 4 fields; a schedule has 5/);
  assert.match(refused('0 0 0 1 1 * 2030'), /has 7 fields/);
  assert.match(refused('61 * * * *'), /not a valid schedule: Invalid value for minute: 61/);
  assert.match(refused('0 24 * * *'), /hour: 24/);
  assert.match(refused('*/0 * * * *'), /illegal stepping: 0/);
  assert.match(refused('0 0 * * FOO'), /not a valid schedule/);
  assert.match(refused('0 0 30 2 *'), /never fires/);
  assert.match(refused('0 0 31 4,6,9,11 *'), /never fires/);
  assert.match(refused(`${'1,'.repeat(60)}1 * * * *`), /at most 100 are accepted/);
  assert.match(refused('* * * * *', 'Mars/Olympus'), /unknown time zone "Mars\/Olympus"/);
  assert.match(refused('* * * * *', '../../etc/localtime'), /not a time zone/);
  assert.match(refused('* * * * *', '+01:00'), /not a time zone/);
});

test('only the cron charset reaches the parser', () => {
  for (const hostile of [
    '* * * * *; rm -rf /',
    '$(touch /tmp/x) * * * *',
    '* * * * * `id`',
    '0 0 * * +1', // croner's AND modifier
    '2030-01-01T00:00:00', // croner would read this as a one-off date
    '*\t* * * *',
    '* * * * *\n* * * * *',
    "0 0 * * '1'",
  ]) {
    assert.match(refused(hostile), /characters a schedule cannot have|fields/, hostile);
  }
});

test('a Schedule not made by parseSchedule is refused, not silently evaluated', () => {
  const fake: Schedule = { expression: '* * * * *', timeZone: 'UTC', hasSeconds: false };
  assert.throws(() => nextRuns(fake, 0, 1), /re-parse stored expressions/);
});

test('nextRuns caps n and ignores nonsense', () => {
  const s = parsed('* * * * * *');
  assert.deepEqual(nextRuns(s, 0, 0), []);
  assert.deepEqual(nextRuns(s, 0, -5), []);
  assert.deepEqual(nextRuns(s, Number.NaN, 3), []);
  assert.equal(nextRuns(s, 0, 5000).length, 1000);
});
