// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { AuditRow } from '@berth/store';
import type { WebSocket } from 'ws';
import { startTestApi, type TestApi } from './test-support/api.js';
import { createApp } from './test-support/fixtures.js';
import { API, createClient, type Client } from './test-support/http.js';
import { createTokenVia } from './test-support/principals.js';

/**
 * `berth exec` at berthd: who may open a session, what is audited, and that a session gives its
 * stream slot back. No agent runs here, so an allowed session ends with AGENT_UNAVAILABLE; the
 * command itself runs in the e2e test (lifecycle).
 */

let api: TestApi;
let client: Client;
before(async () => {
  api = await startTestApi({ inMemory: true, env: { BERTHD_MAX_STREAMS_PER_PRINCIPAL: '1' } });
  client = createClient(api);
  await createApp(client, 'web');
  const team = await client.send({ method: 'POST', url: `${API}/teams`, body: { name: 'other' } });
  assert.equal(team.status, 201, team.text);
});
after(() => api.close());

/** A session and its text messages until berthd closes it, heard from the first frame on. */
interface Session {
  ws: WebSocket;
  messages: Promise<unknown[]>;
}

async function open(app: string, token: string, query = 'cmd=cat&cmd=/etc/hostname'): Promise<Session> {
  let messages: Promise<unknown[]> = Promise.resolve([]);
  // Listening from before the upgrade: berthd may answer and close before `open` resolves.
  const ws = await api.app.injectWS(
    `${API}/apps/${app}/exec?${query}`,
    { headers: { authorization: `Bearer ${token}` } },
    {
      onInit: (socket) => {
        messages = messagesUntilClose(socket);
      },
    },
  );
  return { ws, messages };
}

/**
 * The newest audit row once it is by this actor: a refusal's row is written when its response
 * has gone out, which the client may see first.
 */
async function lastRow(actorName: string): Promise<AuditRow | undefined> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const row = (await api.store.audit.list({ afterSeq: 0, limit: 10_000 })).at(-1);
    if (row?.actorName === actorName || Date.now() > deadline) return row;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The text messages of a session, until berthd closes it. */
function messagesUntilClose(ws: WebSocket): Promise<unknown[]> {
  const seen: unknown[] = [];
  ws.on('message', (data: Buffer, binary: boolean) => {
    if (!binary) seen.push(JSON.parse(data.toString('utf8')));
  });
  return new Promise((resolve) => ws.once('close', () => resolve(seen)));
}

test('an operator’s session is relayed to the agent; without one it ends with AGENT_UNAVAILABLE, audited with its argv', async () => {
  const operator = (await createTokenVia(client, { name: 'ops', role: 'operator' })).token;
  const messages = await (await open('web', operator)).messages;
  assert.deepEqual(
    messages.map((m) => (m as { type: string; code?: string }).code ?? (m as { type: string }).type),
    ['AGENT_UNAVAILABLE'],
  );
  const row = await lastRow('ops');
  assert.deepEqual(
    [row?.action, row?.target, row?.outcome, row?.actorName, row?.detail.cmd, row?.detail.error],
    ['app.exec', 'app:web', 'failed', 'ops', JSON.stringify(['cat', '/etc/hostname']), 'AGENT_UNAVAILABLE'],
  );
  // The slot (one per principal here) came back when the session closed.
  await (
    await open('web', operator)
  ).messages;
});

test('a viewer may not exec (403); another team does not see the app (404); both are audited as refused', async () => {
  const viewer = (await createTokenVia(client, { name: 'viewer', role: 'viewer' })).token;
  await assert.rejects(open('web', viewer), /Unexpected server response: 403/);
  const refused = await lastRow('viewer');
  assert.deepEqual(
    [refused?.action, refused?.target, refused?.outcome, refused?.actorName],
    ['app.exec', 'app:web', 'denied', 'viewer'],
  );
  const stranger = (await createTokenVia(client, { name: 'stranger', role: 'admin', team: 'other' })).token;
  await assert.rejects(open('web', stranger), /Unexpected server response: 404/);
  const hidden = await lastRow('stranger');
  assert.deepEqual(
    [hidden?.action, hidden?.outcome, hidden?.actorName, hidden?.teamId],
    ['app.exec', 'denied', 'stranger', null],
  );
});

test('a command berthd would not pass on is refused before the upgrade (400)', async () => {
  await assert.rejects(open('web', api.token, 'cmd='), /Unexpected server response: 400/);
  await assert.rejects(open('web', api.token, 'replica=0'), /Unexpected server response: 400/);
  await assert.rejects(open('web', api.token, 'shell=bash'), /Unexpected server response: 400/);
});

test('a plain GET is told to upgrade (426)', async () => {
  const res = await client.send({ method: 'GET', url: `${API}/apps/web/exec?cmd=true` });
  assert.equal(res.status, 426, res.text);
  assert.equal((res.json as { code: string }).code, 'UPGRADE_REQUIRED');
});
