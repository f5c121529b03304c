/**
 * Issue 11, wildcards by DNS-01 through the CLI: `berth up --dns-provider FILE` with RFC 2136
 * settings for a real BIND 9 (test/support/bind9.ts), and Pebble (standing in for Let's Encrypt)
 * asking that BIND 9 for every name.
 * - `berth up --domain base.example.test`: berthd orders one certificate for
 *   `*.base.example.test` on its own, and every app's default hostname is served with it.
 * - `domains add web '*.apps.example.test'` gets one wildcard certificate; every name one label
 *   under it is served over verified HTTPS.
 */
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Domain } from '@berth/protocol';
import { startBind9, type TestBind9 } from '../support/bind9.js';
import { ensureExampleImages, HELLO_V1 } from '../support/images.js';
import { startPebble, type TestPebble } from '../support/pebble.js';
import { httpsGet, type HttpsReply } from '../support/tls-edge.js';
import { BerthUnderTest, freePort } from './support/berth.js';

const WILDCARD = '*.apps.example.test';
const BASE = 'base.example.test';

describe('a wildcard domain by DNS-01', () => {
  let berth: BerthUnderTest;
  let bind9: TestBind9;
  let pebble: TestPebble;
  let files: string;
  let httpsPort: number;
  let started: number;

  async function httpsUntilServed(host: string): Promise<HttpsReply> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        return await httpsGet(httpsPort, host, '/', pebble.issuingRootPem);
      } catch (e) {
        if (Date.now() > deadline) throw e;
        await sleep(100);
      }
    }
  }

  before(async () => {
    await ensureExampleImages();
    files = await mkdtemp(join(tmpdir(), 'berth-e2e-wildcard-'));
    httpsPort = await freePort();
    bind9 = await startBind9({ zones: ['example.test'] });
    berth = await BerthUnderTest.create();
    // The CA resolves every name through the BIND 9 (its zone sends them all to 127.0.0.1).
    pebble = await startPebble({ httpPort: berth.httpPort, dnsServer: bind9.address });
    const caFile = join(files, 'pebble-ca.pem');
    await writeFile(caFile, pebble.listenerCaPem);
    const provider = join(files, 'dns-provider.json');
    await writeFile(
      provider,
      JSON.stringify({
        kind: 'rfc2136',
        server: bind9.address,
        keyName: bind9.key.name,
        algorithm: bind9.key.algorithm,
        secret: bind9.key.secret,
      }),
    );
    await chmod(provider, 0o600);
    started = performance.now();
    await berth.start([
      ...['--domain', BASE],
      ...['--https-port', String(httpsPort), '--acme-email', 'ops@example.com'],
      ...['--acme-directory', pebble.directoryUrl, '--acme-ca-cert', caFile, '--dns-provider', provider],
    ]);
    for (const args of [
      ['apps', 'create', 'web', '--image', HELLO_V1, '--replicas', '1'],
      ['deploy', 'web'],
    ]) {
      const r = await berth.cli(args);
      assert.equal(r.code, 0, r.stdout + r.stderr);
    }
  });
  after(async () => {
    await berth?.destroy();
    await pebble?.stop();
    await bind9?.stop();
    if (files) await rm(files, { recursive: true, force: true });
  });

  /** Plain HTTP through the edge: the status and where it redirects to. */
  const plainGet = (host: string, path: string) =>
    new Promise<{ status: number; location: string | undefined }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: berth.httpPort, path, headers: { host } }, (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, location: res.headers.location });
      });
      req.on('error', reject);
      req.end();
    });

  test('berth up --domain: one wildcard for the base domain serves every app, new ones at once', async (t) => {
    const web = await httpsUntilServed(`web.${BASE}`);
    t.diagnostic(
      `berth up → web.${BASE} over verified HTTPS: ${(performance.now() - started).toFixed(0)} ms`,
    );
    assert.equal(web.status, 200);
    assert.match(web.body, /hello/i);
    assert.deepEqual(await plainGet(`web.${BASE}`, '/x'), {
      status: 308,
      location: `https://web.${BASE}:${httpsPort}/x`,
    });
    const listed = await berth.json<{ domains: Domain[] }>(['domains', 'list', 'web']);
    const [own] = listed.domains;
    assert.deepEqual(
      [own?.name, own?.kind, own?.status, own?.lastError],
      [`web.${BASE}`, 'default', 'issued', null],
    );
    assert.match(own?.issuer ?? '', /Pebble/);

    // An app made now needs no order of its own: it is served over HTTPS as soon as it runs.
    const t0 = performance.now();
    for (const args of [
      ['apps', 'create', 'api', '--image', HELLO_V1, '--replicas', '1'],
      ['deploy', 'api'],
    ]) {
      const r = await berth.cli(args);
      assert.equal(r.code, 0, r.stdout + r.stderr);
    }
    assert.equal((await httpsUntilServed(`api.${BASE}`)).status, 200);
    t.diagnostic(
      `apps create + deploy api → api.${BASE} over HTTPS: ${(performance.now() - t0).toFixed(0)} ms`,
    );
    const api = await berth.json<{ domains: Domain[] }>(['domains', 'list', 'api']);
    assert.deepEqual(
      api.domains.map((d) => [d.name, d.kind, d.status, d.expiresAt]),
      [[`api.${BASE}`, 'default', 'issued', own?.expiresAt]],
    );
    // Only apps' names: a name under the base domain that no app has gets no certificate.
    await assert.rejects(
      httpsGet(httpsPort, `nobody.${BASE}`, '/', pebble.issuingRootPem),
      /alert|ECONNRESET|hang up/i,
    );
    // The installation's certificate is not an app's to renew or remove.
    const renew = await berth.cli(['domains', 'renew', 'web', `web.${BASE}`]);
    assert.notEqual(renew.code, 0);
    assert.match(renew.stderr, /installation's domain base\.example\.test/);
    assert.deepEqual(await bind9.txt(`_acme-challenge.${BASE}`), []);
  });

  test('one wildcard certificate serves every name one label under it, over verified HTTPS', async (t) => {
    const started = performance.now();
    const r = await berth.cli(['domains', 'add', 'web', WILDCARD]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const first = await httpsUntilServed('shop.apps.example.test');
    t.diagnostic(
      `domains add '${WILDCARD}' → first verified HTTPS: ${(performance.now() - started).toFixed(0)} ms`,
    );
    assert.equal(first.status, 200);
    const body = (await httpsUntilServed(`web.${BASE}`)).body;
    assert.equal(first.body, body);
    assert.equal((await httpsUntilServed('other.apps.example.test')).body, body);
    const listed = await berth.json<{ domains: Domain[] }>(['domains', 'list', 'web']);
    assert.deepEqual(
      listed.domains.map((d) => [d.name, d.kind, d.status]),
      [
        [`web.${BASE}`, 'default', 'issued'],
        [WILDCARD, 'primary', 'issued'],
      ],
    );
    // Plain HTTP of a name under it redirects to HTTPS; two labels under it are not its.
    assert.deepEqual(await plainGet('shop.apps.example.test', '/x'), {
      status: 308,
      location: `https://shop.apps.example.test:${httpsPort}/x`,
    });
    await assert.rejects(
      httpsGet(httpsPort, 'a.b.apps.example.test', '/', pebble.issuingRootPem),
      /alert|ECONNRESET|hang up/i,
    );
    // The DNS-01 record was withdrawn from the zone once the CA had checked it.
    assert.deepEqual(await bind9.txt('_acme-challenge.apps.example.test'), []);
  });
});
