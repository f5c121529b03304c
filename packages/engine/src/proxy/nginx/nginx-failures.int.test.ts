import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { toAppRoutes, type Upstream } from '@berth/core';
import { BerthError } from '@berth/protocol';
import { createBackends, freePort, getThrough } from '../caddy/test-support/backends.js';
import { CURRENT_LINK } from './versions.js';
import { startTestNginx, type TestNginx } from './test-support/nginx.js';
import type { NginxEdge } from './nginx-edge.js';

// What nginx refuses after our own checks passed: a certificate nginx cannot load (fails `nginx
// -t`), and a listener it cannot bind (passes `-t`, fails only in the master at reload). Either
// way publish rejects with nginx's own words and the previous version keeps serving.

const HOST = 'shop.test';
const routes = toAppRoutes([{ appId: 'app_shop', appName: 'shop', hostnames: [HOST] }]);
/** PEM-shaped, so our shape check passes; not a certificate or key OpenSSL can read. */
const GARBAGE_CERT = '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n';
const GARBAGE_KEY = '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n';

let nginx: TestNginx;
let edge: NginxEdge;
let replica: Upstream;
const backends = createBackends();

const served = async (): Promise<void> =>
  assert.deepEqual(await getThrough(nginx.httpPort, '/', HOST), { status: 200, body: 'a' });

before(async () => {
  replica = { name: 'berth-shop-r1-1', host: '127.0.0.1', port: await backends.start('a') };
  nginx = await startTestNginx({ https: true });
  edge = nginx.edge();
  await edge.publish({ routes, upstreams: { shop: [replica] } });
});

after(async () => {
  await nginx?.stop();
  await backends.close();
});

test('a certificate nginx cannot load fails nginx -t: publish rejects with its message, the previous version serves on', async () => {
  const history = await edge.history();
  const link = await readlink(join(nginx.prefix, CURRENT_LINK));
  await assert.rejects(
    edge.publish({
      routes,
      upstreams: { shop: [replica] },
      certificates: [{ names: [HOST], chainPem: GARBAGE_CERT, keyPem: GARBAGE_KEY }],
    }),
    (e: unknown) =>
      e instanceof BerthError &&
      /cannot load certificate/.test(e.message) &&
      /PEM_read_bio_X509_AUX/.test(e.message),
  );
  assert.deepEqual(await edge.history(), history, 'the refused candidate is not kept as a version');
  assert.equal(await readlink(join(nginx.prefix, CURRENT_LINK)), link);
  await served();
});

test('a listener on a busy port passes nginx -t but fails the reload: found in the error log, current put back', async () => {
  const busyPort = await freePort();
  const holder = net.createServer();
  await new Promise<void>((r) => holder.listen(busyPort, '127.0.0.1', r));
  try {
    const moved = nginx.edge({ settings: { ...nginx.settings, httpsListen: `127.0.0.1:${busyPort}` } });
    const history = await edge.history();
    const link = await readlink(join(nginx.prefix, CURRENT_LINK));
    await assert.rejects(
      moved.publish({ routes, upstreams: { shop: [replica] } }),
      (e: unknown) =>
        e instanceof BerthError &&
        e.message.includes(`bind() to 127.0.0.1:${busyPort} failed (98: Address already in use)`),
    );
    assert.match(await nginx.log(), /still could not bind\(\)/, 'publish waited for the master to give up');
    assert.equal(await readlink(join(nginx.prefix, CURRENT_LINK)), link);
    assert.deepEqual(await edge.history(), history);
    await served();
    // The same edge works on once the settings are sane again.
    await edge.publish({ routes, upstreams: { shop: [replica] } }, 'unchanged');
    await served();
  } finally {
    await new Promise((r) => holder.close(r));
  }
});

test('with nginx gone, publish rejects as unavailable and leaves current as it was', async () => {
  const lone = await startTestNginx();
  const e1 = lone.edge();
  await e1.publish({ routes, upstreams: { shop: [replica] } });
  const link = await readlink(join(lone.prefix, CURRENT_LINK));
  process.kill(lone.pid, 'SIGQUIT');
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(lone.pid, 0);
      await new Promise((r) => setTimeout(r, 20));
    } catch {
      break;
    }
  }
  await assert.rejects(
    e1.publish({ routes, upstreams: {} }),
    (e: unknown) => e instanceof BerthError && e.code === 'PROXY_UNAVAILABLE',
  );
  assert.equal(await readlink(join(lone.prefix, CURRENT_LINK)), link);
  await lone.stop();
});
