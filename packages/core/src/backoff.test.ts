import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { backoffDelayMs } from './backoff.js';

const policy = { firstMs: 500, maxMs: 60_000 };

test('backoff doubles from firstMs and stops at maxMs', () => {
  const delays = [1, 2, 3, 4, 7, 8, 9, 50].map((n) => backoffDelayMs(n, policy));
  assert.deepEqual(delays, [500, 1000, 2000, 4000, 32_000, 60_000, 60_000, 60_000]);
});

test('backoff treats no failure yet, fractions and nonsense as the first failure', () => {
  for (const n of [0, -3, 0.5, Number.NaN]) assert.equal(backoffDelayMs(n, policy), 500, String(n));
  assert.equal(backoffDelayMs(2.9, policy), 1000);
  assert.equal(backoffDelayMs(Number.POSITIVE_INFINITY, policy), 60_000);
  assert.equal(backoffDelayMs(100_000, policy), 60_000);
});

test('backoff never shrinks with more failures and stays within [firstMs, maxMs]', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 2000 }), (n, firstMs) => {
      const p = { firstMs, maxMs: firstMs * 100 };
      const d = backoffDelayMs(n, p);
      assert.ok(d >= firstMs && d <= p.maxMs);
      assert.ok(backoffDelayMs(n + 1, p) >= d);
    }),
  );
});
