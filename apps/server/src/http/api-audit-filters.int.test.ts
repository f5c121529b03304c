// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { AuditRow } from '@berth/protocol';
import { createTestClock, startTestApi, type TestApi, type TestClock } from './test-support/api.js';
import { API, createClient, expectProblem, type Client } from './test-support/http.js';
import { createTokenVia, type CreatedToken } from './test-support/principals.js';

/**
 * GET /audit narrowed by actor, action (or a kind of action), target, outcome and time, newest
 * first and paged from either end (the dashboard's audit page). A filter only narrows what the
 * caller may read: a team admin asking for another team's actor or target gets no rows.
 */

let api: TestApi;
let client: Client;
let clock: TestClock;
let bravoOwner: CreatedToken;
let alphaAdmin: CreatedToken;
/** berthd's clock just before the second batch of changes. */
let secondBatch = 0;

const rowsOf = async (query: string, token?: string): Promise<AuditRow[]> => {
  const res = await client.send({ method: 'GET', url: `${API}/audit?${query}`, token });
  assert.equal(res.status, 200, res.text);
  return (res.json as { rows: AuditRow[] }).rows;
};

const project = async (name: string, team?: string, token?: string): Promise<number> => {
  const res = await client.send({
    method: 'POST',
    url: `${API}/projects`,
    body: { name, ...(team && { team }) },
    token,
  });
  return res.status;
};

before(async () => {
  clock = createTestClock(Date.parse('2030-01-01T00:00:00Z'));
  api = await startTestApi({ inMemory: true, clock: clock.now });
  client = createClient(api);
  const team = await client.send({ method: 'POST', url: `${API}/teams`, body: { name: 'bravo' } });
  assert.equal(team.status, 201, team.text);
  bravoOwner = await createTokenVia(client, { name: 'b-owner', role: 'owner', team: 'bravo' });
  alphaAdmin = await createTokenVia(client, { name: 'a-admin', role: 'admin' });
  const viewer = await createTokenVia(client, { name: 'a-viewer', role: 'viewer' });
  assert.equal(await project('p-one'), 201);
  assert.equal(await project('p-two', undefined, alphaAdmin.token), 201);
  // Refused: a viewer may not make projects (a `denied` row in the default team).
  assert.equal(await project('p-refused', undefined, viewer.token), 403);
  clock.advance(3_600_000);
  secondBatch = clock.now();
  assert.equal(await project('b-one', 'bravo', bravoOwner.token), 201);
  assert.equal(await project('p-three'), 201);
});
after(() => api.close());

test('by action, exactly or every action of a kind', async () => {
  const made = await rowsOf('action=project.create');
  assert.deepEqual(
    made.map((r) => [r.target, r.outcome]),
    [
      ['project:p-one', 'ok'],
      ['project:p-two', 'ok'],
      ['project:p-refused', 'denied'],
      ['project:b-one', 'ok'],
      ['project:p-three', 'ok'],
    ],
  );
  const tokens = await rowsOf('action=token.*');
  assert.ok(
    tokens.every((r) => r.action.startsWith('token.')),
    JSON.stringify(tokens.map((r) => r.action)),
  );
  for (const name of ['b-owner', 'a-admin', 'a-viewer'])
    assert.ok(
      tokens.some((r) => r.target === `token:${name}`),
      name,
    );
  // A kind is a whole first word: `tok.*` is not `token.*`.
  assert.deepEqual(await rowsOf('action=tok.*'), []);
});

test('by actor (name or id), target, outcome and time; every part must match', async () => {
  const byName = await rowsOf('actor=a-admin');
  assert.deepEqual(
    byName.map((r) => r.target),
    ['project:p-two'],
  );
  const id = byName[0]?.actorId;
  assert.ok(id);
  assert.deepEqual(await rowsOf(`actor=${encodeURIComponent(id)}`), byName);
  assert.deepEqual(
    (await rowsOf('target=project:p-refused')).map((r) => [r.actorName, r.outcome]),
    [['a-viewer', 'denied']],
  );
  assert.deepEqual(
    (await rowsOf('outcome=denied')).map((r) => r.target),
    ['project:p-refused'],
  );
  assert.deepEqual(await rowsOf('outcome=denied&actor=a-admin'), []);
  const since = new Date(secondBatch).toISOString();
  assert.deepEqual(
    (await rowsOf(`action=project.create&since=${since}`)).map((r) => r.target),
    ['project:b-one', 'project:p-three'],
  );
  assert.deepEqual(
    (await rowsOf(`action=project.create&until=${since}`)).map((r) => r.target),
    ['project:p-one', 'project:p-two', 'project:p-refused'],
  );
  // Any offset names the same instant.
  const plusOne = new Date(secondBatch + 3_600_000)
    .toISOString()
    .replace('Z', '+01:00')
    .replace('T01', 'T02');
  assert.deepEqual(
    (await rowsOf(`action=project.create&since=${encodeURIComponent(plusOne)}`)).map((r) => r.target),
    ['project:b-one', 'project:p-three'],
  );
});

test('newest first, paged with before; oldest first, paged with after', async () => {
  const all = await rowsOf('limit=1000');
  const seqs = all.map((r) => r.seq);
  const newest = await rowsOf('order=desc&limit=3');
  assert.deepEqual(
    newest.map((r) => r.seq),
    seqs.slice(-3).reverse(),
  );
  const older = await rowsOf(`order=desc&limit=3&before=${newest[2]?.seq}`);
  assert.deepEqual(
    older.map((r) => r.seq),
    seqs.slice(-6, -3).reverse(),
  );
  assert.deepEqual(
    (await rowsOf(`after=${seqs[0]}&before=${seqs[3]}`)).map((r) => r.seq),
    seqs.slice(1, 3),
  );
});

test("a team admin's filter stays in its teams: another team's actor or target is no row", async () => {
  assert.deepEqual(
    (await rowsOf('action=project.create', alphaAdmin.token)).map((r) => r.target),
    ['project:p-one', 'project:p-two', 'project:p-refused', 'project:p-three'],
  );
  assert.deepEqual(await rowsOf('actor=b-owner', alphaAdmin.token), []);
  assert.deepEqual(await rowsOf('target=project:b-one', alphaAdmin.token), []);
  assert.deepEqual(
    (await rowsOf('target=project:b-one', bravoOwner.token)).map((r) => r.actorName),
    ['b-owner'],
  );
});

test('a malformed filter is refused, naming it', async () => {
  for (const [query, field] of [
    ['action=User.Grant', 'action'],
    ['action=user.*.x', 'action'],
    ['since=yesterday', 'since'],
    ['until=2030-01-01', 'until'],
    ['outcome=maybe', 'outcome'],
    ['order=random', 'order'],
    ['before=0', 'before'],
    [`target=${'x'.repeat(301)}`, 'target'],
  ]) {
    const res = await client.send({ method: 'GET', url: `${API}/audit?${query}` });
    expectProblem(res, 400, 'VALIDATION_FAILED', field);
  }
  const unknown = await client.send({ method: 'GET', url: `${API}/audit?team=bravo` });
  expectProblem(unknown, 400, 'VALIDATION_FAILED');
});
