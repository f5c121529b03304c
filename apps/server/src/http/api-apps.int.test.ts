import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { LIMIT_DEFAULTS, type App, type Deployment } from '@berth/protocol';
import { startTestApi, type TestApi } from './test-support/api.js';
import { assertSameDb } from './test-support/db-snapshot.js';
import { createApp, deploy, liveApp } from './test-support/fixtures.js';
import { API, createClient, expectProblem, type Client } from './test-support/http.js';

/** Apps and their configuration: what each request changes, and what it must refuse. */

let api: TestApi;
let client: Client;
before(async () => {
  api = await startTestApi();
  client = createClient(api);
});
after(() => api.close());

const getApp = async (name: string): Promise<App> => {
  const res = await client.send({ method: 'GET', url: `${API}/apps/${name}` });
  assert.equal(res.status, 200, res.text);
  return res.json as App;
};

test('creating an app that exists is 409 APP_EXISTS, and the second request writes nothing', async () => {
  const first = await createApp(client, 'dup', { env: { A: '1' } });
  const before = api.db.take();
  const res = await client.send({
    method: 'POST',
    url: `${API}/apps`,
    body: { name: 'dup', image: 'redis:7', port: 6379, env: { B: '2' } },
  });
  expectProblem(res, 409, 'APP_EXISTS');
  assertSameDb(before, api.db.take(), 'a duplicate create');
  assert.deepEqual(await getApp('dup'), first);
});

test('an unknown app is 404 APP_NOT_FOUND', async () => {
  const problem = expectProblem(
    await client.send({ method: 'GET', url: `${API}/apps/ghost` }),
    404,
    'APP_NOT_FOUND',
  );
  assert.match(problem.detail, /ghost/);
});

test('scale and env on an app never deployed answer 200 with no deployment, and update the app', async () => {
  await createApp(client, 'fresh', { env: { A: '1' } });
  const before = api.db.counts();
  const scaled = await client.send({ method: 'POST', url: `${API}/apps/fresh/scale`, body: { replicas: 4 } });
  assert.equal(scaled.status, 200, scaled.text);
  assert.deepEqual(scaled.json, { replicas: 4, limits: LIMIT_DEFAULTS, deployment: null });
  const env = await client.send({
    method: 'PATCH',
    url: `${API}/apps/fresh/env`,
    body: { set: { B: '2' }, unset: ['A'] },
  });
  assert.equal(env.status, 200, env.text);
  assert.deepEqual(env.json, { env: { B: '2' }, deployment: null });
  const app = await getApp('fresh');
  assert.deepEqual([app.replicas, app.env, app.status, app.currentRelease], [4, { B: '2' }, 'new', null]);
  const after = api.db.counts();
  for (const table of ['releases', 'deployments', 'deployment_events', 'jobs']) {
    assert.equal(after[table], before[table], `${table}: nothing is rolled out before the first deploy`);
  }
  const d = await deploy(client, 'fresh');
  assert.deepEqual([d.replicas, d.releaseVersion], [4, 1], 'the first deploy uses them');
});

test('an env patch that changes nothing writes nothing; one with nothing in it is 400', async () => {
  await liveApp(client, api.store, 'same-env');
  await client.send({ method: 'PATCH', url: `${API}/apps/same-env/env`, body: { set: { A: '1' } } });
  const before = api.db.take();
  const res = await client.send({
    method: 'PATCH',
    url: `${API}/apps/same-env/env`,
    body: { set: { A: '1' }, unset: ['NOPE'] },
  });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.json, { env: { A: '1' }, deployment: null });
  for (const body of [{}, { set: {} }, { unset: [] }]) {
    expectProblem(
      await client.send({ method: 'PATCH', url: `${API}/apps/same-env/env`, body }),
      400,
      'VALIDATION_FAILED',
      'body',
    );
  }
  assertSameDb(before, api.db.take(), 'env patches that change nothing');
});

test('env and scale on a deployed app roll out a deployment', async () => {
  await liveApp(client, api.store, 'running');
  const env = await client.send({
    method: 'PATCH',
    url: `${API}/apps/running/env`,
    body: { set: { B: '2' } },
  });
  assert.equal(env.status, 200, env.text);
  const envDeployment = (env.json as { deployment: Deployment }).deployment;
  assert.deepEqual(
    [envDeployment.kind, envDeployment.releaseVersion, envDeployment.status],
    ['env', 2, 'queued'],
  );
  const scale = await client.send({
    method: 'POST',
    url: `${API}/apps/running/scale`,
    body: { replicas: 0 },
  });
  assert.equal(scale.status, 200, scale.text);
  const scaleDeployment = (scale.json as { deployment: Deployment }).deployment;
  // It scales v2, whose env change is still queued: a change starts from the app's settings, so
  // the scale cannot bring back v1's env once v2 is out.
  assert.deepEqual(
    [scaleDeployment.kind, scaleDeployment.replicas, scaleDeployment.releaseVersion],
    ['scale', 0, 2],
  );
});

