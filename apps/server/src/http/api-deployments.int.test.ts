import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Deployment } from '@berth/protocol';
import { startTestApi, type TestApi } from './test-support/api.js';
import { assertSameDb } from './test-support/db-snapshot.js';
import { createApp, deploy, liveApp } from './test-support/fixtures.js';
import { API, createClient, expectProblem, type Client, type Req } from './test-support/http.js';

/** Deploys, rollbacks and idempotency: what each request writes, and that refusals write nothing. */

let api: TestApi;
let client: Client;
before(async () => {
  api = await startTestApi();
  client = createClient(api);
});
after(() => api.close());

const post = (path: string, body: unknown, key?: string): Req => ({
  method: 'POST',
  url: `${API}${path}`,
  body,
  ...(key !== undefined && { headers: { 'idempotency-key': key } }),
});

/** Sends a request that must be refused with `code`, and checks the database did not change. */
async function refused(req: Req, status: number, code: Parameters<typeof expectProblem>[2]): Promise<void> {
  const before = api.db.take();
  expectProblem(await client.send(req), status, code);
  assertSameDb(before, api.db.take(), `${req.method} ${req.url}`);
}

const diff = (before: Record<string, number>, after: Record<string, number>): Record<string, number> =>
  Object.fromEntries(
    Object.keys(after)
      .map((t) => [t, (after[t] ?? 0) - (before[t] ?? 0)] as const)
      .filter(([, n]) => n !== 0),
  );

test('a deploy is accepted (202) as a queued deployment with one release, one event and one job', async () => {
  await createApp(client, 'd-one');
  const before = api.db.counts();
  const res = await client.send(post('/apps/d-one/deployments', { image: 'nginx:1.28' }));
  assert.equal(res.status, 202, res.text);
  const d = res.json as Deployment;
  assert.deepEqual(
    [d.status, d.kind, d.releaseVersion, d.appName, d.startedAt],
    ['queued', 'deploy', 1, 'd-one', null],
  );
  assert.deepEqual(diff(before, api.db.counts()), {
    audit_log: 1,
    deployment_events: 1,
    deployments: 1,
    jobs: 1,
    releases: 1,
  });
  const jobs = api.db.rowsWhere('jobs', 'idempotency_key', `deploy:${d.id}`);
  assert.deepEqual(
    jobs.map((j) => [j.kind, j.status, j.concurrency_key, JSON.parse(String(j.payload)) as unknown]),
    [['deploy', 'queued', d.appId, { deploymentId: d.id }]],
    'one queued deploy job for this deployment',
  );
});

test('the same Idempotency-Key with the same body returns the same deployment and writes nothing', async () => {
  await createApp(client, 'd-idem');
  const first = await client.send(post('/apps/d-idem/deployments', { image: 'nginx:1.28' }, 'key-1'));
  assert.equal(first.status, 202, first.text);
  const before = api.db.take();
  const again = await client.send(post('/apps/d-idem/deployments', { image: 'nginx:1.28' }, 'key-1'));
  assert.equal(again.status, 202, again.text);
  assert.equal((again.json as Deployment).id, (first.json as Deployment).id);
  assertSameDb(before, api.db.take(), 'a replayed deploy');
});

test('the same Idempotency-Key with a different request is 422 IDEMPOTENCY_CONFLICT, writing nothing', async () => {
  await createApp(client, 'd-conflict');
  assert.equal(
    (await client.send(post('/apps/d-conflict/deployments', { image: 'nginx:1.28' }, 'key-2'))).status,
    202,
  );
  await refused(
    post('/apps/d-conflict/deployments', { image: 'nginx:1.29' }, 'key-2'),
    422,
    'IDEMPOTENCY_CONFLICT',
  );
  await refused(post('/apps/d-conflict/deployments', {}, 'key-2'), 422, 'IDEMPOTENCY_CONFLICT');
  await refused(post('/apps/d-conflict/scale', { replicas: 2 }, 'key-2'), 422, 'IDEMPOTENCY_CONFLICT');
  await refused(post('/apps/d-conflict/rollback', {}, 'key-2'), 422, 'IDEMPOTENCY_CONFLICT');
  await refused(
    {
      method: 'PATCH',
      url: `${API}/apps/d-conflict/env`,
      body: { set: { A: '1' } },
      headers: { 'idempotency-key': 'key-2' },
    },
    422,
    'IDEMPOTENCY_CONFLICT',
  );
});

