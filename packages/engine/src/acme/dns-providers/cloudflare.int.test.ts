// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
/**
 * The Cloudflare provider against a local STAND-IN of Cloudflare's API v4
 * (test-support/cloudflare-stand-in.ts): Cloudflare itself cannot be reached from here. The
 * stand-in writes records through to a real BIND 9, so the wait for the record is real DNS.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { BerthError } from '@berth/protocol';
import { startBind9, type TestBind9 } from '../../../../../test/support/bind9.js';
import { createDns01Provider } from './index.js';
import type { Dns01ProviderOptions } from './provider-context.js';
import { startCloudflareStandIn, type CloudflareStandIn } from './test-support/cloudflare-stand-in.js';

interface Setup {
  bind: TestBind9;
  api: CloudflareStandIn;
  dir: string;
}
let setup: Promise<Setup> | null = null;
/** Started on first use (one `before` would race other top-level hooks of the file). */
const world = (): Promise<Setup> =>
  (setup ??= (async () => {
    const bind = await startBind9({ zones: ['example.test'] });
    const dir = await mkdtemp(join(tmpdir(), 'berth-cf-'));
    const keyfile = join(dir, 'tsig.key');
    const { name, algorithm, secret } = bind.key;
    await writeFile(keyfile, `key "${name}" { algorithm ${algorithm}; secret "${secret}"; };\n`, {
      mode: 0o600,
    });
    const api = await startCloudflareStandIn({
      zones: ['example.test', 'example.org'],
      dns: { keyfile, server: '127.0.0.1', port: bind.port },
    });
    return { bind, api, dir };
  })());
after(async () => {
  if (!setup) return;
  const { bind, api, dir } = await setup;
  await api.close();
  await bind.stop();
  await rm(dir, { recursive: true, force: true });
});

const challengeValue = (): string => randomBytes(32).toString('base64url');
const options = ({ bind }: Setup): Dns01ProviderOptions => ({
  // The zone's NS (ns.example.test → 127.0.0.1) asked on the test server's port, not 53.
  visibility: { check: 'authoritative', resolver: bind.address, nameserverPort: bind.port },
  visibilityTimeoutMs: 5000,
  visibilityIntervalMs: 50,
  requestTimeoutMs: 2000,
});

test('publish finds the zone by name, creates the TXT record and waits for DNS; withdraw deletes it by id', async () => {
  const w = await world();
  const dns01 = createDns01Provider(
    { kind: 'cloudflare', apiToken: w.api.token, apiUrl: w.api.apiUrl },
    options(w),
  );
  const fqdn = '_acme-challenge.www.example.test';
  const value = challengeValue();
  const from = w.api.requests.length;
  await dns01.publish(fqdn, value);
  assert.deepEqual(await w.bind.txt(fqdn), [value], 'in DNS when publish returns');
  await dns01.withdraw(fqdn, value);
  assert.deepEqual(await w.bind.txt(fqdn), []);
  const zoneId = [...w.api.zones].find(([, n]) => n === 'example.test')?.[0] ?? '';
  const recordId = /DELETE .*\/dns_records\/([a-f0-9]+)$/.exec(w.api.requests.at(-1) ?? '')?.[1];
  assert.deepEqual(w.api.requests.slice(from), [
    'GET /client/v4/zones?name=www.example.test',
    'GET /client/v4/zones?name=example.test',
    `POST /client/v4/zones/${zoneId}/dns_records`,
    // The zone's id is remembered, and the record's id too.
    `DELETE /client/v4/zones/${zoneId}/dns_records/${recordId ?? '?'}`,
  ]);
  assert.ok(
    w.api.authorizations.every((a) => a === `Bearer ${w.api.token}`),
    'the token in its header',
  );
  assert.ok(!w.api.requests.some((r) => r.includes(w.api.token)), 'never in a URL');
});

test('with a zoneId, a second publish of the same value, and a withdrawal by another instance', async () => {
  const w = await world();
  const zoneId = [...w.api.zones].find(([, n]) => n === 'example.test')?.[0] ?? '';
  const settings = { kind: 'cloudflare', apiToken: w.api.token, apiUrl: w.api.apiUrl, zoneId } as const;
  const fqdn = '_acme-challenge.again.example.test';
  const value = challengeValue();
  const from = w.api.requests.length;
  await createDns01Provider(settings, options(w)).publish(fqdn, value);
  // Cloudflare answers 81057 for a record that exists: publishing is idempotent.
  await createDns01Provider(settings, options(w)).publish(fqdn, value);
  // A provider that did not create it (berthd restarted) finds it by name and content.
  await createDns01Provider(settings, options(w)).withdraw(fqdn, value);
  assert.deepEqual(await w.bind.txt(fqdn), []);
  assert.ok(!w.api.requests.slice(from).some((r) => r.includes('/zones?name=')), 'no zone lookup');
  assert.equal([...w.api.records.values()].filter((r) => r.name === fqdn).length, 0);
});

test('Cloudflare’s errors surface in the BerthError, without the token', async () => {
  const w = await world();
  const wrongToken = randomBytes(20).toString('hex');
  const failure = await createDns01Provider(
    { kind: 'cloudflare', apiToken: wrongToken, apiUrl: w.api.apiUrl },
    options(w),
  )
    .publish('_acme-challenge.www.example.test', challengeValue())
    .then(
      () => assert.fail('the API refuses the token'),
      (e: unknown) => e,
    );
  assert.ok(failure instanceof BerthError, String(failure));
  assert.equal(failure.code, 'DNS_PROVIDER_FAILED');
  assert.equal(failure.message, 'Cloudflare API GET /zones failed: HTTP 403: 10000 Authentication error');
  assert.match(failure.hint ?? '', /Zone:DNS:Edit/);
  assert.ok(!JSON.stringify([failure.message, failure.hint, failure.logs]).includes(wrongToken));

  await assert.rejects(
    createDns01Provider(
      { kind: 'cloudflare', apiToken: w.api.token, apiUrl: w.api.apiUrl, zoneId: 'f'.repeat(32) },
      options(w),
    ).publish('_acme-challenge.www.example.test', challengeValue()),
    {
      code: 'DNS_PROVIDER_FAILED',
      message: new RegExp(
        `^Cloudflare API POST /zones/f{32}/dns_records failed: HTTP 404: 7003 Could not route to`,
      ),
    },
  );
  await assert.rejects(
    createDns01Provider(
      { kind: 'cloudflare', apiToken: w.api.token, apiUrl: w.api.apiUrl },
      options(w),
    ).publish('_acme-challenge.www.example.net', challengeValue()),
    {
      code: 'DNS_PROVIDER_FAILED',
      message: /Cloudflare has no zone holding _acme-challenge\.www\.example\.net/,
    },
  );
});

test('an API URL in clear text beyond this machine is refused', () => {
  assert.throws(
    () =>
      createDns01Provider({
        kind: 'cloudflare',
        apiToken: 'a'.repeat(40),
        apiUrl: 'http://api.example.com/client/v4',
      }),
    { code: 'VALIDATION_FAILED', message: /apiUrl must be an https:\/\/ URL/ },
  );
});
