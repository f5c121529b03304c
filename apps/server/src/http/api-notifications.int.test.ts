import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { verifyNotificationSignature } from '@berth/engine';
import type { NotificationChannelCreated, NotificationDelivery, NotificationEnvelope } from '@berth/protocol';
import { startTestApi, type TestApi } from './test-support/api.js';
import { API, createClient, expectProblem, type Client } from './test-support/http.js';
import { createTokenVia } from './test-support/principals.js';

/**
 * Notification channels in process, with the job worker on and a real receiver on 127.0.0.1: a
 * secret that survives `keys rotate` and `keys retire` (still signing what the receiver checks
 * with the secret it was given), an audited failure sent to its team's channel and no other, and
 * a team admin's private destinations refused.
 */

let api: TestApi;
let client: Client;
const got: { path: string; headers: IncomingHttpHeaders; body: string }[] = [];
const receiver = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    got.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() });
    res.end('ok');
  });
});
let base = '';

before(async () => {
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const address = receiver.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  api = await startTestApi({ worker: true });
  client = createClient(api);
});
after(async () => {
  await api.close();
  await new Promise((r) => receiver.close(r));
});

const add = async (body: Record<string, unknown>, token?: string) =>
  client.send({ method: 'POST', url: `${API}/notifications/channels`, body, ...(token && { token }) });

test('the signing secret survives key rotation and retirement, and is counted while sealed', async () => {
  const res = await add({ url: `${base}/rotate`, allowPrivate: true });
  assert.equal(res.status, 201, res.text);
  const { channel, secret } = res.json as NotificationChannelCreated;
  const rotated = await client.send({ method: 'POST', url: `${API}/keys/rotate` });
  assert.equal(rotated.status, 200, rotated.text);
  const { previous, current } = rotated.json as { previous: string; current: string };
  const keys = (await client.send({ method: 'GET', url: `${API}/keys` })).json as {
    keys: { id: string; inUse: number }[];
  };
  assert.ok((keys.keys.find((k) => k.id === current)?.inUse ?? 0) >= 1);
  assert.equal((await client.send({ method: 'DELETE', url: `${API}/keys/${previous}` })).status, 204);
  assert.equal((await api.store.notifications.getChannel(channel.id))?.secretSealed.keyId, current);

  const sent = await client.send({ method: 'POST', url: `${API}/notifications/channels/${channel.id}/test` });
  assert.equal(sent.status, 200, sent.text);
  assert.equal((sent.json as NotificationDelivery).status, 'delivered');
  const req = got.find((g) => g.path === '/rotate');
  assert.ok(req);
  const check = verifyNotificationSignature(
    secret,
    String(req.headers['berth-signature']),
    req.body,
    Date.now(),
  );
  assert.equal(check.ok, true, JSON.stringify(check));
});

test("an audited failure goes to its team's channels only, once each", async () => {
  assert.equal(
    (await add({ url: `${base}/mine`, allowPrivate: true, events: ['deploy.failed'] })).status,
    201,
  );
  assert.equal(
    (await add({ url: `${base}/mine-backups`, allowPrivate: true, events: ['backup.failed'] })).status,
    201,
  );
  const team = await client.send({ method: 'POST', url: `${API}/teams`, body: { name: 'other' } });
  assert.equal(team.status, 201, team.text);
  assert.equal((await add({ url: `${base}/theirs`, allowPrivate: true, team: 'other' })).status, 201);

  await api.store.transaction((tx) =>
    tx.audit.append({
      at: Date.now(),
      actorKind: 'system',
      actorId: null,
      actorName: 'berthd',
      teamId: api.defaultTeamId,
      requestId: null,
      action: 'deploy.failed',
      target: 'app:web',
      outcome: 'failed',
      detail: { error: 'did not pass its health check' },
    }),
  );
  for (let i = 0; i < 100 && !got.some((g) => g.path === '/mine'); i++) await sleep(50);
  await sleep(300);
  const mine = got.filter((g) => g.path === '/mine');
  assert.equal(mine.length, 1);
  const event = JSON.parse(mine[0]?.body ?? '{}') as NotificationEnvelope;
  assert.deepEqual([event.type, event.team, event.subject], ['deploy.failed', 'default', 'app:web']);
  assert.equal(got.filter((g) => g.path === '/theirs' || g.path === '/mine-backups').length, 0);
});

test('a team admin is refused private destinations and allowPrivate (403), and no channel is made', async () => {
  const admin = await createTokenVia(client, { name: 'notify-admin', role: 'admin' });
  const before = (await api.store.notifications.listChannels(null)).length;
  for (const body of [
    { url: `${base}/admin` },
    { url: 'http://169.254.169.254/latest/meta-data/' },
    { url: 'http://[::ffff:127.0.0.1]/' },
    { url: 'https://hooks.example.test/', allowPrivate: true },
  ])
    expectProblem(await add(body, admin.token), 403, 'DESTINATION_NOT_ALLOWED');
  expectProblem(await add({ url: 'ftp://hooks.example.test/' }, admin.token), 400, 'VALIDATION_FAILED');
  assert.equal((await api.store.notifications.listChannels(null)).length, before);
  assert.equal(got.filter((g) => g.path === '/admin').length, 0);
});
