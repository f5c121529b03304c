/**
 * The premise and the goal of the static edge, on real connections through Caddy 2.6: an open
 * WebSocket and a keep-alive HTTPS connection survive a certificate rotation, a new domain's
 * first handshake and an upstream change; a POST /load of a changed config closes the WebSocket,
 * which is why the config never changes. No client retries: every reset is counted.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WebSocket } from 'ws';
import { httpsGet, servedSerial } from '../../../../../test/support/tls-edge.js';
import { startTlsEdge, type TlsEdge } from './test-support/tls-edge.js';
import { openWebSocket, roundTrip, startEcho, type EchoServer } from '../test-support/websocket.js';

const WS_HOST = 'ws.test';
const KEEP_HOST = 'keep.test';

let edge: TlsEdge;
let echo: EchoServer;
let socket: WebSocket;
let keepAlive: https.Agent;
/** The keep-alive client's connection: every request must come over this one. */
let keepPort: number;
const resets = { websocket: 0, keepAlive: 0 };

const openSocket = (): Promise<WebSocket> => openWebSocket(edge.httpsPort, WS_HOST, edge.pki.caPem);

/** One request over the keep-alive connection; it must be the same connection as before. */
async function keptGet(): Promise<string> {
  const r = await httpsGet(edge.httpsPort, KEEP_HOST, '/', edge.pki.caPem, keepAlive);
  assert.equal(r.status, 200);
  assert.equal(r.localPort, keepPort, 'the keep-alive connection was replaced');
  return r.body;
}

async function assertBothAlive(step: string): Promise<void> {
  assert.equal(await roundTrip(socket, step), `echo:${step}`, step);
  await keptGet();
  assert.deepEqual(resets, { websocket: 0, keepAlive: 0 }, step);
  assert.deepEqual(echo.errors, [], step);
}

before(async () => {
  // With HSTS on, as an operator may run it: its headers handler must not get in the way of the
  // WebSocket's upgrade or of keep-alive.
  edge = await startTlsEdge({ hstsMaxAge: 300 });
  echo = await startEcho();
  edge.agent.set(WS_HOST, await edge.pki.issue([WS_HOST]));
  edge.agent.set(KEEP_HOST, await edge.pki.issue([KEEP_HOST]));
  edge.route(WS_HOST, { name: 'berth-ws-r1', host: '127.0.0.1', port: echo.port });
  edge.route(KEEP_HOST, await edge.backend('keep-1'));
  socket = await openSocket();
  socket.on('close', () => resets.websocket++);
  keepAlive = new https.Agent({ keepAlive: true, maxSockets: 1 });
  const first = await httpsGet(edge.httpsPort, KEEP_HOST, '/', edge.pki.caPem, keepAlive);
  keepPort = first.localPort;
  const [kept] = Object.values(keepAlive.sockets).flat();
  const idle = Object.values(keepAlive.freeSockets).flat();
  (kept ?? idle[0])?.on('close', () => resets.keepAlive++);
  assert.ok(kept ?? idle[0], 'the keep-alive connection is pooled');
});

after(async () => {
  socket?.terminate();
  keepAlive?.destroy();
  await echo?.close();
  await edge?.stop();
});

test('(a) a certificate rotation drops nothing', async () => {
  const rotated = await edge.pki.issue([WS_HOST]);
  edge.agent.set(WS_HOST, rotated);
  edge.agent.set(KEEP_HOST, await edge.pki.issue([KEEP_HOST]));
  assert.equal(await servedSerial(edge.httpsPort, WS_HOST, edge.pki.caPem), rotated.serial);
  await assertBothAlive('after rotation');
});

test("(b) a new domain's first handshake drops nothing", async () => {
  edge.agent.set('fresh.test', await edge.pki.issue(['fresh.test']));
  edge.route('fresh.test', await edge.backend('fresh'));
  assert.equal((await httpsGet(edge.httpsPort, 'fresh.test', '/', edge.pki.caPem)).body, 'fresh');
  await assertBothAlive('after a new domain');
});

test('(c) an upstream change through the DNS service drops nothing', async () => {
  // The WebSocket's own host moves to another upstream too: the open one stays where it is.
  edge.route(WS_HOST, await edge.backend('ws-moved'));
  edge.route(KEEP_HOST, await edge.backend('keep-2'));
  const deadline = Date.now() + 5000;
  while ((await keptGet()) !== 'keep-2') assert.ok(Date.now() < deadline, 'the new upstream never served');
  await assertBothAlive('after an upstream change');
  const movedBy = Date.now() + 5000;
  while ((await httpsGet(edge.httpsPort, WS_HOST, '/', edge.pki.caPem)).body !== 'ws-moved')
    assert.ok(Date.now() < movedBy, 'new requests for the WebSocket host never reached its new upstream');
  assert.deepEqual(await edge.admin.getConfig(), edge.config, 'no config change so far');
});

test('(d) a POST /load of a changed config closes the open WebSocket', async (t) => {
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  const changed = structuredClone(edge.config);
  const tlsServer = (changed.apps as { http: { servers: Record<string, { routes: unknown[] }> } }).http
    .servers['berth-tls'];
  tlsServer?.routes.unshift({
    match: [{ host: ['other.test'] }],
    handle: [{ handler: 'static_response', body: 'other' }],
  });
  const loadedAt = performance.now();
  await edge.admin.load(changed);
  const code = await Promise.race([closed, sleep(10_000).then(() => 'still open')]);
  t.diagnostic(
    `WebSocket closed ${(performance.now() - loadedAt).toFixed(0)} ms after the load, code ${code}; ` +
      `keep-alive resets: ${resets.keepAlive}`,
  );
  assert.equal(typeof code, 'number', 'Caddy 2.6 keeps WebSockets open across a config change now');
  assert.equal(resets.websocket, 1);
  // The idle keep-alive connection goes too: the old server shuts down gracefully.
  const deadline = Date.now() + 5000;
  while (resets.keepAlive === 0) {
    assert.ok(Date.now() < deadline, 'the keep-alive connection survived the load');
    await sleep(20);
  }
  t.diagnostic(
    `keep-alive connection closed; the upstream side of the WebSocket saw: ${echo.errors.join('; ')}`,
  );
});
