import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_RETRY_AFTER_MS, parseRetryAfter } from './retry-after.js';

const NOW = Date.UTC(2026, 11, 3, 20, 0, 0);

test('delay-seconds: the wait in ms, surrounding whitespace allowed', () => {
  assert.equal(parseRetryAfter('120', NOW), 120_000);
  assert.equal(parseRetryAfter('0', NOW), 0);
  assert.equal(parseRetryAfter(' \t3600 ', NOW), 3_600_000);
  assert.equal(parseRetryAfter('007', NOW), 7_000);
});

test('the three HTTP-date forms, as the time left until then', () => {
  assert.equal(parseRetryAfter('Thu, 03 Dec 2026 20:02:00 GMT', NOW), 120_000);
  assert.equal(parseRetryAfter('Thursday, 03-Dec-26 20:02:00 GMT', NOW), 120_000);
  assert.equal(parseRetryAfter('Thu Dec  3 20:02:00 2026', NOW), 120_000);
  assert.equal(parseRetryAfter('Thu Dec 03 20:00:01 2026', NOW), 1_000);
});

test('a date already past means now', () => {
  assert.equal(parseRetryAfter('Sun, 06 Nov 1994 08:49:37 GMT', NOW), 0);
  assert.equal(parseRetryAfter('Thu, 03 Dec 2026 19:59:59 GMT', NOW), 0);
  // RFC 850's two-digit year: 94 is 1994, not 2094 (more than 50 years ahead).
  assert.equal(parseRetryAfter('Sunday, 06-Nov-94 08:49:37 GMT', NOW), 0);
});

test('a wait beyond a week is cut to a week', () => {
  assert.equal(parseRetryAfter('999999999', NOW), MAX_RETRY_AFTER_MS);
  assert.equal(parseRetryAfter('1'.repeat(400), NOW), MAX_RETRY_AFTER_MS);
  assert.equal(parseRetryAfter('Fri, 01 Jan 2100 00:00:00 GMT', NOW), MAX_RETRY_AFTER_MS);
  // 76-12-03 is 2076, within 50 years: in the future, so capped rather than read as 1976.
  assert.equal(parseRetryAfter('Thursday, 03-Dec-76 20:00:00 GMT', NOW), MAX_RETRY_AFTER_MS);
});

test('anything else is no Retry-After at all', () => {
  for (const value of [
    undefined,
    null,
    120,
    ['120'],
    '',
    '   ',
    '-5',
    '+5',
    '1.5',
    '1e3',
    '120 seconds',
    '0x10',
    'soon',
    '2026-12-03T20:02:00Z',
    'Thu, 03 Dec 2026 20:02:00 UTC',
    'thu, 03 dec 2026 20:02:00 gmt',
    'Thu, 3 Dec 2026 20:02:00 GMT',
    'Thu, 31 Feb 2026 20:02:00 GMT',
    'Thu, 03 Dec 2026 24:00:00 GMT',
    'Thu, 03 Dec 2026 20:60:00 GMT',
    'Thu, 03 Dec 2026 20:02:00 GMT, 120',
  ])
    assert.equal(parseRetryAfter(value, NOW), undefined, JSON.stringify(value));
});