test('replays of scale, env and rollback return their first deployment', async () => {
  await liveApp(client, api.store, 'd-replay', 2);
  const requests: Req[] = [
    post('/apps/d-replay/scale', { replicas: 3 }, 'scale-1'),
    {
      method: 'PATCH',
      url: `${API}/apps/d-replay/env`,
      body: { set: { B: '1' } },
      headers: { 'idempotency-key': 'env-1' },
    },
    post('/apps/d-replay/rollback', { toVersion: 1 }, 'rollback-1'),
  ];
  for (const req of requests) {
    const first = await client.send(req);
    assert.ok(first.status === 200 || first.status === 202, first.text);
    const before = api.db.take();
    const again = await client.send(req);
    assert.equal(again.status, first.status);
    const id = (r: unknown) => (r as { deployment?: Deployment }).deployment?.id ?? (r as Deployment).id;
    assert.equal(id(again.json), id(first.json), req.url);
    assertSameDb(before, api.db.take(), `a replay of ${req.url}`);
  }
});

test('rollback without a release that was live is 409 NOTHING_TO_ROLL_BACK, writing nothing', async () => {
  await createApp(client, 'r-new');
  await refused(post('/apps/r-new/rollback', {}), 409, 'NOTHING_TO_ROLL_BACK');
  await deploy(client, 'r-new'); // queued, never live
  await refused(post('/apps/r-new/rollback', {}), 409, 'NOTHING_TO_ROLL_BACK');
  await refused(post('/apps/r-new/rollback', { toVersion: 1 }), 409, 'NOTHING_TO_ROLL_BACK');
  await liveApp(client, api.store, 'r-one', 1);
  await refused(post('/apps/r-one/rollback', {}), 409, 'NOTHING_TO_ROLL_BACK');
  await refused(post('/apps/r-one/rollback', { toVersion: 1 }), 409, 'NOTHING_TO_ROLL_BACK');
});

test('rollback to a version that does not exist is 404 RELEASE_NOT_FOUND, writing nothing', async () => {
  await liveApp(client, api.store, 'r-missing', 2);
  await refused(post('/apps/r-missing/rollback', { toVersion: 99 }), 404, 'RELEASE_NOT_FOUND');
});

test('rollback to an earlier live release is accepted as a new deployment of that release', async () => {
  const [v1] = await liveApp(client, api.store, 'r-ok', 2);
  const before = api.db.counts();
  const res = await client.send(post('/apps/r-ok/rollback', {}));
  assert.equal(res.status, 202, res.text);
  const d = res.json as Deployment;
  assert.deepEqual(
    [d.kind, d.releaseId, d.releaseVersion, d.status],
    ['rollback', v1?.releaseId, 1, 'queued'],
  );
  assert.deepEqual(
    diff(before, api.db.counts()),
    { audit_log: 1, deployment_events: 1, deployments: 1, jobs: 1 },
    'no new release',
  );
});

test('an unknown deployment is 404 DEPLOYMENT_NOT_FOUND', async () => {
  for (const path of [
    '/deployments/dep_aaaaaaaaaaaaaaaaaaaa',
    '/deployments/dep_aaaaaaaaaaaaaaaaaaaa/events',
  ]) {
    expectProblem(await client.send({ method: 'GET', url: `${API}${path}` }), 404, 'DEPLOYMENT_NOT_FOUND');
  }
});

test('a deploy or rollback with no body at all (curl -X POST) means no options; a JSON null body is refused', async () => {
  await createApp(client, 'd-bare');
  const bare = await client.send({ method: 'POST', url: `${API}/apps/d-bare/deployments` });
  assert.equal(bare.status, 202, bare.text);
  await refused(
    {
      method: 'POST',
      url: `${API}/apps/d-bare/deployments`,
      raw: 'null',
      headers: { 'content-type': 'application/json' },
    },
    400,
    'VALIDATION_FAILED',
  );
});
