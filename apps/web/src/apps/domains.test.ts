import assert from 'node:assert/strict';
import { test } from 'node:test';
import { certificateDetail, certificateTone, domainRole, expiresSoon } from './domains.js';

const now = Date.UTC(2025, 0, 1, 12);
const day = 24 * 60 * 60 * 1000;
const inDays = (d: number): string => new Date(now + d * day).toISOString();

test('an issued certificate says who issued it and until when; one that runs out soon is pointed out', () => {
  const issued = {
    status: 'issued',
    issuer: "Let's Encrypt",
    expiresAt: inDays(80),
    lastError: null,
  } as const;
  assert.equal(certificateDetail(issued, now), "from Let's Encrypt, expires in 80 d");
  assert.equal(certificateTone(issued, now), 'ok');
  const soon = { ...issued, expiresAt: inDays(3) };
  assert.equal(expiresSoon(soon, now), true);
  assert.equal(certificateTone(soon, now), 'busy');
  assert.equal(
    certificateDetail({ ...issued, expiresAt: inDays(-2) }, now),
    "from Let's Encrypt, expired 2 d ago",
  );
  assert.equal(certificateDetail({ ...issued, issuer: null, expiresAt: null }, now), 'issued');
  assert.equal(expiresSoon({ expiresAt: 'never' }, now), false);
});

test('pending, renewing and failed say what is happening, the CA’s word as it came', () => {
  const none = { issuer: null, expiresAt: null, lastError: null };
  assert.match(certificateDetail({ ...none, status: 'pending' }, now), /plain HTTP/);
  assert.equal(certificateTone({ ...none, status: 'pending' }, now), 'busy');
  assert.equal(
    certificateDetail({ status: 'renewing', issuer: 'Pebble', expiresAt: inDays(20), lastError: null }, now),
    'Renewing; the current one is from Pebble, expires in 20 d',
  );
  const failed = {
    ...none,
    status: 'failed',
    lastError: '<b>DNS for a.example has no A record</b>',
  } as const;
  assert.equal(certificateDetail(failed, now), '<b>DNS for a.example has no A record</b>');
  assert.equal(certificateTone(failed, now), 'bad');
  assert.equal(certificateDetail({ ...failed, lastError: null }, now), 'The last attempt failed');
});

test('how the app holds a name', () => {
  assert.equal(domainRole({ kind: 'primary', redirectTo: null }), 'primary');
  assert.equal(domainRole({ kind: 'redirect', redirectTo: 'example.com' }), 'redirects to example.com');
  assert.equal(domainRole({ kind: 'default', redirectTo: null }), 'default name');
});
