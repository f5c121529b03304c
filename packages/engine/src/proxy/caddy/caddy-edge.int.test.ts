import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { toAppRoutes } from '@berth/core';
import type { Upstream } from '@berth/core';
import { startTestCaddy } from '../../../../../test/support/caddy.js';
import type { TestCaddy } from '../../../../../test/support/caddy.js';
import type { UpstreamDnsServer } from '../upstream-dns/dns-server.js';
import { startUpstreamDnsService } from '../upstream-dns/service.js';
import { UPSTREAM_TABLE_FILE } from '../upstream-dns/table-file.js';
import type { Proxy } from '../types.js';
import { createCaddyEdge } from './caddy-edge.js';
import { createBackends, freePort, getThrough, type Reply } from './test-support/backends.js';

// The Proxy port's contract, on the Caddy edge: what the agent relies on to roll out without a
// failed request. Caddy's own half (reloads, load switching, DNS framing) is in caddy-proxy.int.test.ts.

const HOST = 'shop.test';
const routes = toAppRoutes([{ appId: 'app_shop', appName: 'shop', hostnames: [HOST] }]);

let dir: string;
let caddy: TestCaddy;
let dns: UpstreamDnsServer;
let edge: Proxy;
let httpPort: number;
const backends = createBackends();
const replicas: Record<'a' | 'b', Upstream> = {
  a: { name: 'berth-shop-r1-1', host: '127.0.0.1', port: 0 },
  b: { name: 'berth-shop-r2-1', host: '127.0.0.1', port: 0 },
};

const get = (path: string, host = HOST): Promise<Reply> => getThrough(httpPort, path, host);

const newEdge = (): Proxy =>
  createCaddyEdge({
    adminSocket: caddy.adminSocket,
    settings: caddy.settings,
    tablePath: join(dir, UPSTREAM_TABLE_FILE),
  });

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-edge-'));
  httpPort = await freePort();
  replicas.a.port = await backends.start('a');
  replicas.b.port = await backends.start('b');
  caddy = await startTestCaddy(dir, { httpPort, upstreamRefreshMs: 100 });
  dns = await startUpstreamDnsService({
    socketPath: caddy.settings.dnsSocket,
    tablePath: join(dir, UPSTREAM_TABLE_FILE),
  });
  edge = newEdge();
  await edge.ready();
});

after(async () => {
  await caddy?.stop();
  await dns?.close();
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

test('a Caddy that lost its routes gets them back on a later publish', async () => {
  const checking = createCaddyEdge({
    adminSocket: caddy.adminSocket,
    settings: caddy.settings,
    tablePath: join(dir, UPSTREAM_TABLE_FILE),
    routesCheckMs: 0,
  });
  await checking.publish({ routes, upstreams: { shop: [replicas.b] } });
  await sleep(checking.removalSettleMs);
  assert.deepEqual(await get('/'), { status: 200, body: 'b' });
  // Another publisher (a stale agent, an operator) takes the route away behind this one's back.
  await newEdge().publish({ routes: [], upstreams: { shop: [replicas.b] } });
  assert.equal((await get('/')).status, 404);
  await checking.publish({ routes, upstreams: { shop: [replicas.b] } });
  assert.deepEqual(await get('/'), { status: 200, body: 'b' });
});
