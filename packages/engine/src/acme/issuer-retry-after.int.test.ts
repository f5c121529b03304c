/**
 * The CA's Retry-After reaches the issuer's error, so berthd never comes back sooner than asked.
 * The CA here is a stub (test/support/acme-stub.ts), not Pebble: Pebble has no rate limits and
 * never answers an error with Retry-After. Everything else is real: HTTPS on 127.0.0.1 trusted
 * through caCertPem, acme-client and its shared axios instance, the issuer's transport.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { afterEach, test } from 'node:test';
import { isBerthError } from '@berth/protocol';
import { startAcmeStub, type AcmeStub, type AcmeStubReply } from '../../../../test/support/acme-stub.js';
import { acmeRetryAfterMs } from './ca-error.js';
import { createAcmeIssuer } from './issuer.js';

const accountKeyPem = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
  .privateKey.export({ format: 'pem', type: 'pkcs8' })
  .toString();

const rateLimited = (retryAfter: string): AcmeStubReply => ({
  status: 429,
  headers: { 'retry-after': retryAfter },
  body: {
    type: 'urn:ietf:params:acme:error:rateLimited',
    detail: 'too many new orders recently: see https://letsencrypt.org/docs/rate-limits/',
    status: 429,
  },
});

let stub: AcmeStub | null = null;
afterEach(async () => {
  await stub?.close();
  stub = null;
});

const issuerAt = (s: AcmeStub): ReturnType<typeof createAcmeIssuer> =>
  createAcmeIssuer({
    directoryUrl: s.directoryUrl,
    caCertPem: s.caPem,
    accountKeyPem,
    email: 'ops@example.com',
    polling: { attempts: 3, minMs: 50, maxMs: 100 },
    requestTimeoutMs: 5_000,
  });

/** The rejection of `p`, which must reject. */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  assert.fail('expected a rejection');
}

test('a rate-limited new-order: ACME_ORDER_FAILED carries Retry-After: 120, asked once', async () => {
  const s = (stub = await startAcmeStub({ newOrder: () => rateLimited('120') }));
  const issuer = await issuerAt(s);
  const t0 = Date.now();
  const err = await rejection(issuer.order({ names: ['app.example.com'], challenge: { dns01: noDns } }));
  assert.ok(isBerthError(err), String(err));
  assert.equal(err.code, 'ACME_ORDER_FAILED');
  assert.match(err.message, /rateLimited: too many new orders recently/);
  assert.match(err.hint ?? '', /rate-limits/);
  assert.equal(acmeRetryAfterMs(err), 120_000);
  assert.ok(err.logs.includes('the CA asked to wait 2 min before the next attempt'), err.logs.join('\n'));
  // acme-client by itself sleeps a Retry-After and asks again (five times): handed back instead.
  assert.equal(s.count('newOrder'), 1, s.requests.join('\n'));
  assert.ok(Date.now() - t0 < 5_000, `answered in ${Date.now() - t0} ms`);
});

test('a rate-limited new-account: ACME_ACCOUNT_FAILED carries the wait', async () => {
  const s = (stub = await startAcmeStub({ newAccount: () => rateLimited('120') }));
  const err = await rejection(issuerAt(s));
  assert.ok(isBerthError(err), String(err));
  assert.equal(err.code, 'ACME_ACCOUNT_FAILED');
  assert.match(err.message, /rateLimited/);
  assert.equal(acmeRetryAfterMs(err), 120_000);
  assert.equal(s.count('newAccount'), 1, s.requests.join('\n'));
});

test('a directory down for maintenance: 503 with an HTTP-date, read as the time left', async () => {
  const t0 = Date.now();
  // An HTTP-date counts whole seconds: the wait is at most 10 min from the test's start.
  const until = new Date(Math.floor(t0 / 1000) * 1000 + 600_000);
  const s = (stub = await startAcmeStub({
    directory: () => ({
      status: 503,
      headers: { 'retry-after': until.toUTCString() },
      body: { type: 'urn:ietf:params:acme:error:serverInternal', detail: 'down for maintenance' },
    }),
  }));
  const err = await rejection(issuerAt(s));
  assert.ok(isBerthError(err), String(err));
  assert.equal(err.code, 'ACME_ACCOUNT_FAILED');
  assert.match(err.message, /HTTP 503/);
  const wait = acmeRetryAfterMs(err);
  assert.ok(wait !== undefined && wait > 590_000 && wait <= until.getTime() - t0, `waits ${wait} ms`);
});

test('a short Retry-After is still waited out in-process, and the call succeeds', async () => {
  const s = (stub = await startAcmeStub({
    newAccount: (n) => (n === 1 ? { ...rateLimited('1'), status: 503 } : undefined),
  }));
  const issuer = await issuerAt(s);
  assert.match(issuer.accountUrl, /\/account\/1$/);
  assert.equal(s.count('newAccount'), 2, s.requests.join('\n'));
});

test('an error without Retry-After has no wait, and other errors are not the issuer’s', async () => {
  const s = (stub = await startAcmeStub({
    newOrder: () => ({
      status: 400,
      body: { type: 'urn:ietf:params:acme:error:rejectedIdentifier', detail: 'policy forbids this name' },
    }),
  }));
  const err = await rejection(
    (await issuerAt(s)).order({ names: ['app.example.com'], challenge: { dns01: noDns } }),
  );
  assert.ok(isBerthError(err) && err.code === 'ACME_ORDER_FAILED', String(err));
  assert.equal(acmeRetryAfterMs(err), undefined);
  assert.equal(acmeRetryAfterMs(new Error('x')), undefined);
  assert.equal(acmeRetryAfterMs('x'), undefined);
});

/** The orders here fail before any challenge: a DNS-01 port that must not be called. */
const noDns = {
  publish: () => Promise.reject(new Error('no challenge expected')),
  withdraw: () => Promise.resolve(),
};
