// test.sh: parallel-safe (no engine, proxy, mount or host network: an in-memory berthd over HTTP inject)
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { App, Deployment } from '@berth/protocol';
import { startTestApi, type TestApi } from './test-support/api.js';
import { createApp, deploy, markLive } from './test-support/fixtures.js';
import { API, createClient, type Client } from './test-support/http.js';
import { createTokenVia, sessionUser } from './test-support/principals.js';

/**
 * The overview's "last deploy": each app in GET /apps carries its newest deployment, with who
 * asked for it (a user's email, a token's name), as the deployment itself records it.
 */

let api: TestApi;
let client: Client;

before(async () => {
  api = await startTestApi({ inMemory: true });
  client = createClient(api);
});
after(() => api.close());

const listed = async (name: string): Promise<App> => {
  const res = await client.send({ method: 'GET', url: `${API}/apps` });
  assert.equal(res.status, 200, res.text);
  const app = (res.json as { apps: App[] }).apps.find((a) => a.name === name);
  assert.ok(app, `${name} is listed`);
  return app;
};

test('the app listing names who deployed each app last, and when', async () => {
  const ada = await sessionUser(client, { email: 'ada@example.com', role: 'operator' });
  await createApp(client, 'by-ada');
  await createApp(client, 'never');
  const d = await deploy(client, 'by-ada', {}, ada.token);
  assert.equal(d.requestedBy, 'ada@example.com', 'the deployment itself says who asked');

  const queued = await listed('by-ada');
  assert.deepEqual(queued.lastDeployment, {
    id: d.id,
    kind: 'deploy',
    status: 'queued',
    releaseVersion: 1,
    requestedBy: 'ada@example.com',
    createdAt: d.createdAt,
    startedAt: null,
    finishedAt: null,
  });
  assert.equal((await listed('never')).lastDeployment, null);

  await markLive(api.store, d.id);
  const live = (await listed('by-ada')).lastDeployment;
  assert.equal(live?.status, 'succeeded');
  assert.ok(live?.startedAt && live.finishedAt, 'a finished deploy has its times');

  // The one-app view agrees with the list, and a token is named by its name.
  const ci = await createTokenVia(client, { name: 'ci-deployer', role: 'operator' });
  const again = await deploy(client, 'by-ada', {}, ci.token);
  const one = await client.send({ method: 'GET', url: `${API}/apps/by-ada` });
  assert.deepEqual(
    [(one.json as App).lastDeployment?.id, (one.json as App).lastDeployment?.requestedBy],
    [again.id, 'ci-deployer'],
  );
  assert.equal((await listed('by-ada')).lastDeployment?.releaseVersion, 2);
  const listing = await client.send({ method: 'GET', url: `${API}/apps/by-ada/deployments` });
  assert.deepEqual(
    (listing.json as { deployments: Deployment[] }).deployments.map((x) => x.requestedBy),
    ['ci-deployer', 'ada@example.com'],
  );
});
