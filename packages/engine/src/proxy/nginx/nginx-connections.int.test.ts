/**
 * What open connections see when the nginx edge reloads. An open WebSocket stays with the old
 * worker, which keeps it until either side closes it (no worker_shutdown_timeout is set), so it
 * survives every change; the replica behind it counts in inflight() all that time. An idle
 * keep-alive connection is closed by the old worker at the reload (gracefully, between
 * requests): the test counts that instead of hiding it. No client retries.
 */
import { wsText } from '../test-support/websocket.js';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { AppRoute, Upstream } from '@berth/core';
import { startTestNginx, type TestNginx } from './test-support/nginx.js';
import type { NginxEdge } from './nginx-edge.js';
import type { EdgeState } from '../types.js';

const WS_HOST = 'ws.test';

let nginx: TestNginx;
let edge: NginxEdge;
let echo: { server: http.Server; wss: WebSocketServer; upstream: Upstream };
let other: { server: http.Server; wss: WebSocketServer; upstream: Upstream };
const upstreamErrors: string[] = [];

async function startEcho(name: string): Promise<typeof echo> {
  const server = http.createServer((_req, res) => res.end(name));
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws) => {
    ws.on('message', (data) => ws.send(`${name}:${wsText(data)}`));
    ws.on('error', (e) => upstreamErrors.push(e.message));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    server,
    wss,
    upstream: { name, host: '127.0.0.1', port: (server.address() as net.AddressInfo).port },
  };
}

function openWebSocket(): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${nginx.httpPort}/`, { headers: { host: WS_HOST } });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function roundTrip(ws: WebSocket, message: string): Promise<string> {
  return new Promise((resolve, reject) => {
    ws.once('message', (data: RawData) => resolve(wsText(data)));
    ws.send(message, (err) => err && reject(err));
  });
}

const route = (hostnames: string[]): AppRoute => ({ appId: 'app_ws', appName: 'ws', hostnames });
const state = (hostnames: string[], up: Upstream): EdgeState => ({
  routes: [route(hostnames)],
  upstreams: { ws: [up] },
});

before(async () => {
  echo = await startEcho('one');
  other = await startEcho('two');
  nginx = await startTestNginx();
  edge = nginx.edge();
  await edge.publish(state([WS_HOST], echo.upstream));
});

after(async () => {
  await nginx?.stop();
  for (const e of [echo, other]) {
    e?.wss.close();
    e?.server.closeAllConnections();
    await new Promise((r) => e?.server.close(r));
  }
});

test('an open WebSocket survives every kind of change; its replica counts in inflight() until it closes', async (t) => {
  const ws = await openWebSocket();
  let closed = false;
  ws.on('close', () => (closed = true));
  assert.equal(await roundTrip(ws, 'start'), 'one:start');
  const changes: [string, EdgeState][] = [
    ['a domain added', state([WS_HOST, 'more.test'], echo.upstream)],
    ['a domain removed', state([WS_HOST], echo.upstream)],
    ['a deploy (the replica replaced)', state([WS_HOST], other.upstream)],
    ['the app removed', { routes: [], upstreams: {} }],
  ];
  for (const [what, next] of changes) {
    await edge.publish(next, what);
    assert.equal(await roundTrip(ws, what), `one:${what}`, what);
  }
  assert.equal(closed, false);
  assert.equal((await edge.inflight()).get('one'), 1, 'the old worker holding the socket is alive');
  ws.close();
  await sleep(200);
  assert.equal((await edge.inflight()).get('one'), undefined, 'gone once the socket closed');
  assert.deepEqual(upstreamErrors, []);
  t.diagnostic(`the socket lived through ${changes.length} reloads`);
});

test('an idle keep-alive connection is closed by a reload (between requests, counted here)', async () => {
  await edge.publish(state([WS_HOST], echo.upstream));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const get = (): Promise<{ body: string; port: number }> =>
    new Promise((resolve, reject) => {
      const req = http.get(
        { host: '127.0.0.1', port: nginx.httpPort, path: '/', headers: { host: WS_HOST }, agent },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ body, port: (req.socket as net.Socket).localPort ?? 0 }));
        },
      );
      req.on('error', reject);
    });
  const first = await get();
  assert.equal(first.body, 'one');
  assert.equal((await get()).port, first.port, 'kept alive between requests');
  await edge.publish(state([WS_HOST, 'more.test'], echo.upstream));
  await sleep(50);
  // Not an error: the worker closed the idle connection, the next request opens a new one.
  const after = await get();
  assert.equal(after.body, 'one');
  assert.notEqual(after.port, first.port, 'nginx closed the idle keep-alive connection at the reload');
  agent.destroy();
});
