/**
 * A submit whose answer is lost is sent again with the same Idempotency-Key (berthd then returns
 * the first deployment); one that nothing answered fails at once. Against a real HTTP server
 * standing in for berthd's network behaviour (berthd itself: test/e2e/reconnect.e2e.test.ts).
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { createClient } from '@berth/client';
import { newIdempotencyKey, submitOnce } from './submit.js';

const servers: Server[] = [];
after(() => {
  for (const s of servers) s.close();
});

const SCALED = { replicas: 2, limits: { cpu: 1, memoryMiB: 512, pids: 512 }, deployment: null };

/**
 * A berthd stand-in that records the Idempotency-Key of every scale request and loses the
 * answer to the first: the connection dies after the request was read.
 */
async function losingFirstAnswer(): Promise<{ url: string; keys: string[] }> {
  const keys: string[] = [];
  const server = createServer((req, res) => {
    if (req.url === '/api/v1/health') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'ok', version: 'test' }));
      return;
    }
    keys.push(String(req.headers['idempotency-key']));
    req.resume();
    req.on('end', () => {
      if (keys.length === 1) return req.socket.destroy();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(SCALED));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, keys };
}

test('a lost answer: sent again with the same key, once berthd answers its health check', async () => {
  const { url, keys } = await losingFirstAnswer();
  const client = createClient({ url, token: null });
  const answer = await submitOnce(client, (key) => client.scale('web', { replicas: 2 }, key), {
    app: 'web',
    json: true,
  });
  assert.deepEqual(answer, SCALED);
  assert.equal(keys.length, 2);
  assert.equal(keys[0], keys[1], 'the same key both times');
  assert.match(keys[0] ?? '', /^cli-[0-9a-f-]{36}$/);
});

test('a key the user gave (--idempotency-key) is the one sent', async () => {
  const { url, keys } = await losingFirstAnswer();
  const client = createClient({ url, token: null });
  await submitOnce(client, (key) => client.scale('web', { replicas: 2 }, key), {
    app: 'web',
    idempotencyKey: 'release-42',
    json: true,
  });
  assert.deepEqual(keys, ['release-42', 'release-42']);
});

test('refused on the first try: berthd is not running, fail now (exit 3), send nothing again', async () => {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const client = createClient({ url: `http://127.0.0.1:${port}`, token: null });
  let tries = 0;
  const started = Date.now();
  await assert.rejects(
    submitOnce(
      client,
      (key) => {
        tries++;
        return client.rollback('web', undefined, key);
      },
      { app: 'web', json: true },
    ),
    { name: 'ApiError', code: 'UNREACHABLE', connection: 'refused' },
  );
  assert.equal(tries, 1);
  assert.ok(Date.now() - started < 2000);
});

test('each invocation makes its own key', () => {
  assert.notEqual(newIdempotencyKey(), newIdempotencyKey());
});
