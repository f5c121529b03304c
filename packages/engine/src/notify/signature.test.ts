import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import {
  newWebhookSecret,
  safeEqualHex,
  signNotification,
  verifyNotificationSignature,
} from './signature.js';

const NOW = Date.UTC(2026, 11, 3, 21, 0, 0);
const secret = 'whsec_test-secret';
const body = '{"id":"evt_12345678","type":"backup.failed"}';

test('the header is t=<unix seconds>,v1=<HMAC-SHA256 of "t.body">, as a receiver recomputes it', () => {
  const header = signNotification(secret, body, NOW + 999);
  const t = Math.floor(NOW / 1000);
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  assert.equal(header, `t=${t},v1=${expected}`);
  assert.deepEqual(verifyNotificationSignature(secret, header, body, NOW), {
    ok: true,
    timestampMs: t * 1000,
  });
  assert.deepEqual(verifyNotificationSignature(secret, header, Buffer.from(body), NOW + 60_000).ok, true);
});

test('the wrong secret is a mismatch', () => {
  const header = signNotification('whsec_other', body, NOW);
  assert.equal(verifyNotificationSignature(secret, header, body, NOW).ok, false);
  assert.equal(fail(verifyNotificationSignature(secret, header, body, NOW)), 'mismatch');
});

test('a tampered body is a mismatch, even by one byte or whitespace', () => {
  const header = signNotification(secret, body, NOW);
  assert.equal(
    fail(verifyNotificationSignature(secret, header, body.replace('failed', 'verified'), NOW)),
    'mismatch',
  );
  assert.equal(fail(verifyNotificationSignature(secret, header, `${body} `, NOW)), 'mismatch');
});

test('a stale (or far future) timestamp is refused, after the MAC checks out', () => {
  const header = signNotification(secret, body, NOW - 6 * 60_000);
  assert.equal(fail(verifyNotificationSignature(secret, header, body, NOW)), 'stale');
  assert.equal(verifyNotificationSignature(secret, header, body, NOW, 10 * 60_000).ok, true);
  const future = signNotification(secret, body, NOW + 6 * 60_000);
  assert.equal(fail(verifyNotificationSignature(secret, future, body, NOW)), 'stale');
  // A replay with the timestamp moved forward no longer matches: t is inside the MAC.
  const replay = header.replace(/^t=\d+/, `t=${Math.floor(NOW / 1000)}`);
  assert.equal(fail(verifyNotificationSignature(secret, replay, body, NOW)), 'mismatch');
});

test('while rotating, any of several v1 values may match; unknown schemes are skipped', () => {
  const both = signNotification(['whsec_new', secret], body, NOW);
  assert.equal(both.split(',').length, 3);
  assert.equal(verifyNotificationSignature(secret, both, body, NOW).ok, true);
  assert.equal(verifyNotificationSignature('whsec_new', both, body, NOW).ok, true);
  assert.equal(verifyNotificationSignature(secret, `${both},v2=abc`, body, NOW).ok, true);
});

test('malformed headers are refused before any comparison', () => {
  const good = signNotification(secret, body, NOW);
  const t = Math.floor(NOW / 1000);
  for (const header of [
    undefined,
    '',
    'v1=' + 'a'.repeat(64),
    `t=${t}`,
    `t=${t},v1=${'a'.repeat(63)}`,
    `t=${t},v1=${'A'.repeat(64)}`,
    `t=${t},v1=${'g'.repeat(64)}`,
    `t=abc,v1=${'a'.repeat(64)}`,
    `t=${t},t=${t},v1=${'a'.repeat(64)}`,
    `${good}=x`,
    `${good},${'v1='.padEnd(1100, 'a')}`,
  ]) {
    assert.equal(fail(verifyNotificationSignature(secret, header, body, NOW)), 'malformed', String(header));
  }
});

test('the comparison is over the decoded MAC, in constant time (timingSafeEqual)', () => {
  // Timing cannot be measured reliably in a unit test; what can be checked is that near misses at
  // the first and the last byte both fail, equal MACs pass, and a short candidate is refused
  // without reaching timingSafeEqual (which would throw on unequal lengths).
  const want = Buffer.from('ab'.repeat(32), 'hex');
  assert.equal(safeEqualHex(want, 'ab'.repeat(32)), true);
  assert.equal(safeEqualHex(want, `ac${'ab'.repeat(31)}`), false);
  assert.equal(safeEqualHex(want, `${'ab'.repeat(31)}ac`), false);
  assert.equal(safeEqualHex(want, 'ab'.repeat(31)), false);
});

test('new secrets are long, random and prefixed', () => {
  const a = newWebhookSecret();
  assert.match(a, /^whsec_[A-Za-z0-9_-]{43}$/);
  assert.notEqual(a, newWebhookSecret());
});

function fail(check: ReturnType<typeof verifyNotificationSignature>): string {
  if (check.ok) assert.fail('verified');
  return check.reason;
}
