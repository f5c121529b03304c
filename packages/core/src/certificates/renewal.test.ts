import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { RENEWAL_RETRY, renewAt, retryDelay } from './renewal.js';

const DAY = 86_400_000;
const MIN = 60_000;
const at = (iso: string): number => Date.parse(iso);

test('renewal is due two thirds into the lifetime', () => {
  const table: [string, string, string][] = [
    // notBefore, notAfter, renewAt
    ['2026-01-01T00:00:00Z', '2026-04-01T00:00:00Z', '2026-03-02T00:00:00Z'], // 90 days → day 60
    ['2026-01-01T00:00:00Z', '2026-01-07T00:00:00Z', '2026-01-05T00:00:00Z'], // 6 days → day 4
    ['2026-01-01T00:00:00Z', '2026-01-01T00:00:03Z', '2026-01-01T00:00:02Z'], // 3 s → 2 s
    ['2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'], // no lifetime: at once
    ['2026-01-01T00:00:00Z', '2025-12-01T00:00:00Z', '2026-01-01T00:00:00Z'], // dates swapped: at once
  ];
  for (const [notBefore, notAfter, expected] of table)
    assert.equal(renewAt(at(notBefore), at(notAfter)), at(expected), `${notBefore}..${notAfter}`);
});

test('retries back off from 10 minutes to 12 hours; jitter spreads the upper half', () => {
  const table: [attempt: number, jitter: number, delayMs: number][] = [
    [1, 0, 5 * MIN],
    [1, 1, 10 * MIN],
    [1, 0.5, 7.5 * MIN],
    [2, 1, 20 * MIN],
    [3, 0, 20 * MIN],
    [7, 1, 640 * MIN],
    [8, 1, 12 * 60 * MIN], // capped
    [50, 0, 6 * 60 * MIN],
    [0, 1, 10 * MIN], // no failure yet counts as the first
    [1, -1, 5 * MIN], // jitter outside [0, 1] is clamped
    [1, 7, 10 * MIN],
    [1, Number.NaN, 5 * MIN],
  ];
  for (const [attempt, jitter, expected] of table)
    assert.equal(retryDelay(attempt, jitter), expected, `attempt ${attempt}, jitter ${jitter}`);
});

test('a CA’s Retry-After is never undercut, and never shortens the backoff', () => {
  assert.equal(retryDelay(1, 0, { retryAfterMs: 3 * 3_600_000 }), 3 * 3_600_000);
  assert.equal(retryDelay(4, 1, { retryAfterMs: 1000 }), 80 * MIN);
  assert.equal(retryDelay(1, 0, { retryAfterMs: Number.NaN }), 5 * MIN);
  assert.equal(retryDelay(2, 0, { policy: { firstMs: 100, maxMs: 1000 } }), 100);
});

test('five failed attempts in a row take over an hour whatever the jitter (a CA allows five per hour)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 4, maxLength: 4 }),
      (jitters) => {
        const waited = jitters.reduce((sum, j, i) => sum + retryDelay(i + 1, j), 0);
        assert.ok(waited > 60 * MIN, `${waited / MIN} min`);
      },
    ),
  );
});

test('the delay stays within [half the backoff, the cap] and the renewal inside the lifetime', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 100 }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.integer({ min: 0, max: 400 * DAY }),
      (attempt, jitter, lifetime) => {
        const d = retryDelay(attempt, jitter);
        assert.ok(d >= RENEWAL_RETRY.firstMs / 2 && d <= RENEWAL_RETRY.maxMs);
        assert.ok(retryDelay(attempt + 1, jitter) >= d);
        const notBefore = at('2026-01-01T00:00:00Z');
        const notAfter = notBefore + lifetime;
        const due = renewAt(notBefore, notAfter);
        assert.ok(due >= notBefore && due <= notAfter);
        assert.ok(notAfter - due >= lifetime / 3 - 1);
      },
    ),
  );
});
