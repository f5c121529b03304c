import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rename, stat, symlink, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { toAppRoutes, type Upstream } from '@berth/core';
import { BerthError } from '@berth/protocol';
import { createBackends, getThrough, type Reply } from '../caddy/test-support/backends.js';
import { CURRENT_LINK, createVersionStore, versionDirName } from './versions.js';
import { NGINX_CONF, renderNginxFiles } from './config.js';
import { startTestNginx, type TestNginx } from './test-support/nginx.js';
import type { NginxEdge } from './nginx-edge.js';

// The Proxy port's contract on a real nginx, plus what the NxMesh way adds: history, rollback,
// drift, and refusing hostile names before anything is rendered.

const HOST = 'shop.test';
const routes = toAppRoutes([{ appId: 'app_shop', appName: 'shop', hostnames: [HOST] }]);

let nginx: TestNginx;
let edge: NginxEdge;
const backends = createBackends();
const replicas: Record<'a' | 'b', Upstream> = {
  a: { name: 'berth-shop-r1-1', host: '127.0.0.1', port: 0 },
  b: { name: 'berth-shop-r2-1', host: '127.0.0.1', port: 0 },
};

const get = (path: string, host = HOST): Promise<Reply> => getThrough(nginx.httpPort, path, host);

before(async () => {
  replicas.a.port = await backends.start('a');
  replicas.b.port = await backends.start('b');
  nginx = await startTestNginx();
  edge = nginx.edge();
});

after(async () => {
  await nginx?.stop();
  await backends.close();
});

test('one publish makes nginx serve an app by hostname from its replicas; an unknown host gets 404', async () => {
  await edge.publish({ routes, upstreams: { shop: [replicas.a, replicas.b] } });
  const seen = new Set<string>();
  for (let i = 0; i < 20 && seen.size < 2; i++) {
    const r = await get('/');
    assert.equal(r.status, 200);
    seen.add(r.body);
  }
  assert.deepEqual([...seen].sort(), ['a', 'b']);
  assert.deepEqual(await get('/', 'nobody.test'), { status: 404, body: 'No app is served at nobody.test\n' });
});

test('what was published is read back by a publisher that starts afresh; an unchanged state is not reloaded', async () => {
  assert.deepEqual(await nginx.edge().published(), { shop: [replicas.a, replicas.b] });
  const versions = (await edge.history()).length;
  await nginx.edge().publish({ routes, upstreams: { shop: [replicas.a, replicas.b] } });
  assert.equal((await edge.history()).length, versions);
});

test('an app with a route and no replicas gets 503; a removed replica gets no new request', async () => {
  await edge.publish({ routes, upstreams: { shop: [] } });
  assert.equal((await get('/')).status, 503);
  assert.deepEqual(await edge.published(), {});
  await edge.publish({ routes, upstreams: { shop: [replicas.a] } });
  await new Promise((r) => setTimeout(r, edge.removalSettleMs));
  for (let i = 0; i < 10; i++) assert.deepEqual(await get('/'), { status: 200, body: 'a' });
});

