/**
 * How the client tells a berthd that is not there from an answer that was lost on the way, with
 * real sockets: what a retry may do depends on it (only a lost answer needs an idempotency key).
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { z } from 'zod';
import { ApiError, createTransport } from './transport.js';

const servers: Server[] = [];
after(() => {
  for (const s of servers) s.close();
});

async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A port nothing listens on: one a server had, closed again. */
async function closedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

test('nothing listening: refused, the request never reached berthd', async () => {
  const { json } = createTransport({ url: await closedPort(), token: null });
  await assert.rejects(json(z.unknown(), 'POST', '/apps', { body: { name: 'web' } }), (err: unknown) => {
    assert.ok(err instanceof ApiError);
    assert.equal(err.code, 'UNREACHABLE');
    assert.equal(err.connection, 'refused');
    assert.match(err.message, /Cannot reach berthd/);
    return true;
  });
});

test('the connection cut after the request arrived: lost, it may have been done', async () => {
  const url = await serve((req) => req.socket.destroy());
  const { json } = createTransport({ url, token: null });
  await assert.rejects(json(z.unknown(), 'POST', '/apps', { body: { name: 'web' } }), (err: unknown) => {
    assert.ok(err instanceof ApiError);
    assert.equal(err.connection, 'lost');
    assert.match(err.message, /Lost the connection to berthd/);
    return true;
  });
});

test('a stream cut in the middle: lost, after the lines that came', async () => {
  const url = await serve((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    res.write('{"n":1}\n');
    setImmediate(() => res.socket?.destroy());
  });
  const { call, lines } = createTransport({ url, token: null });
  const got: unknown[] = [];
  await assert.rejects(
    (async () => {
      for await (const l of lines(await call('GET', '/audit/export', { stream: {} }))) got.push(l);
    })(),
    { name: 'ApiError', code: 'UNREACHABLE', connection: 'lost' },
  );
  assert.deepEqual(got, [{ n: 1 }]);
});
