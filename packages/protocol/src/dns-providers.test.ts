import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeDnsProvider, DnsProviderSettings } from './dns-providers.js';
import { parseOrThrow } from './validation.js';
import { BerthError } from './errors.js';

const SECRET = 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3I='; // 32 bytes
const TOKEN = 'cf_Token-0123456789abcdefghijklmnopqrstuv';
const rfc2136 = { kind: 'rfc2136', server: '192.0.2.1:5353', keyName: 'acme-key', secret: SECRET };

const refusal = (input: unknown): BerthError => {
  try {
    parseOrThrow(DnsProviderSettings, input, 'DNS provider settings');
  } catch (e) {
    assert.ok(e instanceof BerthError);
    return e;
  }
  return assert.fail(`accepted: ${JSON.stringify(input)}`);
};

test('valid settings of each kind, with their defaults', () => {
  assert.deepEqual(DnsProviderSettings.parse(rfc2136), { ...rfc2136, algorithm: 'hmac-sha256' });
  for (const server of ['192.0.2.1', 'ns1.example.com', 'ns1.example.com:53', '[2001:db8::1]:53', '[::1]'])
    assert.ok(DnsProviderSettings.safeParse({ ...rfc2136, server }).success, server);
  assert.ok(
    DnsProviderSettings.safeParse({ ...rfc2136, zone: 'example.com', algorithm: 'hmac-sha512' }).success,
  );
  assert.deepEqual(DnsProviderSettings.parse({ kind: 'cloudflare', apiToken: TOKEN }), {
    kind: 'cloudflare',
    apiToken: TOKEN,
    apiUrl: 'https://api.cloudflare.com/client/v4',
  });
  assert.ok(
    DnsProviderSettings.safeParse({ kind: 'cloudflare', apiToken: TOKEN, zoneId: 'a'.repeat(32) }).success,
  );
  assert.ok(
    DnsProviderSettings.safeParse({ kind: 'cloudflare', apiToken: TOKEN, apiUrl: 'http://127.0.0.1:8080/v4' })
      .success,
  );
  assert.deepEqual(DnsProviderSettings.parse({ kind: 'exec', program: '/usr/local/bin/dns-hook' }), {
    kind: 'exec',
    program: '/usr/local/bin/dns-hook',
    args: [],
    timeoutMs: 60_000,
  });
  assert.ok(
    DnsProviderSettings.safeParse({ kind: 'exec', program: '/opt/x', args: ['$(id)', '; ls'] }).success,
  );
});

test('hostile or malformed values are refused, naming the field', () => {
  const cases: [unknown, RegExp][] = [
    [{ ...rfc2136, server: '192.0.2.1:99999' }, /^server /],
    [{ ...rfc2136, server: 'ns1.example.com; rm' }, /^server /],
    [{ ...rfc2136, server: '192.0.2.1:53 192.0.2.2' }, /^server /],
    [{ ...rfc2136, keyName: 'Key Name' }, /^keyName /],
    [{ ...rfc2136, keyName: 'key";' }, /^keyName /],
    [{ ...rfc2136, zone: 'example.com.' }, /^zone /],
    [{ ...rfc2136, algorithm: 'hmac-md5' }, /^algorithm /],
    [{ ...rfc2136, secret: 'short' }, /^secret /],
    [{ ...rfc2136, secret: `${SECRET}\n` }, /^secret /],
    [{ ...rfc2136, extra: 1 }, /unknown field\(s\): extra/],
    [{ kind: 'cloudflare', apiToken: 'has space in it 0123456789' }, /^apiToken /],
    [{ kind: 'cloudflare', apiToken: TOKEN, zoneId: 'ZONE' }, /^zoneId /],
    [{ kind: 'cloudflare', apiToken: TOKEN, apiUrl: 'http://api.example.com/v4' }, /^apiUrl /],
    [{ kind: 'cloudflare', apiToken: TOKEN, apiUrl: 'https://u:p@api.example.com/v4' }, /^apiUrl /],
    [{ kind: 'cloudflare', apiToken: TOKEN, apiUrl: 'file:///etc/passwd' }, /^apiUrl /],
    [{ kind: 'exec', program: 'dns-hook' }, /^program /],
    [{ kind: 'exec', program: '/usr/bin/../../bin/sh' }, /^program /],
    [{ kind: 'exec', program: '/usr/local/bin/hook; id' }, /^program /],
    [{ kind: 'exec', program: '/usr/bin/x', args: ['a\0b'] }, /^args\.0 /],
    [{ kind: 'exec', program: '/usr/bin/x', timeoutMs: 10 }, /^timeoutMs /],
    [{ kind: 'powerdns' }, /^kind /],
  ];
  for (const [input, pattern] of cases) {
    const e = refusal(input);
    assert.equal(e.code, 'VALIDATION_FAILED');
    assert.ok(
      e.issues.some((i) => pattern.test(`${i.path} ${i.message}`)),
      `${JSON.stringify(input)}: ${JSON.stringify(e.issues)}`,
    );
  }
});

test('no message carries a secret, and describing settings leaves them out', () => {
  const badSecret = 'bm90LWEta2V5'; // valid base64, too short
  const e = refusal({ ...rfc2136, secret: badSecret });
  assert.ok(!JSON.stringify([e.message, e.issues]).includes(badSecret));
  const badToken = 'secret token with spaces 0123456789';
  const t = refusal({ kind: 'cloudflare', apiToken: badToken });
  assert.ok(!JSON.stringify([t.message, t.issues]).includes(badToken));
  const described = [
    describeDnsProvider(DnsProviderSettings.parse(rfc2136)),
    describeDnsProvider(DnsProviderSettings.parse({ kind: 'cloudflare', apiToken: TOKEN })),
  ];
  assert.deepEqual(described, [
    'rfc2136 192.0.2.1:5353 (key acme-key, hmac-sha256)',
    'cloudflare https://api.cloudflare.com/client/v4',
  ]);
});
