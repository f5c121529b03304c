// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify from 'fastify';
import { SLOW_REQUEST_MESSAGE, watchSlowRequests } from './slow-requests.js';

test('a request unanswered past the limit is logged with its route and stage, and again when it ends', async () => {
  const lines: string[] = [];
  const app = Fastify();
  watchSlowRequests(app, { warn: (_o, msg) => lines.push(msg) }, Date.now, 200);
  app.get('/slow/:id', async () => {
    await sleep(600);
    return { ok: true };
  });
  app.get('/quick', () => ({ ok: true }));
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    assert.equal((await fetch(`${base}/quick`)).status, 200);
    assert.equal((await fetch(`${base}/slow/secret-token`)).status, 200);
    const slow = lines.filter((l) => l.startsWith(SLOW_REQUEST_MESSAGE));
    assert.equal(slow.length, 2, lines.join('\n'));
    assert.match(slow[0] ?? '', /GET \/slow\/:id, in its handler/);
    assert.match(slow[1] ?? '', /ended after 0\.[5-9] s: GET \/slow\/:id/);
    assert.ok(!lines.join('\n').includes('secret-token'), 'the URL itself is not logged');
  } finally {
    await app.close();
  }
});

test('a request whose client gave up is no longer watched', async () => {
  const lines: string[] = [];
  const app = Fastify({ forceCloseConnections: true });
  watchSlowRequests(app, { warn: (_o, msg) => lines.push(msg) }, Date.now, 300);
  app.get('/never', () => new Promise(() => undefined));
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    await fetch(`${base}/never`, { signal: AbortSignal.timeout(100) }).catch(() => null);
    await sleep(600);
    assert.deepEqual(lines, []);
  } finally {
    await app.close();
  }
});
