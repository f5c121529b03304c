import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTokenName, mayRevoke, parseExpiryDays, tokenState } from './token-state.js';

const now = Date.parse('2025-01-01T12:00:00Z');

test('a token is active until revoked or past its expiry', () => {
  assert.equal(tokenState({ revokedAt: null, expiresAt: null }, now), 'active');
  assert.equal(tokenState({ revokedAt: null, expiresAt: '2025-02-01T00:00:00Z' }, now), 'active');
  assert.equal(tokenState({ revokedAt: null, expiresAt: '2024-12-01T00:00:00Z' }, now), 'expired');
  assert.equal(
    tokenState({ revokedAt: '2024-12-01T00:00:00Z', expiresAt: '2024-11-01T00:00:00Z' }, now),
    'revoked',
  );
  assert.equal(mayRevoke({ revokedAt: null }), true);
  assert.equal(mayRevoke({ revokedAt: '2024-12-01T00:00:00Z' }), false);
});

test('token names and expiry days follow berthd rules', () => {
  assert.equal(isTokenName('ci'), true);
  assert.equal(isTokenName('deploy.bot_2-x'), true);
  assert.equal(isTokenName('CI'), false);
  assert.equal(isTokenName('-ci'), false);
  assert.equal(isTokenName('ci-'), false);
  assert.equal(isTokenName('a'.repeat(65)), false);
  assert.deepEqual(parseExpiryDays(''), { ok: true, value: null });
  assert.deepEqual(parseExpiryDays(' 90 '), { ok: true, value: 90 });
  for (const bad of ['0', '3651', '1.5', '-3', 'never']) assert.equal(parseExpiryDays(bad).ok, false, bad);
});
