// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { generateEd25519KeyPair, generateSealingKeyPair, hashToken, loadEd25519Signer } from '@berth/crypto';
import {
  agentJoinPayload,
  parseJoinToken,
  type ServerJoinCommand,
  type ServerListing,
} from '@berth/protocol';
import { createTestClock, startTestApi, type TestApi } from './test-support/api.js';
import { assertSameDb } from './test-support/db-snapshot.js';
import { API, createClient, expectProblem, type Client, type Res } from './test-support/http.js';
import { createTokenVia } from './test-support/principals.js';

/**
 * The fleet over HTTP: installation owners add servers (a one-time join token), list, show,
 * drain, approve and remove them; an agent joins with the token exactly once; anyone else is
 * refused and nothing is written.
 */

const HOUR = 3_600_000;
const clock = createTestClock();
let api: TestApi;
let client: Client;
let outsider: string;
let teamAdmin: string;
before(async () => {
  api = await startTestApi({ clock: clock.now });
  client = createClient(api);
  const created = await client.send({ method: 'POST', url: `${API}/teams`, body: { name: 'other' } });
  assert.equal(created.status, 201, created.text);
  outsider = (await createTokenVia(client, { name: 'other-admin', role: 'admin', team: 'other' })).token;
  teamAdmin = (await createTokenVia(client, { name: 'default-admin', role: 'admin' })).token;
});
after(() => api.close());

const send = (
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  body?: unknown,
  token?: string,
): Promise<Res> =>
  client.send({ method, url: `${API}${path}`, ...(body !== undefined && { body }), ...(token && { token }) });

async function addServer(body: Record<string, unknown>): Promise<ServerJoinCommand> {
  const res = await send('POST', '/servers', body);
  assert.equal(res.status, 201, res.text);
  return res.json as ServerJoinCommand;
}

const listing = async (): Promise<ServerListing> => {
  const res = await send('GET', '/servers');
  assert.equal(res.status, 200, res.text);
  return res.json as ServerListing;
};

/** A new agent's keys, and the join body it sends for `token`. */
function agent() {
  const identity = loadEd25519Signer(generateEd25519KeyPair().privateKeyPem);
  const sealingKey = generateSealingKeyPair().publicKey;
  return {
    identity,
    body: (token: string, over: Record<string, unknown> = {}) => ({
      token,
      publicKey: identity.publicKey,
      sealingKey,
      signature: identity.sign(agentJoinPayload(token)),
      agentVersion: '0.1.0',
      capacity: { cpuMillis: 2000, memoryMib: 4096 },
      privateIp: '10.0.0.2',
      ...over,
    }),
  };
}

const join = (body: unknown): Promise<Res> =>
  client.send({ method: 'POST', url: `${API}/agent/join`, body, token: null, remoteAddress: '192.0.2.10' });

const auditRows = (action: string): Record<string, unknown>[] =>
  api.db.rowsWhere('audit_log', 'action', action);

test('add prints a single-use join command; only the hash of its secret is stored', async () => {
  const added = await addServer({ name: 'web-2', labels: { zone: 'b', role: 'edge' } });
  assert.deepEqual([added.name, added.labels], ['web-2', { zone: 'b', role: 'edge' }]);
  assert.equal(added.expiresAt, new Date(clock.now() + 24 * HOUR).toISOString());
  const { secret, caFingerprint } = parseJoinToken(added.token);
  assert.equal(caFingerprint, null, 'berthd on plain HTTP has no CA to pin');
  assert.match(added.token, /^bj1\.[A-Za-z0-9_-]{43}\.none$/);
  assert.equal(added.command, `berth agent join http://localhost:80 ${added.token}`);
  const rows = api.db.rowsWhere('join_tokens', 'server_name', 'web-2');
  assert.equal(rows.length, 1);
  assert.equal(rows[0]?.token_hash, hashToken(secret));
  assert.ok(!JSON.stringify(api.db.take()).includes(secret), 'the secret is nowhere in the database');
  assert.deepEqual(
    (await listing()).pending.find((p) => p.name === 'web-2'),
    {
      name: 'web-2',
      labels: { zone: 'b', role: 'edge' },
      expiresAt: added.expiresAt,
    },
  );
  assert.equal(auditRows('server.add').at(-1)?.target, 'server:web-2');
});