test('updating an app changes its spec only; the next deploy uses it', async () => {
  await liveApp(client, api.store, 'upd');
  const before = api.db.counts();
  const res = await client.send({
    method: 'PATCH',
    url: `${API}/apps/upd`,
    body: { port: 9000, command: null },
  });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual([(res.json as App).port, (res.json as App).currentRelease?.version], [9000, 1]);
  assert.deepEqual(
    api.db.counts(),
    { ...before, audit_log: (before.audit_log ?? 0) + 1 },
    'no release, deployment or job: only its audit row',
  );
});

test('logs with no agent connected are 503 AGENT_UNAVAILABLE, not an empty stream', async () => {
  await createApp(client, 'quiet');
  for (const query of ['', '?follow=true', '?tail=0&follow=1']) {
    const res = await client.send({ method: 'GET', url: `${API}/apps/quiet/logs${query}` });
    const problem = expectProblem(res, 503, 'AGENT_UNAVAILABLE');
    assert.ok(problem.hint, 'says what to do');
  }
  expectProblem(await client.send({ method: 'GET', url: `${API}/apps/ghost/logs` }), 404, 'APP_NOT_FOUND');
});

test('deleting an app removes it with its releases, deployments, events and jobs, and nothing else', async () => {
  await liveApp(client, api.store, 'keep', 2);
  const doomed = await liveApp(client, api.store, 'doomed', 2);
  const queued = await deploy(client, 'doomed');
  const appId = queued.appId;
  const deploymentIds = [...doomed.map((d) => d.id), queued.id];
  const owned = () => ({
    apps: api.db.rowsWhere('apps', 'id', appId).length,
    releases: api.db.rowsWhere('releases', 'app_id', appId).length,
    deployments: api.db.rowsWhere('deployments', 'app_id', appId).length,
    events: deploymentIds.flatMap((id) => api.db.rowsWhere('deployment_events', 'deployment_id', id)).length,
    jobs: api.db.rowsWhere('jobs', 'concurrency_key', appId).length,
  });
  assert.deepEqual(owned(), { apps: 1, releases: 3, deployments: 3, events: 3, jobs: 3 });
  const before = api.db.counts();
  const res = await client.send({ method: 'DELETE', url: `${API}/apps/doomed` });
  assert.equal(res.status, 204, res.text);
  assert.equal(res.text, '');
  assert.deepEqual(owned(), { apps: 0, releases: 0, deployments: 0, events: 0, jobs: 0 });
  const after = api.db.counts();
  assert.deepEqual(
    [after.apps, after.releases, after.deployments, after.jobs],
    [
      (before.apps ?? 0) - 1,
      (before.releases ?? 0) - 3,
      (before.deployments ?? 0) - 3,
      (before.jobs ?? 0) - 3,
    ],
    'only the app’s own rows went',
  );
  expectProblem(await client.send({ method: 'GET', url: `${API}/apps/doomed` }), 404, 'APP_NOT_FOUND');
  expectProblem(
    await client.send({ method: 'GET', url: `${API}/deployments/${queued.id}` }),
    404,
    'DEPLOYMENT_NOT_FOUND',
  );
  expectProblem(await client.send({ method: 'DELETE', url: `${API}/apps/doomed` }), 404, 'APP_NOT_FOUND');
  assert.equal((await getApp('keep')).currentRelease?.version, 2);
});

test('every response carries an x-request-id, and a problem names the same id', async () => {
  const ok = await client.send({ method: 'GET', url: `${API}/apps` });
  const problem = await client.send({ method: 'GET', url: `${API}/apps/ghost` });
  const ids = [ok.headers['x-request-id'], problem.headers['x-request-id']];
  for (const id of ids) assert.match(String(id), /^req_[0-9a-f]{16}$/);
  assert.notEqual(ids[0], ids[1]);
  assert.equal(expectProblem(problem, 404, 'APP_NOT_FOUND').requestId, ids[1]);
  // A client cannot choose its request id: the log would otherwise trust whatever it sent.
  const spoofed = await client.send({
    method: 'GET',
    url: `${API}/apps/ghost`,
    headers: { 'x-request-id': 'req_mine' },
  });
  assert.notEqual(spoofed.headers['x-request-id'], 'req_mine');
  assert.equal(expectProblem(spoofed, 404, 'APP_NOT_FOUND').requestId, spoofed.headers['x-request-id']);
});
