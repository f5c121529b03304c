// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Deployment } from '@berth/protocol';
import { parseServerConfig } from '../config.js';
import { startBerthd, type Berthd } from '../server.js';

/**
 * Following a deployment over real HTTP (`GET /deployments/{id}/events?follow=true`, what
 * `berth deploy` and the dashboard read): each event is on the wire as soon as its write commits,
 * woken by the store's commit (deploy/deployment-feed.ts) rather than found by a timed poll whose
 * fallback is 5 s; the end line follows the final status; the follower leaves nothing waiting.
 * No job worker runs: the test writes the deployment's events itself, as the deploy job would.
 */

let dataDir: string;
let berthd: Berthd;
let token: string;

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'berth-follow-'));
  berthd = await startBerthd(parseServerConfig({ BERTHD_DATA_DIR: dataDir, BERTHD_PORT: '0' }), {
    worker: false,
  });
  token = (await readFile(join(dataDir, 'admin.token'), 'utf8')).trim();
});
after(async () => {
  await berthd?.close();
  await rm(dataDir, { recursive: true, force: true });
});

const api = async (method: string, path: string, body?: unknown): Promise<Response> =>
  fetch(new URL(`/api/v1${path}`, berthd.url), {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });

test('each event of a followed deployment is on the wire as soon as it commits; the end line follows the last status', async () => {
  assert.equal((await api('POST', '/apps', { name: 'web', image: 'localhost/hello:1' })).status, 201);
  const queued = await api('POST', '/apps/web/deployments', {});
  assert.equal(queued.status, 202, await queued.clone().text());
  const { id } = (await queued.json()) as Deployment;
  const res = await api('GET', `/deployments/${id}/events?follow=true`);
  assert.equal(res.status, 200);
  const reader = res.body?.getReader();
  assert.ok(reader);
  const decoder = new TextDecoder();
  let buffered = '';
  const nextLine = async (): Promise<{ type: string; event?: { message: string } }> => {
    for (;;) {
      const at = buffered.indexOf('\n');
      if (at >= 0) {
        const line = buffered.slice(0, at);
        buffered = buffered.slice(at + 1);
        return JSON.parse(line) as { type: string; event?: { message: string } };
      }
      const { value, done } = await reader.read();
      assert.ok(!done, 'the stream ended early');
      buffered += decoder.decode(value as Uint8Array, { stream: true });
    }
  };
  // What the deployment already has (its "Queued" event) comes first.
  assert.equal((await nextLine()).type, 'event');
  const store = berthd.store;
  const waits: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t0 = performance.now();
    await store.events.append(id, { at: Date.now(), level: 'info', message: `step ${i}` });
    const line = await nextLine();
    waits.push(performance.now() - t0);
    assert.equal(line.event?.message, `step ${i}`);
  }
  // Woken by the commit, not by the 5-s fallback read.
  assert.ok(Math.max(...waits) < 1000, `commit to wire: ${waits.map((w) => w.toFixed(0)).join(' ')} ms`);
  await store.transaction(async (tx) => {
    await tx.events.append(id, { at: Date.now(), level: 'info', message: 'done' });
    await tx.deployments.update(id, { status: 'succeeded', finishedAt: Date.now() });
  });
  assert.equal((await nextLine()).event?.message, 'done');
  const end = await nextLine();
  assert.equal(end.type, 'end');
  assert.equal((end as { deployment?: Deployment }).deployment?.status, 'succeeded');
  assert.equal((await reader.read()).done, true);
});
