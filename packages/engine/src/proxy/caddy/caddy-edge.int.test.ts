import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { toAppRoutes } from '@berth/core';
import type { AppRoute, Upstream } from '@berth/core';
import { startTestCaddy } from '../../../../../test/support/caddy.js';
import type { TestCaddy } from '../../../../../test/support/caddy.js';
import { createTestPki, httpsGet, type TestPki } from '../../../../../test/support/tls-edge.js';
import { CERTIFICATE_TABLE_FILE } from '../edge-certificates/table-file.js';
import type { EdgeCertificate } from '../edge-certificates/table.js';
import { startEdgeService, type EdgeService } from '../edge-service/service.js';
import { UPSTREAM_TABLE_FILE } from '../upstream-dns/table-file.js';
import type { EdgeState, Proxy } from '../types.js';
import { createCaddyAdmin } from './admin-client.js';
import { createCaddyEdge } from './caddy-edge.js';
import { renderCaddyBootConfig } from './config.js';
import type { EdgeSettings } from './edge-config.js';
import { createBackends, freePort, getThrough, type Reply } from './test-support/backends.js';
import { openWebSocket, roundTrip, startEcho } from '../test-support/websocket.js';

// The Proxy port's contract, on the Caddy edge with the real edge service beside it: what the
// agent relies on to roll out without a failed request, and to serve custom domains over HTTPS
// without ever changing Caddy's config. Caddy's own half (DNS framing, load switching) is in
// caddy-proxy.int.test.ts; TLS probes of Caddy 2.6 itself in tls-*.int.test.ts.

const HOST = 'shop.test';
const routes = toAppRoutes([{ appId: 'app_shop', appName: 'shop', hostnames: [HOST] }]);

let dir: string;
let caddy: TestCaddy;
let service: EdgeService;
let edge: Proxy;
let settings: EdgeSettings;
let httpPort: number;
let httpsPort: number;
let pki: TestPki;
const backends = createBackends();
const replicas: Record<'a' | 'b', Upstream> = {
  a: { name: 'berth-shop-r1-1', host: '127.0.0.1', port: 0 },
  b: { name: 'berth-shop-r2-1', host: '127.0.0.1', port: 0 },
};

const get = (path: string, host = HOST): Promise<Reply> => getThrough(httpPort, path, host);

const newEdge = (configCheckMs?: number): Proxy =>
  createCaddyEdge({
    adminSocket: caddy.adminSocket,
    settings,
    tablePath: join(dir, UPSTREAM_TABLE_FILE),
    certificatesPath: join(dir, CERTIFICATE_TABLE_FILE),
    ...(configCheckMs === undefined ? {} : { configCheckMs }),
  });

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-edge-'));
  [httpPort, httpsPort] = [await freePort(), await freePort()];
  pki = await createTestPki();
  replicas.a.port = await backends.start('a');
  replicas.b.port = await backends.start('b');
  caddy = await startTestCaddy(dir, { httpPort, upstreamRefreshMs: 100 });
  service = await startEdgeService({
    dnsSocket: caddy.settings.dnsSocket,
    tablePath: join(dir, UPSTREAM_TABLE_FILE),
    responderPort: 0,
    certificates: {
      tablePath: join(dir, CERTIFICATE_TABLE_FILE),
      port: 0,
      secret: randomBytes(32).toString('base64url'),
    },
  });
  settings = {
    ...caddy.settings,
    responderDial: `127.0.0.1:${service.responderPort}`,
    https: {
      listen: `127.0.0.1:${httpsPort}`,
      certificateUrl: service.certificateUrl,
      askUrl: service.askUrl,
      acmeSinkUrl: `http://127.0.0.1:${service.responderPort}/no-acme-here`,
    },
  };
  edge = newEdge();
  await edge.ready();
});

