import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import {
  csrfTokenFor,
  generateToken,
  hashToken,
  hmacSha256Hex,
  sha3_256Hex,
  timingSafeEqualStrings,
  verifyCsrfToken,
} from './tokens.js';

test('tokens: prefix, 32 random bytes base64url, unique; only the prefix is checked', () => {
  for (const prefix of ['berth', 'bs', 'bot']) {
    const token = generateToken(prefix);
    assert.match(token, new RegExp(`^${prefix}_[A-Za-z0-9_-]{43}$`));
    assert.equal(Buffer.from(token.slice(prefix.length + 1), 'base64url').length, 32);
  }
  assert.notEqual(generateToken('bs'), generateToken('bs'));
  for (const bad of ['', 'Berth', 'a_b', 'x'.repeat(17), '1abc'])
    assert.throws(() => generateToken(bad), /token prefix/);
});

test('digests and MACs match their standard definitions', () => {
  assert.equal(hashToken('abc'), createHash('sha256').update('abc').digest('hex'));
  // FIPS 202 test vector for "abc".
  assert.equal(sha3_256Hex('abc'), '3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532');
  // RFC 4231 test case 2.
  assert.equal(
    hmacSha256Hex('Jefe', 'what do ya want for nothing?'),
    '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
  );
});

test('timingSafeEqualStrings', () => {
  assert.equal(timingSafeEqualStrings('', ''), true);
  assert.equal(timingSafeEqualStrings('abc', 'abc'), true);
  assert.equal(timingSafeEqualStrings('abc', 'abd'), false);
  assert.equal(timingSafeEqualStrings('abc', 'abc\0'), false, 'zero padding does not make lengths equal');
  assert.equal(timingSafeEqualStrings('abc', 'ab'), false);
  assert.equal(timingSafeEqualStrings('', 'a'), false);
  assert.equal(timingSafeEqualStrings('é', 'é'), true);
  assert.equal(timingSafeEqualStrings('é', 'e\u0301'), false);
});

test('CSRF tokens verify for their session and key only', () => {
  const key = randomBytes(32);
  const token = csrfTokenFor(key, 'sess_1');
  assert.equal(csrfTokenFor(key, 'sess_1'), token, 'stable for a session');
  assert.equal(verifyCsrfToken(key, 'sess_1', token), true);
  assert.equal(verifyCsrfToken(key, 'sess_2', token), false);
  assert.equal(verifyCsrfToken(randomBytes(32), 'sess_1', token), false);
  assert.equal(verifyCsrfToken(key, 'sess_1', token.slice(1)), false);
  assert.equal(verifyCsrfToken(key, 'sess_1', ''), false);
  assert.equal(verifyCsrfToken(key, 'sess_1', undefined), false);
  assert.throws(() => csrfTokenFor(randomBytes(16), 'sess_1'), /at least 32 bytes/);
});
