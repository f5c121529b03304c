// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
/**
 * Long-lived streams are capped per principal and in all, over real HTTP (app.inject cannot
 * disconnect): the refusal says how many are open and the limit, with Retry-After; a slot comes
 * back as soon as its client goes away, whether it closes, resets or half-closes; refusals are
 * audited without one row per attempt.
 */
import assert from 'node:assert/strict';
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Deployment } from '@berth/protocol';
import { startTestApi, type TestApi } from './test-support/api.js';
import { createApp, deploy } from './test-support/fixtures.js';
import { API, createClient } from './test-support/http.js';
import { createTokenVia } from './test-support/principals.js';

interface Opened {
  status: number;
  retryAfter: string | undefined;
  body: string;
  req: ClientRequest;
  res: IncomingMessage;
}

describe('stream caps', () => {
  let api: TestApi;
  let port: number;
  let path: string;
  let ops: string;
  let other: string;

  before(async () => {
    api = await startTestApi({
      inMemory: true,
      env: { BERTHD_MAX_STREAMS_PER_PRINCIPAL: '3', BERTHD_MAX_STREAMS: '5' },
    });
    await api.app.listen({ host: '127.0.0.1', port: 0 });
    const address = api.app.server.address();
    port = typeof address === 'object' && address ? address.port : 0;
    const client = createClient(api);
    await createApp(client, 'web');
    // No job worker runs here: the deployment stays queued, so a follow of its events never ends.
    const d: Deployment = await deploy(client, 'web');
    path = `${API}/deployments/${d.id}/events?follow=true`;
    ops = (await createTokenVia(client, { name: 'ops', role: 'operator' })).token;
    other = (await createTokenVia(client, { name: 'other', role: 'operator' })).token;
  });
  after(async () => {
    await api?.close();
  });

  /** Opens the stream; a 200 stays open (close it with req.destroy()), a refusal is read whole. */
  function open(token: string): Promise<Opened> {
    return new Promise((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, path, agent: false, headers: { authorization: `Bearer ${token}` } },
        (res) => {
          const retryAfter = res.headers['retry-after'];
          const status = res.statusCode ?? 0;
          if (status === 200) return resolve({ status, retryAfter, body: '', req, res });
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolve({ status, retryAfter, body, req, res }));
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  /** Retries until a stream is admitted again: a freed slot must be noticed within a second. */
  async function admittedWithin(token: string, ms: number): Promise<Opened> {
    const deadline = Date.now() + ms;
    for (;;) {
      const s = await open(token);
      if (s.status === 200) return s;
      if (Date.now() > deadline) throw new Error(`still refused after ${ms} ms: ${s.body}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  test('the fourth stream of one token is refused with how many are open, the limit and Retry-After', async () => {
    const held = [await open(ops), await open(ops), await open(ops)];
    assert.deepEqual(
      held.map((s) => s.status),
      [200, 200, 200],
    );
    const refused = await open(ops);
    assert.equal(refused.status, 429);
    assert.equal(refused.retryAfter, '5');
    assert.match(refused.res.headers['content-type'] ?? '', /application\/problem\+json/);
    const problem = JSON.parse(refused.body) as { code: string; detail: string; hint: string };
    assert.equal(problem.code, 'RATE_LIMITED');
    assert.match(problem.detail, /You have 3 streams open .*the limit is 3 per user or token/);
    assert.match(problem.hint, /BERTHD_MAX_STREAMS_PER_PRINCIPAL/);

    const theirs = [await open(other), await open(other)];
    assert.deepEqual(
      theirs.map((s) => s.status),
      [200, 200],
      'another principal has slots of its own',
    );
    const sixth = await open(other);
    assert.equal(sixth.status, 429, 'the total of 5 is reached');
    assert.match(
      (JSON.parse(sixth.body) as { detail: string }).detail,
      /berthd has 5 streams open, its limit for all users together \(5\)/,
    );

    // A client that goes away gives its slot back at once.
    held[0]?.req.destroy();
    const again = await admittedWithin(ops, 1000);
    for (const s of [again, held[1], held[2], ...theirs]) s?.req.destroy();
  });

  test('a client that half-closes its connection (FIN, still reading) frees its slot', async () => {
    const full = [
      await admittedWithin(ops, 1000),
      await admittedWithin(ops, 1000),
      await admittedWithin(ops, 1000),
    ];
    assert.equal((await open(ops)).status, 429);
    full[0]?.req.destroy();
    full[1]?.req.destroy();
    // The third slot goes to a raw socket that sends its request and then shuts down its write side.
    full[2]?.req.destroy();
    const raw = connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => raw.once('connect', resolve));
    raw.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ops}\r\n\r\n`);
    const head = await new Promise<string>((resolve) =>
      raw.once('data', (d: Buffer) => resolve(d.toString())),
    );
    assert.match(head, /^HTTP\/1.1 200/);
    const others = [await admittedWithin(ops, 1000), await admittedWithin(ops, 1000)];
    assert.equal((await open(ops)).status, 429, 'the raw socket holds the third slot');
    raw.end();
    const freed = await admittedWithin(ops, 1000);
    raw.destroy();
    for (const s of [...others, freed]) s.req.destroy();
  });

  test('refusals are audited, but a flood of them writes one row plus one count', async () => {
    const before = (await api.store.audit.list({ afterSeq: 0, limit: 10_000 })).filter(
      (r) => r.action === 'stream.open',
    ).length;
    // A token of its own: the refusals of the tests above opened audit windows of their tokens.
    const flood = (await createTokenVia(createClient(api), { name: 'flood', role: 'operator' })).token;
    const held = [
      await admittedWithin(flood, 1000),
      await admittedWithin(flood, 1000),
      await admittedWithin(flood, 1000),
    ];
    for (let i = 0; i < 50; i++) assert.equal((await open(flood)).status, 429);
    const rows = (await api.store.audit.list({ afterSeq: 0, limit: 10_000 })).filter(
      (r) => r.action === 'stream.open',
    );
    assert.equal(rows.length, before + 1, 'the first refusal is written at once, the rest are counted');
    const first = rows.at(-1);
    assert.equal(first?.outcome, 'denied');
    assert.equal(first?.actorName, 'flood');
    assert.deepEqual(first?.detail, {
      stream: 'deployment-events',
      refused: 1,
      scope: 'principal',
      open: 3,
      limit: 3,
    });
    for (const s of held) s.req.destroy();

    // The count of the window is written when it ends, at the latest when berthd stops.
    await api.app.close();
    const last = (await api.store.audit.list({ afterSeq: 0, limit: 10_000 })).at(-1);
    assert.equal(last?.action, 'stream.open');
    assert.equal(last?.detail.refused, 49);
  });
});
