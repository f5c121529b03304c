// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Deployment } from '@berth/protocol';
import { buildDesiredState } from '../agents/desired-state.js';
import { startTestApi, type TestApi } from './test-support/api.js';
import { assertSameDb } from './test-support/db-snapshot.js';
import { createApp, liveApp, markLive } from './test-support/fixtures.js';
import { API, createClient, expectProblem, type Client } from './test-support/http.js';
import { createTokenVia } from './test-support/principals.js';

/**
 * `berth restart`: a deployment of the current release whose replicas the agent replaces. Which
 * restart the containers belong to comes from the deployments (no new release): one that rolls
 * out or succeeded counts, a failed one is undone, and later changes of the release keep it.
 */

let api: TestApi;
let client: Client;
before(async () => {
  api = await startTestApi({ inMemory: true });
  client = createClient(api);
});
after(() => api.close());

const restart = async (name: string, token?: string) =>
  client.send({ method: 'POST', url: `${API}/apps/${name}/restart`, body: {}, token });

const restartIdOf = async (name: string): Promise<string | null | undefined> => {
  const desired = await buildDesiredState(
    api.store,
    'srv_unknown',
    { domain: 'localhost', drainTimeoutMs: 1, stopTimeoutMs: 1 },
    () => ({}),
  );
  return desired.apps.find((a) => a.appName === name)?.restartId;
};

/** What the deploy job does when it starts rolling the deployment out. */
async function rollingOut(id: string): Promise<void> {
  const d = await api.store.deployments.get(id);
  assert.ok(d);
  await api.store.apps.update(
    d.appId,
    { currentDeploymentId: d.id, rolloutDirection: 'forward' },
    Date.now(),
  );
  await api.store.deployments.update(d.id, { status: 'rolling_out' });
}

test('a restart is a deployment of the current release, audited; no release is made', async () => {
  const [, live] = await liveApp(client, api.store, 'web', 2);
  const res = await restart('web');
  assert.equal(res.status, 202, res.text);
  const d = res.json as Deployment;
  assert.deepEqual([d.kind, d.releaseId, d.status], ['restart', live?.releaseId, 'queued']);
  const releases = await client.send({ method: 'GET', url: `${API}/apps/web/releases` });
  assert.equal((releases.json as { releases: unknown[] }).releases.length, 2, 'no new release');
  const row = (await api.store.audit.list({ afterSeq: 0, limit: 10_000 })).at(-1);
  assert.deepEqual([row?.action, row?.target, row?.outcome], ['restart', 'app:web', 'ok']);
});

test('the containers of a release belong to its latest restart that rolls out or succeeded', async () => {
  await liveApp(client, api.store, 'api', 1);
  assert.equal(await restartIdOf('api'), null, 'never restarted');
  const first = (await restart('api')).json as Deployment;
  assert.equal(await restartIdOf('api'), null, 'queued: nothing changes yet');
  await rollingOut(first.id);
  assert.equal(await restartIdOf('api'), first.id, 'rolling out: its replicas are the target');
  await markLive(api.store, first.id);
  assert.equal(await restartIdOf('api'), first.id);

  // A failed restart is undone: the replicas of the one before it are the target again.
  const second = (await restart('api')).json as Deployment;
  await rollingOut(second.id);
  assert.equal(await restartIdOf('api'), second.id);
  await api.store.deployments.update(second.id, { status: 'failed' });
  await api.store.apps.update(first.appId, { rolloutDirection: 'revert' }, Date.now());
  assert.equal(await restartIdOf('api'), first.id);

  // A scale keeps the release, and so the restart; a new release starts without one.
  const scaled = await client.send({ method: 'POST', url: `${API}/apps/api/scale`, body: { replicas: 2 } });
  await markLive(api.store, (scaled.json as { deployment: Deployment }).deployment.id);
  assert.equal(await restartIdOf('api'), first.id);
  const deployed = await client.send({ method: 'POST', url: `${API}/apps/api/deployments`, body: {} });
  await markLive(api.store, (deployed.json as Deployment).id);
  assert.equal(await restartIdOf('api'), null);
});

test('an app with nothing deployed has nothing to restart: 409, and nothing is written', async () => {
  await createApp(client, 'idle');
  const before = api.db.take();
  expectProblem(await restart('idle'), 409, 'NO_RELEASE');
  assertSameDb(before, api.db.take(), 'a refused restart');
});

test('a viewer may not restart (403, audited); another team does not see the app (404)', async () => {
  const viewer = (await createTokenVia(client, { name: 'viewer', role: 'viewer' })).token;
  expectProblem(await restart('web', viewer), 403, 'FORBIDDEN');
  const row = (await api.store.audit.list({ afterSeq: 0, limit: 10_000 })).at(-1);
  assert.deepEqual([row?.action, row?.outcome, row?.actorName], ['restart', 'denied', 'viewer']);
  expectProblem(await restart('nope'), 404, 'APP_NOT_FOUND');
});