after(async () => {
  await caddy?.stop();
  await service?.close();
  await backends.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('one publish makes the edge serve an app by hostname from its replicas', async () => {
  await edge.publish({ routes, upstreams: { shop: [replicas.a, replicas.b] } });
  const seen = new Set<string>();
  for (let i = 0; i < 40 && seen.size < 2; i++) {
    const r = await get('/');
    assert.equal(r.status, 200);
    seen.add(r.body);
  }
  assert.deepEqual([...seen].sort(), ['a', 'b']);
});

test('what was published is read back by app name, by a publisher that starts afresh', async () => {
  assert.deepEqual(await newEdge().published(), { shop: [replicas.a, replicas.b] });
});

test('removalSettleMs after a publish, a removed replica gets no new request; inflight() counts the ones it has', async () => {
  await edge.publish({ routes, upstreams: { shop: [replicas.a] } });
  // The contract under test is a duration: after it, the edge must have stopped picking replica a.
  await sleep(edge.removalSettleMs);
  const slow = get('/slow?ms=1500');
  let held = 0;
  for (let i = 0; i < 100 && held === 0; i++) held = (await edge.inflight()).get(replicas.a.name) ?? 0;
  assert.equal(held, 1, 'the slow request is counted against replica a, by its name');
  await edge.publish({ routes, upstreams: { shop: [replicas.b] } });
  await sleep(edge.removalSettleMs);
  for (let i = 0; i < 20; i++) assert.deepEqual(await get('/'), { status: 200, body: 'b' });
  assert.equal((await edge.inflight()).get(replicas.a.name), 1, 'the slow request is still in flight');
  assert.deepEqual(await slow, { status: 200, body: 'a' });
  assert.equal((await edge.inflight()).get(replicas.a.name) ?? 0, 0);
});

test('an app published without replicas is routed but has none; one left out is not served', async () => {
  await edge.publish({ routes, upstreams: { shop: [] } });
  assert.deepEqual(await edge.published(), {});
  await sleep(edge.removalSettleMs);
  assert.notEqual((await get('/')).status, 200);
  await edge.publish({ routes: [], upstreams: {} });
  assert.deepEqual(await get('/'), { status: 404, body: `No app is served at ${HOST}\n` });
});

test('a Host that is no domain name (an IP literal) is a 404 at once, not a 502 after retries', async () => {
  for (const host of ['[::1]', '[::1]:8080', 'a_b.test']) {
    const started = performance.now();
    const r = await get('/', host);
    assert.equal(r.status, 404, host);
    assert.ok(performance.now() - started < 2_000, `${host}: ${Math.round(performance.now() - started)} ms`);
  }
  // A plain IPv4 literal is a name as far as routing goes: nobody serves it either.
  assert.equal((await get('/', '127.0.0.1')).status, 404);
});

test('a Caddy that lost its config gets it back on a later publish', async () => {
  const checking = newEdge(0);
  await checking.publish({ routes, upstreams: { shop: [replicas.b] } });
  await sleep(checking.removalSettleMs);
  assert.deepEqual(await get('/'), { status: 200, body: 'b' });
  // Caddy restarted with its boot config (an operator's reload, a lost autosave): nothing listens.
  await createCaddyAdmin(caddy.adminSocket).load(renderCaddyBootConfig(caddy.adminSocket));
  await assert.rejects(get('/'), { code: 'ECONNREFUSED' });
  await checking.publish({ routes, upstreams: { shop: [replicas.b] } });
  assert.deepEqual(await get('/'), { status: 200, body: 'b' });
});

/** Caddy 2.6 answers a name it gets no certificate for with a TLS alert. */
const HANDSHAKE_REFUSED = /alert|ECONNRESET|socket hang up/i;

const site = (hostnames: string[], redirects: AppRoute['redirects'] = []): AppRoute[] =>
  toAppRoutes([{ appId: 'app_site', appName: 'site', hostnames }]).map((r) => ({ ...r, redirects }));

async function certificate(...names: string[]): Promise<EdgeCertificate> {
  const leaf = await pki.issue(names);
  return { names, chainPem: leaf.certPem, keyPem: leaf.keyPem };
}

function plainGet(host: string, path: string): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port: httpPort, path, headers: { host }, agent: false }, (res) => {
        res.resume();
        resolve(res);
      })
      .on('error', reject);
  });
}

test('a custom domain with a certificate is served over verified HTTPS, its plain HTTP redirected', async () => {
  const config = await createCaddyAdmin(caddy.adminSocket).getConfig();
  await edge.publish({
    routes: site(['site.test', 'site.localhost'], [{ from: 'www.site.test', to: 'site.test' }]),
    upstreams: { site: [replicas.a] },
    certificates: [await certificate('site.test', 'www.site.test')],
    challenges: { 'tok-1': 'tok-1.thumb' },
  });
  const secure = await httpsGet(httpsPort, 'site.test', '/x?y=1', pki.caPem);
  assert.deepEqual([secure.status, secure.body], [200, 'a']);
  const plain = await plainGet('site.test', '/x?y=1');
  assert.equal(plain.statusCode, 308);
  assert.equal(plain.headers.location, `https://site.test:${httpsPort}/x?y=1`);
  // --redirect-from: over either scheme, to the main name over HTTPS.
  assert.equal((await plainGet('www.site.test', '/p')).headers.location, `https://site.test:${httpsPort}/p`);
  const www = await httpsGet(httpsPort, 'www.site.test', '/p', pki.caPem);
  assert.deepEqual([www.status, www.headers.location], [308, `https://site.test:${httpsPort}/p`]);
  // A name without a certificate keeps plain HTTP; HTTP-01 answers on any host, never redirected.
  assert.deepEqual(await get('/', 'site.localhost'), { status: 200, body: 'a' });
  assert.deepEqual(await get('/.well-known/acme-challenge/tok-1', 'site.test'), {
    status: 200,
    body: 'tok-1.thumb',
  });
  assert.equal((await stat(join(dir, CERTIFICATE_TABLE_FILE))).mode & 0o777, 0o600);
  assert.deepEqual(
    await createCaddyAdmin(caddy.adminSocket).getConfig(),
    config,
    "Caddy's config never changes",
  );
});

