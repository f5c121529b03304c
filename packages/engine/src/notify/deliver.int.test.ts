// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, beforeEach, test } from 'node:test';
import { NotificationEnvelope } from '@berth/protocol';
import { deliverNotification, notificationRetryDelayMs, type NotificationWebhook } from './deliver.js';
import { createNotification } from './envelope.js';
import { verifyNotificationSignature } from './signature.js';

// A real HTTP receiver on 127.0.0.1 whose behaviour each test sets; the webhooks allow private
// destinations (an owner's permission), as 127.0.0.1 is the only address a test can listen on.

interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let server: Server;
let base = '';
let received: Received[] = [];
let handle: (req: IncomingMessage, res: ServerResponse, n: number) => void = (_req, res) => res.end();
const sockets = new Set<Socket>();

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() });
      handle(req, res, received.length);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((r) => server.close(() => r()));
});
beforeEach(() => {
  received = [];
});

const secret = 'whsec_deliver-test';
const hook = (path = '/hook', extra: Partial<NotificationWebhook> = {}): NotificationWebhook => ({
  id: 'wh_1',
  url: `${base}${path}`,
  secret,
  allowPrivate: true,
  ...extra,
});
const event = createNotification(
  {
    type: 'backup.failed',
    team: 'acme',
    subject: 'db:main',
    detail: { error: 'S3 answered 503', target: 'offsite' },
  },
  Date.UTC(2026, 11, 3, 21, 0, 0),
);
// Retries a few ms apart: the real backoff code, at test speed.
const fast = { backoff: { firstMs: 5, maxMs: 20 }, timeoutMs: 2000 };

test('delivered: a signed POST the receiver can verify, with event and delivery headers', async () => {
  handle = (_req, res) => res.writeHead(204).end();
  const result = await deliverNotification(hook('/hook?team=acme'), event, fast);
  assert.equal(result.outcome, 'delivered');
  assert.equal(result.attempts.length, 1);
  assert.equal(result.attempts[0]?.status, 204);
  assert.match(result.deliveryId, /^dlv_/);
  const [got] = received;
  assert.ok(got);
  assert.equal(got.path, '/hook?team=acme');
  assert.equal(got.headers['content-type'], 'application/json');
  assert.equal(got.headers['berth-event'], 'backup.failed');
  assert.equal(got.headers['berth-delivery'], result.deliveryId);
  const header = got.headers['berth-signature'];
  assert.equal(typeof header, 'string');
  assert.equal(verifyNotificationSignature(secret, header as string, got.body, Date.now()).ok, true);
  assert.equal(verifyNotificationSignature('whsec_wrong', header as string, got.body, Date.now()).ok, false);
  assert.deepEqual(NotificationEnvelope.parse(JSON.parse(got.body)), event);
});

test('5xx then 2xx: retried with the same delivery id and body, newly signed', async () => {
  handle = (_req, res, n) => res.writeHead(n < 3 ? 503 : 200).end(n < 3 ? 'busy' : 'ok');
  const result = await deliverNotification(hook(), event, fast);
  assert.equal(result.outcome, 'delivered');
  assert.deepEqual(
    result.attempts.map((a) => [a.attempt, a.status, a.retryable, a.response]),
    [
      [1, 503, true, 'busy'],
      [2, 503, true, 'busy'],
      [3, 200, false, 'ok'],
    ],
  );
  assert.equal(new Set(received.map((r) => r.headers['berth-delivery'])).size, 1);
  assert.equal(new Set(received.map((r) => r.body)).size, 1);
});

test('4xx is not retried; 429 is', async () => {
  handle = (_req, res) => res.writeHead(404).end('no such hook');
  const rejected = await deliverNotification(hook(), event, fast);
  assert.equal(rejected.outcome, 'rejected');
  assert.equal(rejected.attempts.length, 1);
  assert.equal(rejected.attempts[0]?.error, 'the webhook answered 404');
  assert.equal(rejected.attempts[0]?.response, 'no such hook');

  received = [];
  handle = (_req, res, n) => res.writeHead(n === 1 ? 429 : 200).end();
  const limited = await deliverNotification(hook(), event, fast);
  assert.equal(limited.outcome, 'delivered');
  assert.equal(limited.attempts.length, 2);
});

