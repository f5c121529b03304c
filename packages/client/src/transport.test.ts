/**
 * The client against a real local HTTP server that answers as berthd does (and as things in
 * front of it do): errors become ApiErrors a person can act on, whatever answered.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { ZodError } from 'zod';
import { ApiError, createClient } from './index.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;
let handler: Handler = (_req, res) => res.end();
const seen: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[] = [];
let server: Server;
let url: string;

before(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('latin1');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const answer =
  (status: number, body: unknown, type = 'application/json'): Handler =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': type });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };

const problem = (status: number, code: string, detail: string, extra: object = {}) =>
  answer(
    status,
    {
      type: `https://berth.dev/problems/${code.toLowerCase()}`,
      title: 'x',
      status,
      detail,
      code,
      requestId: 'req-7',
      ...extra,
    },
    'application/problem+json',
  );

test('requests go to /api/v1 with the token, JSON bodies and the idempotency key', async () => {
  handler = answer(200, { id: 'dep_aaaaaaaaaaaaaaaaaaaa' });
  const client = createClient({ url: `${url}//`, token: 'tok_secret' });
  await client.deploy('web', 'nginx:1', 'key-1').catch(() => undefined);
  const req = seen.at(-1)!;
  assert.equal(req.method, 'POST');
  assert.equal(req.url, '/api/v1/apps/web/deployments');
  assert.equal(req.headers.authorization, 'Bearer tok_secret');
  assert.equal(req.headers['content-type'], 'application/json');
  assert.equal(req.headers['idempotency-key'], 'key-1');
  assert.deepEqual(JSON.parse(req.body), { image: 'nginx:1' });

  handler = answer(200, { status: 'ok', version: '1' });
  await createClient({ url, token: null }).health();
  assert.equal(seen.at(-1)!.headers.authorization, undefined, 'no token, no header');
});

test('names in paths are encoded, so a name cannot reach another route', async () => {
  handler = problem(404, 'APP_NOT_FOUND', 'No app');
  await assert.rejects(createClient({ url, token: 't' }).getApp('../users?x=1'), ApiError);
  assert.equal(seen.at(-1)!.url, '/api/v1/apps/..%2Fusers%3Fx%3D1');
});

test('a problem+json answer becomes an ApiError with its code, detail, hint, field issues and request id', async () => {
  handler = problem(400, 'VALIDATION_FAILED', 'Invalid app: name must be …', {
    hint: 'berth apps create --help',
    errors: [{ path: 'name', message: 'must be …' }],
  });
  await assert.rejects(createClient({ url, token: 't' }).createApp({ name: 'web' }), (e: unknown) => {
    assert.ok(e instanceof ApiError);
    assert.deepEqual(
      [e.status, e.code, e.message, e.hint, e.issues, e.requestId],
      [
        400,
        'VALIDATION_FAILED',
        'Invalid app: name must be …',
        'berth apps create --help',
        [{ path: 'name', message: 'must be …' }],
        'req-7',
      ],
    );
    return true;
  });
});

test('a code this client does not know, or something other than berthd answering, is INTERNAL with what was said', async () => {
  handler = problem(409, 'SOME_FUTURE_CODE', 'A newer berthd says no');
  await assert.rejects(createClient({ url, token: 't' }).listApps(), {
    name: 'ApiError',
    status: 409,
    code: 'INTERNAL',
    message: 'A newer berthd says no',
  });

  const page = `<html><body>${'Bad gateway '.repeat(40)}</body></html>`;
  handler = answer(502, page, 'text/html');
  await assert.rejects(createClient({ url, token: 't' }).listApps(), (e: unknown) => {
    assert.ok(e instanceof ApiError);
    assert.equal(e.code, 'INTERNAL');
    assert.equal(e.status, 502);
    assert.equal(e.message, `HTTP 502: ${page.slice(0, 200)}`);
    assert.deepEqual([e.hint, e.issues, e.requestId], [undefined, [], undefined]);
    return true;
  });

  // JSON, but not a problem: its fields are not trusted one by one.
  handler = answer(500, { detail: 42, code: 'APP_NOT_FOUND' });
  await assert.rejects(createClient({ url, token: 't' }).listApps(), {
    code: 'INTERNAL',
    message: /^HTTP 500: /,
  });
});

test('an answer that does not match the protocol fails loudly, not with half a value', async () => {
  handler = answer(200, { apps: [{ name: 42 }] });
  await assert.rejects(createClient({ url, token: 't' }).listApps(), ZodError);
});

test('nobody listening, or nobody answering in time, is UNREACHABLE with the next thing to check', async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  await assert.rejects(createClient({ url: `http://127.0.0.1:${port}`, token: 't' }).health(), {
    name: 'ApiError',
    status: 0,
    code: 'UNREACHABLE',
    message: new RegExp(`^Cannot reach berthd at http://127\\.0\\.0\\.1:${port} \\(.*ECONNREFUSED`),
    hint: 'Is `berth up` running? Check BERTH_URL or --url',
  });

  handler = () => undefined; // never answers
  await assert.rejects(createClient({ url, token: 't', timeoutMs: 200 }).health(), {
    code: 'UNREACHABLE',
    message: /timeout|aborted/i,
  });
});

test('NDJSON streams are read line by line across chunk boundaries; an error status is an ApiError too', async () => {
  const lines = [
    { at: '2026-12-01T10:00:00.000Z', replica: 'r1', stream: 'stdout', line: 'héllo' },
    { at: '2026-12-01T10:00:01.000Z', replica: 'r2', stream: 'stderr', line: 'a\\nb' },
  ];
  const text = lines.map((l) => JSON.stringify(l)).join('\n');
  handler = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    // Split inside a line and inside a multi-byte character; no newline after the last line.
    const bytes = Buffer.from(text);
    const cut = bytes.indexOf(0xc3) + 1;
    res.write(bytes.subarray(0, cut));
    setImmediate(() => res.end(bytes.subarray(cut)));
  };
  const got = [];
  for await (const line of createClient({ url, token: 't' }).logs('web', { follow: false, tail: 2 }))
    got.push(line);
  assert.deepEqual(got, lines);
  assert.equal(seen.at(-1)!.url, '/api/v1/apps/web/logs?follow=false&tail=2');

  handler = problem(429, 'RATE_LIMITED', 'You have 32 streams open');
  const stream = createClient({ url, token: 't' }).logs('web', { follow: true, tail: 0 });
  await assert.rejects(stream.next(), { code: 'RATE_LIMITED', status: 429 });
});

test('an upload goes as the bytes given, typed by the caller', async () => {
  handler = answer(202, {});
  const tar = new Uint8Array([0, 1, 2, 255]);
  await createClient({ url, token: 't' })
    .deployUpload('web', tar)
    .catch(() => undefined);
  const req = seen.at(-1)!;
  assert.equal(req.headers['content-type'], 'application/x-tar');
  assert.deepEqual(Buffer.from(req.body, 'latin1'), Buffer.from(tar));
});