test('a name in use (a pending join or a live server), a bad name, label or ttl is refused', async () => {
  await addServer({ name: 'dup', ttl: '30m' });
  const before = api.db.take();
  expectProblem(await send('POST', '/servers', { name: 'dup' }), 409, 'SERVER_EXISTS');
  for (const body of [
    { name: 'Bad_Name' },
    { name: '-web' },
    { name: 'a'.repeat(64) },
    { name: 'ok', labels: { 'Zone!': 'b' } },
    { name: 'ok', labels: { zone: 'b c' } },
    { name: 'ok', labels: { zone: '' } },
    { name: 'ok', labels: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, 'v'])) },
    { name: 'ok', ttl: '8d' },
    { name: 'ok', ttl: '24' },
    { name: 'ok', ttl: '0h' },
    { name: 'ok', extra: true },
  ]) {
    expectProblem(await send('POST', '/servers', body), 400, 'VALIDATION_FAILED');
  }
  assertSameDb(before, api.db.take(), 'refused adds');
  // Expired, the name is free again.
  clock.advance(30 * 60_000);
  await addServer({ name: 'dup', ttl: '7d' });
});

test('only installation owners manage servers; everyone signed in may list them', async () => {
  await addServer({ name: 'guarded' });
  for (const token of [outsider, teamAdmin]) {
    const before = api.db.take();
    expectProblem(await send('POST', '/servers', { name: 'sneaky' }, token), 403, 'FORBIDDEN');
    expectProblem(await send('DELETE', '/servers/guarded', undefined, token), 403, 'FORBIDDEN');
    for (const verb of ['approve', 'drain', 'undrain'])
      expectProblem(await send('POST', `/servers/guarded/${verb}`, undefined, token), 403, 'FORBIDDEN');
    assertSameDb(before, api.db.take(), 'refused changes');
    assert.equal((await send('GET', '/servers', undefined, token)).status, 200);
  }
  assert.ok(auditRows('server.remove').some((r) => r.outcome === 'denied' && r.target === 'server:guarded'));
});

test('an agent joins once with its token: the server exists with the token name and labels', async () => {
  const added = await addServer({ name: 'joiner', labels: { zone: 'a' } });
  const a = agent();
  const res = await join(a.body(added.token));
  assert.equal(res.status, 201, res.text);
  const joined = res.json as { serverId: string; serverName: string; labels: Record<string, string> };
  assert.deepEqual([joined.serverName, joined.labels], ['joiner', { zone: 'a' }]);
  const server = await api.store.servers.findByName('joiner');
  assert.equal(server?.publicKey, a.identity.publicKey);
  const shown = await send('GET', '/servers/joiner');
  assert.equal(shown.status, 200, shown.text);
  assert.deepEqual(shown.json, {
    id: joined.serverId,
    name: 'joiner',
    state: 'active',
    status: 'offline',
    lastSeenAt: null,
    labels: { zone: 'a' },
    capacity: { cpuMillis: 2000, memoryMib: 4096 },
    agentVersion: '0.1.0',
    privateIp: '10.0.0.2',
    pendingKey: false,
  });
  assert.ok(!(await listing()).pending.some((p) => p.name === 'joiner'), 'no longer pending');
  const ok = auditRows('agent.join').find((r) => r.outcome === 'ok');
  assert.deepEqual([ok?.actor_kind, ok?.target], ['agent', 'server:joiner']);

  // Used: refused, for this agent and any other, and nothing is written but the audit row.
  const before = api.db.take();
  for (const body of [a.body(added.token), agent().body(added.token)])
    expectProblem(await join(body), 401, 'JOIN_TOKEN_INVALID');
  assertSameDb(before, api.db.take(), 'a reused token');
  assert.ok(auditRows('agent.join').some((r) => r.outcome === 'denied'));
  // And a name that has a live server cannot be added again.
  expectProblem(await send('POST', '/servers', { name: 'joiner' }), 409, 'SERVER_EXISTS');
});

test('an expired token, a wrong signature or a forged token is refused with one message; nothing is written', async () => {
  const added = await addServer({ name: 'late', ttl: '1h' });
  const a = agent();
  const forged = `${added.token.slice(0, 10)}${added.token[10] === 'A' ? 'B' : 'A'}${added.token.slice(11)}`;
  const bad = [
    a.body(added.token, { signature: agent().identity.sign(agentJoinPayload(added.token)) }),
    a.body(added.token, { signature: a.identity.sign(agentJoinPayload(`${added.token}x`)) }),
    a.body(forged),
    a.body('bj1.not-a-token.none'),
  ];
  const before = api.db.take();
  const messages = new Set<string>();
  for (const body of bad) messages.add(expectProblem(await join(body), 401, 'JOIN_TOKEN_INVALID').detail);
  assert.equal(messages.size, 1, 'one message for every bad join');
  clock.advance(HOUR);
  expectProblem(await join(a.body(added.token)), 401, 'JOIN_TOKEN_INVALID');
  assertSameDb(before, api.db.take(), 'refused joins');
  assert.equal(await api.store.servers.findByName('late'), null);
});