test('still 5xx after every attempt: failed, each attempt recorded', async () => {
  handle = (_req, res) => res.writeHead(500).end();
  const result = await deliverNotification(hook(), event, { ...fast, maxAttempts: 3 });
  assert.equal(result.outcome, 'failed');
  assert.equal(result.attempts.length, 3);
  assert.equal(received.length, 3);
});

test('redirects are not followed', async () => {
  handle = (req, res) => {
    if (req.url === '/moved') res.writeHead(302, { location: `${base}/elsewhere` }).end();
    else res.writeHead(200).end();
  };
  const result = await deliverNotification(hook('/moved'), event, fast);
  assert.equal(result.outcome, 'rejected');
  assert.match(
    result.attempts[0]?.error ?? '',
    /answered 302 \(a redirect to http:\/\/127\.0\.0\.1:\d+\/elsewhere\); Berth does not follow redirects/,
  );
  assert.deepEqual(
    received.map((r) => r.path),
    ['/moved'],
  );
});

test('a receiver that never answers times out, and is retried', async () => {
  handle = () => {
    // Never answers: the socket stays open until the client gives up.
  };
  const started = Date.now();
  const result = await deliverNotification(hook(), event, { ...fast, timeoutMs: 200, maxAttempts: 2 });
  assert.equal(result.outcome, 'failed');
  assert.deepEqual(
    result.attempts.map((a) => [a.status, a.error, a.retryable]),
    [
      [null, 'no answer within 200 ms', true],
      [null, 'no answer within 200 ms', true],
    ],
  );
  assert.ok(Date.now() - started < 2000);
});

test('a huge answer is read only up to the cap', async () => {
  handle = (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    // 64 MiB if anyone read it all; the client stops after the cap and closes the socket.
    const chunk = Buffer.alloc(64 * 1024, 'x');
    let sent = 0;
    const pump = (): void => {
      while (sent < 1024 && res.write(chunk)) sent += 1;
      if (sent < 1024) res.once('drain', pump);
      else res.end();
    };
    res.on('error', () => undefined);
    pump();
  };
  const result = await deliverNotification(hook(), event, { ...fast, maxResponseBytes: 1000 });
  assert.equal(result.outcome, 'delivered');
  assert.equal(result.attempts[0]?.response, 'x'.repeat(1000));
});

test('a closed port is a network error, retried', async () => {
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  const result = await deliverNotification(hook('/', { url: `http://127.0.0.1:${port}/` }), event, {
    ...fast,
    maxAttempts: 2,
  });
  assert.equal(result.outcome, 'failed');
  assert.equal(result.attempts[0]?.error, 'could not send: ECONNREFUSED');
  assert.equal(result.attempts[0]?.retryable, true);
});

test('without an owner allowing it, 127.0.0.1 and localhost are refused and nothing is sent', async () => {
  handle = (_req, res) => res.writeHead(200).end();
  const port = new URL(base).port;
  for (const url of [`${base}/hook`, `http://localhost:${port}/hook`]) {
    const result = await deliverNotification(hook('/', { url, allowPrivate: false }), event, fast);
    assert.equal(result.outcome, 'refused', url);
    assert.equal(result.attempts.length, 1);
    assert.match(result.attempts[0]?.error ?? '', /loopback address/);
  }
  assert.equal(received.length, 0);
});

test('a webhook record without a secret is recorded as not sent, never thrown', async () => {
  const result = await deliverNotification(hook('/', { secret: [] }), event, fast);
  assert.equal(result.outcome, 'refused');
  assert.match(result.attempts[0]?.error ?? '', /not sent: signNotification needs at least one secret/);
  assert.equal(received.length, 0);
});

test('retry delays: doubling, jittered between half and all of it', () => {
  const policy = { firstMs: 1000, maxMs: 8000 };
  assert.equal(notificationRetryDelayMs(1, 0, policy), 500);
  assert.equal(notificationRetryDelayMs(1, 1, policy), 1000);
  assert.equal(notificationRetryDelayMs(3, 0.5, policy), 3000);
  assert.equal(notificationRetryDelayMs(10, 1, policy), 8000);
  assert.equal(notificationRetryDelayMs(2, 7, policy), 2000);
});
