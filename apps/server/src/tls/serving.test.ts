import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renewAtOf } from './serving.js';

test('a certificate is renewed two thirds into its validity as written, in whole seconds', () => {
  const issuedAt = Date.parse('2026-12-04T10:00:00.900Z');
  // Meant to hold 5 s (until 10:00:05.900), written as 10:00:05 (4.1 s): renewed at 2.7 s, not 3.3 s.
  const at = renewAtOf(issuedAt, new Date(issuedAt + 5_000));
  assert.equal(at - issuedAt, Math.floor((4_100 * 2) / 3));
  assert.ok(Date.parse('2026-12-04T10:00:05.000Z') - at >= 1_300, 'a third of the real validity is left');
  // A day's certificate: the second dropped does not matter.
  const day = renewAtOf(issuedAt, new Date(issuedAt + 86_400_000));
  assert.ok(Math.abs(day - issuedAt - 57_600_000) < 1_000);
});