test('a replica removed while a request to it is in flight counts in inflight() until that request is done', async () => {
  await edge.publish({ routes, upstreams: { shop: [replicas.a] } });
  const slow = get('/slow?ms=1000');
  await new Promise((r) => setTimeout(r, 100));
  await edge.publish({ routes, upstreams: { shop: [replicas.b] } });
  await new Promise((r) => setTimeout(r, edge.removalSettleMs));
  for (let i = 0; i < 10; i++) assert.deepEqual(await get('/'), { status: 200, body: 'b' });
  assert.equal(
    (await edge.inflight()).get(replicas.a.name),
    1,
    'the old worker still holds the slow request',
  );
  assert.deepEqual(await slow, { status: 200, body: 'a' });
  let left = 1;
  for (let i = 0; i < 100 && left > 0; i++) {
    left = (await edge.inflight()).get(replicas.a.name) ?? 0;
    if (left > 0) await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(left, 0, 'the old worker exited once its request was done');
});

test('the replica gets the Host as sent, the socket address as X-Forwarded-For, and a body past 1 MB', async () => {
  const seen: { host?: string; xff?: string; proto?: string; bytes: number }[] = [];
  const echo = http.createServer((req, res) => {
    let bytes = 0;
    req.on('data', (c: Buffer) => (bytes += c.length));
    req.on('end', () => {
      seen.push({
        host: req.headers.host,
        xff: req.headers['x-forwarded-for'] as string,
        proto: req.headers['x-forwarded-proto'] as string,
        bytes,
      });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  try {
    const port = (echo.address() as AddressInfo).port;
    await edge.publish({ routes, upstreams: { shop: [{ name: 'echo', host: '127.0.0.1', port }] } });
    const body = Buffer.alloc(3 * 1024 * 1024, 7);
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: nginx.httpPort,
          method: 'POST',
          path: '/',
          agent: false,
          headers: { host: `${HOST}:8080`, 'x-forwarded-for': '6.6.6.6' },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    assert.equal(status, 200);
    assert.deepEqual(seen, [{ host: `${HOST}:8080`, xff: '127.0.0.1', proto: 'http', bytes: body.length }]);
  } finally {
    echo.closeAllConnections();
    await new Promise((r) => echo.close(r));
  }
});

test('a version swapped in by a publisher that died before its reload is reloaded by the next publish of it', async () => {
  await edge.publish({ routes, upstreams: { shop: [replicas.a] } });
  const next = { routes, upstreams: { shop: [replicas.b] } };
  // What a publisher that died between the swap and the reload leaves behind.
  const store = createVersionStore(nginx.prefix);
  const meta = await store.write(renderNginxFiles(next, nginx.settings), next, 'died', new Date());
  await store.activate(meta.version);
  assert.deepEqual(await get('/'), { status: 200, body: 'a' }, 'nginx still runs the version before');
  await nginx.edge().publish(next);
  assert.deepEqual(await get('/'), { status: 200, body: 'b' });
  assert.equal(
    (await edge.history()).at(-1)?.version,
    meta.version,
    'no new version: the same one, reloaded',
  );
});

test('history lists versions with hash, time and cause; rollback serves an older one as a new version', async () => {
  await edge.publish({ routes, upstreams: { shop: [replicas.a] } }, 'deploy shop to a');
  await edge.publish({ routes, upstreams: { shop: [replicas.b] } }, 'deploy shop to b');
  const history = await edge.history();
  const toA = history.findLast((v) => v.cause === 'deploy shop to a');
  assert.ok(toA);
  const last = history.at(-1);
  assert.equal(last?.cause, 'deploy shop to b');
  assert.equal(last?.current, true);
  assert.match(last?.hash ?? '', /^[0-9a-f]{64}$/);
  assert.ok(!Number.isNaN(Date.parse(last?.createdAt ?? '')));
  assert.deepEqual(await get('/'), { status: 200, body: 'b' });
  const rolled = await edge.rollback(toA.version);
  assert.equal(rolled.cause, `rollback to ${toA.version}`);
  assert.equal(rolled.hash, toA.hash);
  assert.deepEqual(await get('/'), { status: 200, body: 'a' });
  assert.deepEqual(await edge.published(), { shop: [replicas.a] });
  await assert.rejects(
    edge.rollback(9999),
    (e: unknown) => e instanceof BerthError && /no nginx config version 9999/.test(e.message),
  );
});

test('a hand edit of the current config is found by one checkDrift, reported and undone, and serving goes on', async () => {
  await edge.publish({ routes, upstreams: { shop: [replicas.b] } });
  assert.equal(await edge.checkDrift(), null);
  const confPath = join(nginx.prefix, CURRENT_LINK, NGINX_CONF);
  const managed = await readFile(confPath, 'utf8');
  await writeFile(confPath, managed.replace('No app is served at', 'Edited by hand at'));
  const drift = await edge.checkDrift();
  assert.ok(drift, 'the edit is reported');
  assert.deepEqual(drift.files, [NGINX_CONF]);
  assert.notEqual(drift.foundHash, drift.expectedHash);
  assert.equal((await edge.history()).at(-1)?.version, drift.restoredAs);
  assert.equal(await readFile(confPath, 'utf8'), managed);
  assert.equal(await edge.checkDrift(), null);
  assert.deepEqual(await get('/'), { status: 200, body: 'b' });
  assert.deepEqual(await get('/', 'x.test'), { status: 404, body: 'No app is served at x.test\n' });
});

test('current switched by hand to an older version, or a file added beside the config, is drift too', async () => {
  await edge.publish({ routes, upstreams: { shop: [replicas.a] } });
  await edge.publish({ routes, upstreams: { shop: [replicas.b] } });
  const history = await edge.history();
  const older = history.at(-2);
  assert.ok(older);
  const link = join(nginx.prefix, CURRENT_LINK);
  await symlink(`versions/${versionDirName(older.version)}`, `${link}.hand`);
  await rename(`${link}.hand`, link);
  const switched = await edge.checkDrift();
  assert.deepEqual(switched?.files, ['current']);
  assert.equal(switched?.foundHash, null);
  assert.deepEqual(await edge.published(), { shop: [replicas.b] });
  await writeFile(join(link, 'extra.conf'), 'server { listen 9; }\n');
  assert.deepEqual((await edge.checkDrift())?.files, ['extra.conf']);
  assert.equal(await edge.checkDrift(), null);
  assert.deepEqual(await get('/'), { status: 200, body: 'b' });
});

test('hostile names are refused before anything is rendered or written', async () => {
  const before = await edge.history();
  const confBefore = await stat(join(nginx.prefix, CURRENT_LINK, NGINX_CONF));
  const hostile = [
    'a.com; }',
    'a.com"',
    'a.com\nserver {',
    `${'a'.repeat(300)}.com`,
    'a.com server_name b.com',
    '$host.com',
    'а.com',
  ];
  for (const name of hostile) {
    const bad = toAppRoutes([{ appId: 'app_x', appName: 'shop', hostnames: [name] }]);
    await assert.rejects(
      edge.publish({ routes: bad, upstreams: { shop: [replicas.b] } }),
      (e: unknown) => e instanceof BerthError && e.code === 'VALIDATION_FAILED',
      JSON.stringify(name),
    );
  }
  await assert.rejects(
    edge.publish({ routes, upstreams: { shop: [{ name: 'x', host: '127.0.0.1; }', port: 1 }] } }),
    (e: unknown) => e instanceof BerthError && e.code === 'VALIDATION_FAILED',
  );
  await assert.rejects(
    edge.publish({ routes, upstreams: { shop: [replicas.b] }, challenges: { 'tok"; }': 'a.b' } }),
    (e: unknown) => e instanceof BerthError && e.code === 'VALIDATION_FAILED',
  );
  assert.deepEqual(await edge.history(), before);
  assert.equal((await stat(join(nginx.prefix, CURRENT_LINK, NGINX_CONF))).mtimeMs, confBefore.mtimeMs);
  assert.deepEqual(await get('/'), { status: 200, body: 'b' });
});

test('only the last versions are kept, the current one always among them', async () => {
  const small = nginx.edge({ keepVersions: 3 });
  for (const r of [replicas.a, replicas.b, replicas.a, replicas.b])
    await small.publish({ routes, upstreams: { shop: [r] } });
  const history = await small.history();
  assert.equal(history.length, 3);
  assert.equal(history.at(-1)?.current, true);
});
