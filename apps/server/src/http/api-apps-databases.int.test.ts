import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { App, DatabaseList, ErrorCode } from '@berth/protocol';
import { startTestApi, type TestApi } from './test-support/api.js';
import { assertSameDb } from './test-support/db-snapshot.js';
import { API, createClient, expectProblem, type Client } from './test-support/http.js';
import { joinedServerVia } from './test-support/servers.js';

/**
 * `apps create --db`: one request makes the app, each database (volume, credentials, workload)
 * and the links, in one transaction. Its server has joined; its agent never connects here.
 */

let api: TestApi;
let client: Client;
before(async () => {
  api = await startTestApi();
  client = createClient(api);
  await joinedServerVia(client, 'db-home');
});
after(() => api.close());

const databases = async (): Promise<DatabaseList['databases']> =>
  ((await client.send({ method: 'GET', url: `${API}/databases` })).json as DatabaseList).databases;

test('an app with a postgres and a redis: both made and linked, each under its own secret', async () => {
  const res = await client.send({
    method: 'POST',
    url: `${API}/apps`,
    body: {
      name: 'shop',
      image: 'nginx:1.27',
      databases: [{ engine: 'postgres' }, { engine: 'redis', name: 'shop-cache', as: 'REDIS_URL' }],
    },
  });
  assert.equal(res.status, 201, res.text);
  assert.deepEqual((res.json as App).secrets.sort(), ['DATABASE_URL', 'REDIS_URL']);
  const made = (await databases()).filter((d) => d.name.startsWith('shop-'));
  assert.deepEqual(
    made.map((d) => [d.name, d.engine, d.links]),
    [
      ['shop-cache', 'redis', [{ app: 'shop', as: 'REDIS_URL' }]],
      ['shop-postgres', 'postgres', [{ app: 'shop', as: 'DATABASE_URL' }]],
    ],
  );
});

test('one bad database refuses the whole request: nothing is written', async () => {
  const refused = async (body: unknown, status: number, code: ErrorCode): Promise<void> => {
    const before = api.db.take();
    const res = await client.send({ method: 'POST', url: `${API}/apps`, body });
    expectProblem(res, status, code);
    assertSameDb(before, api.db.take(), JSON.stringify(body));
  };
  // shop-postgres exists already: the second database's create fails inside the transaction,
  // after the app and the first database were written in it.
  await refused(
    {
      name: 'shop2',
      image: 'nginx:1.27',
      databases: [{ engine: 'redis' }, { engine: 'postgres', name: 'shop-postgres', as: 'PG_URL' }],
    },
    409,
    'DATABASE_EXISTS',
  );
  // The default name would be 39 characters: too long for a database name.
  await refused(
    { name: 'a'.repeat(30), image: 'nginx:1.27', databases: [{ engine: 'postgres' }] },
    400,
    'VALIDATION_FAILED',
  );
  // Two databases into DATABASE_URL.
  await refused(
    { name: 'shop3', image: 'nginx:1.27', databases: [{ engine: 'redis' }, { engine: 'redis', name: 'x' }] },
    400,
    'VALIDATION_FAILED',
  );
});
