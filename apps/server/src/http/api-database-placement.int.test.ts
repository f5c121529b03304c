import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestApi, type TestApi } from './test-support/api.js';
import { createApp, deploy } from './test-support/fixtures.js';
import { API, createClient, expectProblem, type Client } from './test-support/http.js';
import { joinedServerVia } from './test-support/servers.js';

/**
 * An app linked to a database runs on the database's server (it reaches the database on that
 * server's team network only), as an app with a volume runs where its volume lives; a link that
 * would tie an app to two servers is refused and writes nothing. Two joined servers, no agents.
 */

let api: TestApi;
let client: Client;
before(async () => {
  api = await startTestApi();
  client = createClient(api);
  await joinedServerVia(client, 'place-a');
  await joinedServerVia(client, 'place-b');
});
after(() => api.close());

const send = (method: 'POST' | 'GET', path: string, body?: unknown) =>
  client.send({ method, url: `${API}${path}`, ...(body !== undefined && { body }) });

test('every replica of a linked app is placed on the database’s server', async () => {
  const made = await send('POST', '/databases', { name: 'pg-b', engine: 'postgres', server: 'place-b' });
  assert.equal(made.status, 201, made.text);
  await createApp(client, 'linked', { replicas: 3 });
  const linked = await send('POST', '/databases/pg-b/links', { app: 'linked' });
  assert.equal(linked.status, 200, linked.text);
  const d = await deploy(client, 'linked');
  const server = await api.store.servers.findByName('place-b');
  const placed = await api.store.placements.listForDeployment(d.id);
  assert.deepEqual(
    placed.map((p) => p.serverId),
    [server?.id, server?.id, server?.id],
  );
});

test('a link that would tie an app to a second server is refused, and nothing is linked', async () => {
  const volume = await send('POST', '/volumes', { name: 'on-a', server: 'place-a' });
  assert.equal(volume.status, 201, volume.text);
  await createApp(client, 'tied', { volumes: [{ volume: 'on-a', path: '/data' }] });
  const refused = expectProblem(
    await send('POST', '/databases/pg-b/links', { app: 'tied' }),
    409,
    'DATABASE_ON_ANOTHER_SERVER',
  );
  assert.match(refused.detail, /volume on-a/);
  const app = await api.store.apps.getByName('tied');
  assert.deepEqual(await api.store.databases.linkedTo(app?.id ?? ''), []);
  assert.equal((await api.store.secrets.list(app?.id ?? '')).length, 0);
});
