/**
 * Issue 11 across a fleet of two servers (fleet 'c'): berthd is the ACME client for the whole
 * fleet, so one order serves every edge. The CA (Pebble, standing in for Let's Encrypt) checks
 * HTTP-01 at the server that does not run the app's replica: every edge answers the challenge.
 * Then both servers' edges present the same certificate, verified against the CA, and serve the
 * app over HTTPS.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Domain } from '@berth/protocol';
import { BerthUnderTest } from '../e2e/support/berth.js';
import { HELLO_V1, ensureExampleImages } from '../support/images.js';
import { startPebble, type TestPebble } from '../support/pebble.js';
import { handshake } from '../support/tls-edge.js';
import { joinServers } from './support/agent.js';
import { useFleet } from './support/fixture.js';

const HOST = 'shop.example.test';

describe('certificates across a fleet of two servers', () => {
  const fleet = useFleet({
    id: 'c',
    servers: 2,
    subnet: '10.99.10.0/24',
    images: [HELLO_V1],
    imagesOn: [1],
    prepare: ensureExampleImages,
  });
  let berth: BerthUnderTest | null = null;
  let pebble: TestPebble | null = null;
  let files = '';
  const b = (): BerthUnderTest => berth as BerthUnderTest;

  before(async () => {
    files = await mkdtemp(join(tmpdir(), 'berth-fleet-certs-'));
    // Every name resolves, for the CA, to where challtestsrv says; its HTTP-01 check goes to port 80.
    pebble = await startPebble({ httpPort: 80 });
    const caFile = join(files, 'pebble-ca.pem');
    await writeFile(caFile, pebble.listenerCaPem);
    berth = await BerthUnderTest.create();
    await berth.start([
      ...['--api-host', fleet().controlIp, '--no-agent', '--acme-email', 'ops@example.com'],
      ...['--acme-directory', pebble.directoryUrl, '--acme-ca-cert', caFile],
    ]);
  });
  after(async () => {
    await berth?.destroy();
    await pebble?.stop();
    if (files) await rm(files, { recursive: true, force: true });
  });

  test('one order, answered by the edge without the replica, serves both edges', async (t) => {
    await joinServers(
      b(),
      fleet().controlIp,
      fleet().servers.map((server) => ({ server, label: `node=${server.name}` })),
      { httpsPort: 443 },
    );
    for (const args of [
      ['apps', 'create', 'web', '--image', HELLO_V1, '--constraint', 'node=s1'],
      ['deploy', 'web'],
    ]) {
      const r = await b().cli(args);
      assert.equal(r.code, 0, r.stdout + r.stderr);
    }
    // The CA is sent to s2, which runs no replica of web.
    await pebble?.challtest.setA(HOST, [fleet().server(2).ip]);
    const started = Date.now();
    const added = await b().cli(['domains', 'add', 'web', HOST]);
    assert.equal(added.code, 0, added.stdout + added.stderr);
    let domain: Domain | undefined;
    while (domain?.status !== 'issued' && Date.now() - started < 60_000) {
      await sleep(200);
      domain = (await b().json<{ domains: Domain[] }>(['domains', 'list', 'web'])).domains[0];
      assert.notEqual(domain?.status, 'failed', domain?.lastError ?? '');
    }
    assert.equal(domain?.status, 'issued', JSON.stringify(domain));
    t.diagnostic(`issued in ${Date.now() - started} ms`);
    // Both edges present the one certificate (verified against the CA), once their push came.
    const serials: string[] = [];
    for (const s of fleet().servers) {
      const until = Date.now() + 30_000;
      for (;;) {
        const shaken = await handshakeAt(s.ip, HOST, pebble?.issuingRootPem ?? '').catch((e: unknown) => e);
        if (typeof shaken === 'string') {
          serials.push(shaken);
          break;
        }
        assert.ok(Date.now() < until, `${s.name}: ${String(shaken)}`);
        await sleep(200);
      }
    }
    assert.equal(serials.length, 2);
    assert.equal(serials[0], serials[1], 'one order serves both edges');
  });
});

/** The serial of the certificate the edge at `ip:443` presents for `servername`, verified against `caPem`. */
async function handshakeAt(ip: string, servername: string, caPem: string): Promise<string> {
  const { serial, socket } = await handshake(443, servername, caPem, ip);
  socket.destroy();
  return serial;
}
