/**
 * Issue 11, certificates from ACME through the CLI: `berth up --https-port --acme-email
 * --acme-directory --acme-ca-cert` against a real Pebble (it stands in for Let's Encrypt, which
 * is not reachable from here, and validates HTTP-01 for real against Berth's edge). A domain
 * added is issued by one order and served over verified HTTPS; a CA that cannot reach the
 * challenge leaves the reason on the domain and in the audit log, and other apps untouched.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Domain } from '@berth/protocol';
import { ensureExampleImages, HELLO_V1 } from '../support/images.js';
import { startPebble, type TestPebble } from '../support/pebble.js';
import https from 'node:https';
import { httpsGet, servedSerial, type HttpsReply } from '../support/tls-edge.js';
import { BerthUnderTest, freePort } from './support/berth.js';

describe('certificates from ACME', () => {
  let berth: BerthUnderTest;
  let pebble: TestPebble;
  let files: string;
  let httpsPort: number;

  async function domain(name: string, app = 'web'): Promise<Domain | undefined> {
    const listed = await berth.json<{ domains: Domain[] }>(['domains', 'list', app]);
    return listed.domains.find((d) => d.name === name);
  }

  async function untilStatus(name: string, status: Domain['status'], app = 'web'): Promise<Domain> {
    const deadline = Date.now() + 30_000;
    let d = await domain(name, app);
    while (d?.status !== status && Date.now() < deadline) {
      await sleep(100);
      d = await domain(name, app);
    }
    assert.equal(d?.status, status, JSON.stringify(d));
    return d;
  }

  /** Verified against Pebble's issuing root of this run only. */
  async function httpsUntilServed(host: string, timeoutMs = 30_000): Promise<HttpsReply> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        return await httpsGet(httpsPort, host, '/', pebble.issuingRootPem);
      } catch (e) {
        if (Date.now() > deadline) throw e;
        await sleep(50);
      }
    }
  }

  before(async () => {
    await ensureExampleImages();
    files = await mkdtemp(join(tmpdir(), 'berth-e2e-acme-'));
    httpsPort = await freePort();
    berth = await BerthUnderTest.create();
    // Pebble validates HTTP-01 at 127.0.0.1:<its httpPort>: Berth's edge.
    pebble = await startPebble({ httpPort: berth.httpPort });
    const caFile = join(files, 'pebble-listener-ca.pem');
    await writeFile(caFile, pebble.listenerCaPem);
    // `domains check` resolves names where the CA does (challtestsrv: every name is 127.0.0.1).
    await berth.start(
      [
        ...['--https-port', String(httpsPort), '--acme-email', 'ops@example.com'],
        ...['--acme-directory', pebble.directoryUrl, '--acme-ca-cert', caFile],
      ],
      { BERTHD_DNS_RESOLVER: pebble.challtest.dnsAddress },
    );
    for (const args of [
      ['apps', 'create', 'web', '--image', HELLO_V1, '--replicas', '1'],
      ['apps', 'create', 'other', '--image', HELLO_V1, '--replicas', '1'],
      ['deploy', 'web'],
      ['deploy', 'other'],
    ]) {
      const r = await berth.cli(args);
      assert.equal(r.code, 0, r.stdout + r.stderr);
    }
  });
  after(async () => {
    await berth?.destroy();
    await pebble?.stop();
    if (files) await rm(files, { recursive: true, force: true });
  });

  test('domains add: one order, then the domain is served over HTTPS verified against the CA', async (t) => {
    const started = performance.now();
    const r = await berth.cli([
      'domains',
      'add',
      'web',
      'shop.example.test',
      '--redirect-from',
      'www.shop.example.test',
    ]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const served = await httpsUntilServed('shop.example.test');
    t.diagnostic(
      `domains add → first verified HTTPS response: ${(performance.now() - started).toFixed(0)} ms`,
    );
    assert.equal(served.status, 200);
    assert.equal(served.body, (await berth.get('web')).body);
    const issued = await untilStatus('shop.example.test', 'issued');
    assert.match(issued.issuer ?? '', /Pebble/);
    assert.ok(issued.expiresAt !== null && Date.parse(issued.expiresAt) > Date.now());
    assert.equal((await untilStatus('www.shop.example.test', 'issued')).expiresAt, issued.expiresAt);
    // The redirecting name is on the same certificate: its HTTPS answers with the redirect.
    const www = await httpsUntilServed('www.shop.example.test');
    assert.equal(www.status, 308);
    assert.equal(www.headers.location, `https://shop.example.test:${httpsPort}/`);
    const audit = await berth.cli(['audit', 'list', '--json']);
    assert.match(audit.stdout, /certificate\.issue/);
    // What a CA would find: the name resolves, and a probe through it reaches a Berth edge.
    const checked = await berth.cli(['domains', 'check', 'web', 'shop.example.test']);
    assert.equal(checked.code, 0, checked.stdout + checked.stderr);
    assert.match(checked.stdout, /certificate issued/);
    assert.match(checked.stdout, /DNS: +127\.0\.0\.1/);
    assert.match(checked.stdout, /challenge: +reachable/);
  });

  test('domains renew: a new certificate at the next handshake, kept-alive connections untouched', async (t) => {
    const before = await untilStatus('shop.example.test', 'issued');
    const oldSerial = await servedSerial(httpsPort, 'shop.example.test', pebble.issuingRootPem);
    // One kept-alive HTTPS connection, used before and after the renewal.
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
    const ports = new Set<number>();
    const viaKept = async (): Promise<void> => {
      const r = await httpsGet(httpsPort, 'shop.example.test', '/', pebble.issuingRootPem, agent);
      assert.equal(r.status, 200);
      ports.add(r.localPort);
    };
    try {
      await viaKept();
      const started = performance.now();
      const r = await berth.cli(['domains', 'renew', 'web', 'shop.example.test']);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      let serial = oldSerial;
      while (serial === oldSerial && performance.now() - started < 30_000) {
        await viaKept();
        await sleep(50);
        serial = await servedSerial(httpsPort, 'shop.example.test', pebble.issuingRootPem);
      }
      t.diagnostic(`domains renew → new certificate served: ${(performance.now() - started).toFixed(0)} ms`);
      assert.notEqual(serial, oldSerial, 'the renewed certificate is served');
      await viaKept();
      assert.equal(ports.size, 1, 'the kept-alive connection was never reset');
      const after = await untilStatus('shop.example.test', 'issued');
      assert.ok(after.expiresAt !== null && before.expiresAt !== null);
      const audit = await berth.cli(['audit', 'list', '--json']);
      assert.match(audit.stdout, /certificate\.renew/);
    } finally {
      agent.destroy();
    }
  });

  test('a CA that cannot reach the challenge: the reason is on the domain, other apps are untouched', async (t) => {
    // The CA's DNS sends it somewhere nothing listens: the HTTP-01 check cannot connect.
    await pebble.challtest.setA('broken.example.test', ['127.0.0.2']);
    const r = await berth.cli(['domains', 'add', 'other', 'broken.example.test']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const failed = await untilStatus('broken.example.test', 'failed', 'other');
    t.diagnostic(`what the domain says: ${failed.lastError ?? ''}`);
    const checked = await berth.cli(['domains', 'check', 'other', 'broken.example.test', '--json']);
    assert.equal(checked.code, 1, 'exit 1: not reachable');
    const report = JSON.parse(checked.stdout) as {
      dns: { addresses: string[] };
      challenge: { reachable: boolean; detail: string };
      lastError: string;
    };
    assert.deepEqual(report.dns.addresses, ['127.0.0.2']);
    assert.equal(report.challenge.reachable, false);
    assert.match(report.challenge.detail, /127\.0\.0\.2.*ECONNREFUSED|refused/i, report.challenge.detail);
    assert.equal(report.lastError, failed.lastError);
    assert.match(failed.lastError ?? '', /127\.0\.0\.2|connection refused|connect/i, failed.lastError ?? '');
    // Still served over plain HTTP meanwhile, and the other app's certificate is untouched.
    assert.equal((await httpsUntilServed('shop.example.test')).status, 200);
    const audit = await berth.cli(['audit', 'list', '--json']);
    assert.match(audit.stdout, /certificate\.failed/);
  });

  test('a name whose DNS is broken: the CA says so, and so does domains check', async (t) => {
    await pebble.challtest.setServfail('broken-dns.example.test');
    const r = await berth.cli(['domains', 'add', 'other', 'broken-dns.example.test']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const failed = await untilStatus('broken-dns.example.test', 'failed', 'other');
    t.diagnostic(`what the domain says: ${failed.lastError ?? ''}`);
    // Pebble's words; Let's Encrypt's read "DNS problem: SERVFAIL looking up A for …".
    assert.match(failed.lastError ?? '', /could not resolve|DNS problem|SERVFAIL/i, failed.lastError ?? '');
    const checked = await berth.cli(['domains', 'check', 'other', 'broken-dns.example.test', '--json']);
    assert.equal(checked.code, 1, 'exit 1: not reachable');
    const report = JSON.parse(checked.stdout) as { dns: { addresses: string[]; error: string | null } };
    assert.deepEqual(report.dns.addresses, []);
    assert.match(
      report.dns.error ?? '',
      /SERVFAIL|ESERVFAIL|server failure|resolve/i,
      report.dns.error ?? '',
    );
    // The app's other names, and the other apps, are served as before.
    assert.equal((await httpsUntilServed('shop.example.test')).status, 200);
    assert.equal((await berth.get('other')).status, 200);
  });
});