test('a domain whose certificate is gone falls back to plain HTTP; a removed domain is a 404', async () => {
  await edge.publish({ routes: site(['site.test']), upstreams: { site: [replicas.b] } });
  // Caddy holds an answer for its refresh interval: the contract is "after removalSettleMs".
  await sleep(edge.removalSettleMs);
  assert.deepEqual(await get('/', 'site.test'), { status: 200, body: 'b' });
  await assert.rejects(httpsGet(httpsPort, 'site.test', '/', pki.caPem), HANDSHAKE_REFUSED);
  await edge.publish({ routes: [], upstreams: {} });
  await sleep(edge.removalSettleMs);
  assert.deepEqual(await get('/', 'site.test'), { status: 404, body: 'No app is served at site.test\n' });
});

test('an open WebSocket and a kept-alive HTTPS connection survive every kind of change', async (t) => {
  const echo = await startEcho();
  const keepAlive = new https.Agent({ keepAlive: true, maxSockets: 1 });
  const ws = { upstream: { name: 'berth-live-r1-1', host: '127.0.0.1', port: echo.port } };
  const live: AppRoute[] = toAppRoutes([
    { appId: 'app_live', appName: 'live', hostnames: ['live.test'] },
    { appId: 'app_keep', appName: 'keep', hostnames: ['keep.test'] },
  ]);
  const certs = { live: await certificate('live.test'), keep: await certificate('keep.test') };
  let closes = 0;
  const ports = new Set<number>();
  const kept = async (): Promise<void> => {
    const r = await httpsGet(httpsPort, 'keep.test', '/', pki.caPem, keepAlive);
    assert.equal(r.status, 200);
    ports.add(r.localPort);
  };
  const publish = (extra: Partial<EdgeState>): Promise<void> =>
    edge.publish({
      routes: live,
      upstreams: { live: [ws.upstream], keep: [replicas.a] },
      certificates: [certs.live, certs.keep],
      ...extra,
    });
  try {
    await publish({});
    await sleep(edge.removalSettleMs);
    const socket = await openWebSocket(httpsPort, 'live.test', pki.caPem);
    socket.on('close', () => closes++);
    await kept();
    const changes: [string, () => Promise<void>][] = [
      [
        'a domain added',
        () =>
          publish({
            routes: [...live, ...site(['new.test'])],
            upstreams: { live: [ws.upstream], keep: [replicas.a], site: [replicas.b] },
          }),
      ],
      [
        'its certificate issued',
        async () =>
          publish({
            routes: [...live, ...site(['new.test'])],
            upstreams: { live: [ws.upstream], keep: [replicas.a], site: [replicas.b] },
            certificates: [certs.live, certs.keep, await certificate('new.test')],
          }),
      ],
      [
        'a certificate renewed',
        async () => publish({ certificates: [await certificate('live.test'), certs.keep] }),
      ],
      [
        'a deploy (upstreams replaced)',
        () => publish({ upstreams: { live: [ws.upstream], keep: [replicas.b] } }),
      ],
      ['a domain removed', () => publish({})],
      ['an HTTP-01 answer published', () => publish({ challenges: { tok: 'tok.thumb' } })],
    ];
    for (const [what, change] of changes) {
      await change();
      await sleep(edge.removalSettleMs);
      assert.equal(await roundTrip(socket, what), `echo:${what}`, what);
      await kept();
      assert.equal(closes, 0, `the WebSocket closed after ${what}`);
      assert.equal(ports.size, 1, `the kept-alive connection was replaced after ${what}`);
    }
    assert.deepEqual(echo.errors, []);
    t.diagnostic(`${changes.length} kinds of change: 0 WebSocket closes, 0 keep-alive resets`);
    socket.terminate();
  } finally {
    keepAlive.destroy();
    await echo.close();
  }
});