test('a garbage join body is a 4xx and writes nothing', async () => {
  const added = await addServer({ name: 'garbage' });
  const a = agent();
  const before = api.db.take();
  for (const body of [
    {},
    { token: added.token },
    a.body(added.token, { sealingKey: 'not a key' }),
    a.body(added.token, { privateIp: 'example.com' }),
    a.body(added.token, { agentVersion: 'x'.repeat(65) }),
    a.body(added.token, { capacity: { cpuMillis: -1, memoryMib: 1 } }),
    a.body(added.token, { name: 'other' }),
    a.body('x'.repeat(201)),
  ]) {
    const res = await join(body);
    assert.equal(res.status, 400, `${JSON.stringify(body).slice(0, 80)}: ${res.text}`);
  }
  const huge = await client.send({
    method: 'POST',
    url: `${API}/agent/join`,
    raw: JSON.stringify({ token: 'x', pad: 'y'.repeat(32 * 1024) }),
    headers: { 'content-type': 'application/json' },
    token: null,
  });
  expectProblem(huge, 413, 'BODY_TOO_LARGE');
  assertSameDb(before, api.db.take(), 'garbage joins');
  assert.equal((await join(a.body(added.token))).status, 201, 'the token still works');
});

test('drain, undrain, approve a pending key, and remove', async () => {
  const added = await addServer({ name: 'cycle' });
  const a = agent();
  assert.equal((await join(a.body(added.token))).status, 201);
  const state = async (): Promise<unknown> =>
    ((await send('GET', '/servers/cycle')).json as { state: string }).state;

  assert.equal(((await send('POST', '/servers/cycle/drain')).json as { state: string }).state, 'draining');
  assert.equal(await state(), 'draining');
  assert.equal(((await send('POST', '/servers/cycle/undrain')).json as { state: string }).state, 'active');

  expectProblem(await send('POST', '/servers/cycle/approve'), 409, 'SERVER_NO_PENDING_KEY');
  const server = await api.store.servers.findByName('cycle');
  assert.ok(server);
  const next = agent();
  await api.store.servers.setPendingKey(server.id, next.identity.publicKey);
  await api.store.servers.setState(server.id, 'paused');
  assert.equal(((await send('GET', '/servers/cycle')).json as { pendingKey: boolean }).pendingKey, true);
  const approved = await send('POST', '/servers/cycle/approve');
  assert.equal(approved.status, 200, approved.text);
  assert.deepEqual(
    [(approved.json as { state: string }).state, (approved.json as { pendingKey: boolean }).pendingKey],
    ['active', false],
  );
  assert.equal((await api.store.servers.findByName('cycle'))?.publicKey, next.identity.publicKey);

  assert.equal((await send('DELETE', '/servers/cycle')).status, 204);
  expectProblem(await send('GET', '/servers/cycle'), 404, 'SERVER_NOT_FOUND');
  expectProblem(await send('DELETE', '/servers/cycle'), 404, 'SERVER_NOT_FOUND');
  expectProblem(await send('POST', '/servers/cycle/drain'), 404, 'SERVER_NOT_FOUND');
  assert.ok(!(await listing()).servers.some((s) => s.name === 'cycle'));
  assert.equal((await api.store.servers.get(server.id))?.state, 'removed');
  // The name is free again; the old key can never join again.
  const again = await addServer({ name: 'cycle' });
  expectProblem(await join(next.body(again.token)), 409, 'SERVER_EXISTS');
});

test('remove withdraws a pending join', async () => {
  const added = await addServer({ name: 'withdrawn' });
  assert.equal((await send('DELETE', '/servers/withdrawn')).status, 204);
  assert.ok(!(await listing()).pending.some((p) => p.name === 'withdrawn'));
  expectProblem(await join(agent().body(added.token)), 401, 'JOIN_TOKEN_INVALID');
});

test('labels are set and removed, the others kept, at most 32 in all', async () => {
  const added = await addServer({ name: 'labelled', labels: { zone: 'a', role: 'edge' } });
  assert.equal((await join(agent().body(added.token))).status, 201);
  const patch = (body: unknown): Promise<Res> =>
    client.send({ method: 'PATCH', url: `${API}/servers/labelled/labels`, body });
  const res = await patch({ set: { zone: 'b', tier: 'gold' }, unset: ['role'] });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual((res.json as { labels: unknown }).labels, { zone: 'b', tier: 'gold' });
  const before = api.db.take();
  const many = Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`k${i}`, 'v']));
  expectProblem(await patch({ set: many }), 400, 'VALIDATION_FAILED');
  expectProblem(await patch({ set: { 'Bad Key': 'v' } }), 400, 'VALIDATION_FAILED');
  expectProblem(await patch({ unset: ['x'], extra: 1 }), 400, 'VALIDATION_FAILED');
  assertSameDb(before, api.db.take(), 'refused label changes');
});
