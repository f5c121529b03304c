import assert from 'node:assert/strict';
import type { App, Database, DatabaseLinkResult, DatabaseList } from '@berth/protocol';
import { createApp } from './fixtures.js';
import { API, expectProblem } from './http.js';
import type { Ctx, RouteCase } from './route-cases.js';
import { joinedServerVia } from './servers.js';

/**
 * Cases for managed databases: see route-cases.ts. Their server has joined; its agent never
 * connects here, so a database is created (its workload's first deploy waits for the agent) but
 * not deleted (503: only its agent can remove its data).
 */

async function databaseOn(c: Ctx, name = c.name): Promise<Database> {
  await joinedServerVia(c.client, `${c.name}-srv`);
  const res = await c.client.send({
    method: 'POST',
    url: `${API}/databases`,
    body: { name, engine: 'postgres', server: `${c.name}-srv` },
  });
  assert.equal(res.status, 201, res.text);
  return res.json as Database;
}

const secretsOf = async (c: Ctx, app: string): Promise<string[]> => {
  const res = await c.client.send({ method: 'GET', url: `${API}/apps/${app}` });
  return (res.json as App).secrets;
};

export const DATABASE_CASES: Record<string, RouteCase> = {
  listDatabases: {
    arrange: async (c) => {
      await databaseOn(c);
      return {};
    },
    status: 200,
    check: (res, c) => {
      const d = (res.json as DatabaseList).databases.find((x) => x.name === c.name);
      assert.deepEqual(
        [d?.team, d?.engine, d?.version, d?.server],
        ['default', 'postgres', '15', `${c.name}-srv`],
      );
      // Its server's agent is not connected: it says so rather than "starting".
      assert.equal(d?.status, 'server-down');
    },
  },
  createDatabase: {
    arrange: async (c) => {
      await joinedServerVia(c.client, `${c.name}-srv`);
      return {};
    },
    bodyOf: (c) => ({ name: c.name, engine: 'redis', server: `${c.name}-srv`, memoryMiB: 256 }),
    status: 201,
    check: async (res, c) => {
      const d = res.json as Database;
      assert.deepEqual(
        [d.name, d.engine, d.version, d.volume, d.memoryMiB, d.privateAddress, d.links],
        [c.name, 'redis', '7.0', `db-${c.name}`, 256, `${c.name}.db.internal:6379`, []],
      );
      assert.match(d.workload ?? '', /^db-[0-9a-f]{10}$/);
      assert.deepEqual(d.shell, ['redis-cli']);
      assert.ok(d.deploymentId, 'its first start is a deployment of its workload');
      // The workload is Berth's: not in the apps list, and changes to it go through `db`.
      const apps = await c.client.send({ method: 'GET', url: `${API}/apps` });
      assert.ok(!(apps.json as { apps: App[] }).apps.some((a) => a.name === d.workload));
      const scale = await c.client.send({
        method: 'POST',
        url: `${API}/apps/${d.workload}/scale`,
        body: { replicas: 3 },
      });
      expectProblem(scale, 409, 'DATABASE_WORKLOAD');
    },
  },
  getDatabase: {
    arrange: async (c) => {
      await databaseOn(c);
      return { name: c.name };
    },
    query: 'team=default',
    status: 200,
    check: (res, c) => {
      const d = res.json as Database;
      assert.deepEqual([d.name, d.status, d.shell[0]], [c.name, 'server-down', 'psql']);
    },
  },
  linkDatabase: {
    arrange: async (c) => {
      await databaseOn(c, `${c.name}-db`);
      await createApp(c.client, c.name);
      return { name: `${c.name}-db` };
    },
    bodyOf: (c) => ({ app: c.name, as: 'PG_URL' }),
    status: 200,
    check: async (res, c) => {
      // Not deployed yet: its first deploy takes the secret.
      assert.deepEqual(res.json, { app: c.name, as: 'PG_URL', deploymentId: null });
      assert.ok((await secretsOf(c, c.name)).includes('PG_URL'));
    },
  },
  unlinkDatabase: {
    arrange: async (c) => {
      await databaseOn(c, `${c.name}-db`);
      await createApp(c.client, c.name);
      const linked = await c.client.send({
        method: 'POST',
        url: `${API}/databases/${c.name}-db/links`,
        body: { app: c.name },
      });
      assert.equal(linked.status, 200, linked.text);
      return { name: `${c.name}-db`, app: c.name };
    },
    status: 200,
    check: async (res, c) => {
      assert.equal((res.json as DatabaseLinkResult).as, 'DATABASE_URL');
      assert.ok(!(await secretsOf(c, c.name)).includes('DATABASE_URL'));
    },
  },
  deleteDatabase: {
    arrange: async (c) => {
      await databaseOn(c);
      return { name: c.name };
    },
    status: 503,
    check: async (res, c) => {
      expectProblem(res, 503, 'AGENT_UNAVAILABLE');
      const again = await c.client.send({ method: 'GET', url: `${API}/databases/${c.name}` });
      assert.equal(again.status, 200, 'nothing was deleted');
    },
  },
};
