// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
/**
 * RFC 2136 + TSIG against a real BIND 9 (test/support/bind9.ts): records written by Berth's own
 * UPDATE messages and read back with `dig`; wrong keys refused by the server itself.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { BerthError } from '@berth/protocol';
import { useBind9 } from '../../../../../test/support/bind9.js';
import { resolveDnsServer, exchangeTcp } from './dns-transport.js';
import { createDns01Provider, waitForTxt } from './index.js';
import { buildUpdate } from './rfc2136-message.js';
import { signMessage, verifyResponse, type TsigKey } from './tsig.js';

const bind = useBind9({ zones: ['example.test', 'sub.other.test'] });
const FAST = { visibilityTimeoutMs: 5000, visibilityIntervalMs: 50, requestTimeoutMs: 2000 };
const challengeValue = (): string => randomBytes(32).toString('base64url');

const provider = (overrides: { secret?: string; keyName?: string; zone?: string } = {}) =>
  createDns01Provider(
    {
      kind: 'rfc2136',
      server: bind().address,
      keyName: overrides.keyName ?? bind().key.name,
      algorithm: 'hmac-sha256',
      secret: overrides.secret ?? bind().key.secret,
      ...(overrides.zone ? { zone: overrides.zone } : {}),
    },
    FAST,
  );

test('publish adds a TXT value beside others of the same name; withdraw removes exactly that one', async () => {
  const dns01 = provider();
  const fqdn = '_acme-challenge.example.test';
  // A wildcard and its apex share the record name with two values: neither may remove the other.
  const [apex, wildcard] = [challengeValue(), challengeValue()];
  await dns01.publish(fqdn, apex);
  await dns01.publish(fqdn, wildcard);
  assert.deepEqual((await bind().txt(fqdn)).sort(), [apex, wildcard].sort());
  await dns01.withdraw(fqdn, apex);
  assert.deepEqual(await bind().txt(fqdn), [wildcard]);
  await dns01.withdraw(fqdn, wildcard);
  assert.deepEqual(await bind().txt(fqdn), []);
});

test('HMAC-SHA512 keys work the same', async () => {
  const { name, secret } = bind().keySha512;
  const dns01 = createDns01Provider(
    { kind: 'rfc2136', server: bind().address, keyName: name, algorithm: 'hmac-sha512', secret },
    FAST,
  );
  const fqdn = '_acme-challenge.sha512.example.test';
  const value = challengeValue();
  await dns01.publish(fqdn, value);
  assert.deepEqual(await bind().txt(fqdn), [value]);
  await dns01.withdraw(fqdn, value);
  assert.deepEqual(await bind().txt(fqdn), []);
  // The right secret under the wrong algorithm: BIND knows no such key (name + algorithm).
  await assert.rejects(
    createDns01Provider(
      { kind: 'rfc2136', server: bind().address, keyName: name, algorithm: 'hmac-sha256', secret },
      FAST,
    ).publish(fqdn, value),
    { code: 'DNS_PROVIDER_FAILED', message: /NOTAUTH\/BADKEY/ },
  );
});

test('the zone is found by SOA queries walking up the name, or taken as given', async () => {
  const deep = '_acme-challenge.a.b.sub.other.test';
  const value = challengeValue();
  await provider().publish(deep, value);
  assert.deepEqual(await bind().txt(deep), [value]);
  await provider({ zone: 'sub.other.test' }).withdraw(deep, value);
  assert.deepEqual(await bind().txt(deep), []);
  await assert.rejects(provider().publish('_acme-challenge.nowhere.test', challengeValue()), {
    code: 'DNS_PROVIDER_FAILED',
    message: new RegExp(
      `${bind().address} is authoritative for no zone holding _acme-challenge\\.nowhere\\.test`,
    ),
  });
  await assert.rejects(
    provider({ zone: 'example.test' }).publish('_acme-challenge.x.other.test', challengeValue()),
    {
      code: 'VALIDATION_FAILED',
      message: /_acme-challenge\.x\.other\.test is not in the zone example\.test/,
    },
  );
});

test('a wrong TSIG secret is refused by the server (NOTAUTH/BADSIG), and the secret is in no message', async () => {
  const secret = randomBytes(32).toString('base64');
  const failure = await provider({ secret })
    .publish('_acme-challenge.example.test', challengeValue())
    .then(
      () => assert.fail('the update must be refused'),
      (e: unknown) => e,
    );
  assert.ok(failure instanceof BerthError, String(failure));
  assert.equal(failure.code, 'DNS_PROVIDER_FAILED');
  assert.match(
    failure.message,
    /RFC 2136 update \(add TXT _acme-challenge\.example\.test\) at .* failed: NOTAUTH\/BADSIG/,
  );
  assert.match(failure.hint ?? '', /secret/);
  const everything = JSON.stringify([failure.message, failure.hint, failure.logs]);
  assert.ok(
    !everything.includes(secret) && !everything.includes(bind().key.secret),
    'no secret in the error',
  );
  assert.deepEqual(await bind().txt('_acme-challenge.example.test'), []);
});

test('a key the server does not know is refused (NOTAUTH/BADKEY)', async () => {
  await assert.rejects(
    provider({ keyName: 'not-a-key' }).publish('_acme-challenge.example.test', challengeValue()),
    {
      code: 'DNS_PROVIDER_FAILED',
      message: /NOTAUTH\/BADKEY: the server refused the TSIG signature of key not-a-key/,
    },
  );
});

test('waitForTxt names the record and the server when the value never shows', async () => {
  const started = Date.now();
  await assert.rejects(
    waitForTxt({
      fqdn: '_acme-challenge.example.test',
      value: challengeValue(),
      servers: [bind().address],
      timeoutMs: 400,
      intervalMs: 50,
    }),
    {
      code: 'DNS_RECORD_NOT_VISIBLE',
      message: new RegExp(
        `The TXT record _acme-challenge\\.example\\.test with the challenge value did not appear at ${bind().address} \\(no TXT value\\) within 0\\.4 s`,
      ),
    },
  );
  assert.ok(Date.now() - started < 2000, 'bounded by its timeout');
});

test('hostile record names and values are refused before anything is sent', async () => {
  await assert.rejects(provider().publish('_acme-challenge.example.test;rm', challengeValue()), {
    code: 'VALIDATION_FAILED',
    message: /Not a DNS name a DNS-01 record can have/,
  });
  await assert.rejects(provider().publish('_acme-challenge.example.test', 'a"b c'), {
    code: 'VALIDATION_FAILED',
    message: /A DNS-01 value must be base64url text/,
  });
});

test("the server's signed answer verifies, and a changed byte, another request or a late clock do not", async () => {
  const key: TsigKey = {
    name: bind().key.name,
    algorithm: 'hmac-sha256',
    secret: Buffer.from(bind().key.secret, 'base64'),
  };
  const record = { fqdn: '_acme-challenge.verify.example.test', value: challengeValue() };
  const now = Date.now();
  const signed = signMessage(buildUpdate('example.test', record, 'delete'), key, now);
  const answer = await exchangeTcp(await resolveDnsServer(bind().address), signed.message, 2000);
  assert.deepEqual(verifyResponse(answer, key, signed.mac, now), { kind: 'verified' });
  const changed = Buffer.from(answer);
  changed[3] = (changed[3] ?? 0) ^ 0x01; // the response code's lowest bit: NOERROR → FORMERR
  assert.deepEqual(verifyResponse(changed, key, signed.mac, now), {
    kind: 'invalid',
    reason: "the answer's TSIG signature does not verify",
  });
  const otherRequest = Buffer.from(signed.mac);
  otherRequest[0] = (otherRequest[0] ?? 0) ^ 0xff;
  assert.equal(verifyResponse(answer, key, otherRequest, now).kind, 'invalid');
  assert.deepEqual(verifyResponse(answer, key, signed.mac, now + 600_000), {
    kind: 'invalid',
    reason: "the answer's TSIG time is outside its fudge (check the clocks)",
  });
  assert.deepEqual(verifyResponse(answer.subarray(0, answer.length - 5), key, signed.mac, now), {
    kind: 'invalid',
    reason: 'the answer is malformed',
  });
});
