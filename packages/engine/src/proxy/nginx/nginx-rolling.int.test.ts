import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { toAppRoutes } from '@berth/core';
import { startBackend, type Backend } from './test-support/backend.js';
import { startLoad } from './test-support/load.js';
import { startTestNginx, type TestNginx } from './test-support/nginx.js';

// A rolling deploy through the nginx edge under load from keep-alive clients, as the agent rolls:
// the new replica in, the old one out, wait removalSettleMs and until inflight() has no request
// for it, then stop it. Every step is a reload. No request may fail; connection resets on reused
// keep-alive connections are counted and reported (not retried): they are what nginx's reload costs.

const HOST = 'shop.test';
const routes = toAppRoutes([{ appId: 'app_shop', appName: 'shop', hostnames: [HOST] }]);
const STEPS = 6;

let nginx: TestNginx;
const backends: Backend[] = [];

before(async () => {
  nginx = await startTestNginx({ workerProcesses: 2 });
});

after(async () => {
  await nginx?.stop();
  for (const b of backends) await b.close();
});

test('a rolling change of upstreams under keep-alive load fails no request', async (t) => {
  const edge = nginx.edge();
  let live = await startBackend('r0');
  backends.push(live);
  await edge.publish({ routes, upstreams: { shop: [live.upstream] } });
  const load = startLoad({ port: nginx.httpPort, host: HOST, clients: 4, maxDelayMs: 30, maxRequests: 5000 });
  const reloadMs: number[] = [];
  const drainMs: number[] = [];
  for (let i = 1; i <= STEPS; i++) {
    await sleep(150);
    const next = await startBackend(`r${i}`);
    backends.push(next);
    await edge.publish({ routes, upstreams: { shop: [live.upstream, next.upstream] } });
    reloadMs.push(edge.lastTiming()?.reloadMs ?? NaN);
    await sleep(150);
    await edge.publish({ routes, upstreams: { shop: [next.upstream] } });
    reloadMs.push(edge.lastTiming()?.reloadMs ?? NaN);
    const removedAt = Date.now();
    await sleep(edge.removalSettleMs);
    while (((await edge.inflight()).get(live.upstream.name) ?? 0) > 0) await sleep(10);
    drainMs.push(Date.now() - removedAt);
    assert.equal(live.busy(), 0, `${live.upstream.name} has no request left when inflight() says so`);
    await live.close();
    live = next;
  }
  await sleep(150);
  const report = await load.stop();
  const sorted = [...reloadMs].sort((a, b) => a - b);
  t.diagnostic(
    `requests ${report.requests}, ok ${report.ok}, failed ${report.failures.length}, ` +
      `resets on reused keep-alive connections ${report.resets}, over ${reloadMs.length} reloads; ` +
      `reload p50 ${sorted[Math.floor(sorted.length / 2)]} ms, max ${sorted.at(-1)} ms; ` +
      `removal to drained max ${Math.max(...drainMs)} ms; by replica ${JSON.stringify(report.byBody)}`,
  );
  assert.deepEqual(report.failures, []);
  assert.ok(report.ok >= 300, `enough load: ${report.ok}`);
  assert.equal(report.requests, report.ok + report.resets);
  for (let i = 0; i <= STEPS; i++) assert.ok((report.byBody[`r${i}`] ?? 0) > 0, `r${i} served`);
});
