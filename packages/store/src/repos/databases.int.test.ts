import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BerthError } from '@berth/protocol';
import { appRow, newId, NOW, openTempStore, type Env } from '../test-support/fixtures.js';
import type { DatabaseRow } from '../types-databases.js';

/** Managed databases on a real SQLite file: names per team, one per volume, ports per server. */

const isCode = (code: string, message?: RegExp) => (err: unknown) =>
  err instanceof BerthError && err.code === code && (message === undefined || message.test(err.message));

async function withVolume(env: Env, name: string, serverId = 'srv_local'): Promise<string> {
  const id = newId('vol');
  await env.store.volumes.create({ id, teamId: env.teamId, name, serverId, createdAt: NOW });
  return id;
}

const databaseRow = (
  teamId: string,
  name: string,
  volumeId: string,
  over: Partial<DatabaseRow> = {},
): DatabaseRow => ({
  id: newId('db'),
  teamId,
  name,
  engine: 'postgres',
  version: '15',
  serverId: 'srv_local',
  volumeId,
  sealedCredentials: 'sealed-json-base64',
  keyId: 'key_1',
  memoryMiB: 512,
  publicPort: null,
  appId: null,
  createdAt: NOW,
  ...over,
});

describe('DatabaseRepo', () => {
  it('creates, gets by id, name and volume, lists by name, deletes', async () => {
    const env = await openTempStore();
    try {
      const main = databaseRow(env.teamId, 'main', await withVolume(env, 'db-main'));
      const cache = databaseRow(env.teamId, 'cache', await withVolume(env, 'db-cache'), {
        engine: 'redis',
        version: '7.0',
        publicPort: 16379,
      });
      await env.store.databases.create(main);
      await env.store.databases.create(cache);
      assert.deepEqual(await env.store.databases.get(main.id), main);
      assert.deepEqual(await env.store.databases.getByName(env.teamId, 'cache'), cache);
      assert.deepEqual(await env.store.databases.getByVolume(main.volumeId), main);
      assert.equal(await env.store.databases.getByName('tm_other', 'main'), null);
      assert.deepEqual(
        (await env.store.databases.list(env.teamId)).map((d) => d.name),
        ['cache', 'main'],
      );
      await env.store.databases.reseal(main.id, 'resealed', 'key_2');
      assert.equal((await env.store.databases.get(main.id))?.keyId, 'key_2');
      assert.equal(await env.store.databases.delete(main.id), true);
      assert.equal(await env.store.databases.delete(main.id), false);
      assert.equal((await env.store.databases.list(null)).length, 1);
    } finally {
      await env.done();
    }
  });

  it('one name per team under racing creates; one database per volume; one public port per server', async () => {
    const env = await openTempStore();
    try {
      const a = await withVolume(env, 'a');
      const b = await withVolume(env, 'b');
      const results = await Promise.allSettled([
        env.store.databases.create(databaseRow(env.teamId, 'main', a)),
        (await env.reopen()).databases.create(databaseRow(env.teamId, 'main', b)),
      ]);
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      const failed = results.find((r) => r.status === 'rejected');
      assert.ok(failed && isCode('DATABASE_EXISTS', /main/)(failed.reason));

      const c = await withVolume(env, 'c');
      const d = await withVolume(env, 'd');
      const taken = (await env.store.databases.list(env.teamId))[0];
      assert.ok(taken);
      const reuse = databaseRow(env.teamId, 'other', taken.volumeId);
      await assert.rejects(env.store.databases.create(reuse), isCode('VOLUME_IN_USE', /another database/));
      await env.store.databases.create(databaseRow(env.teamId, 'p1', c, { publicPort: 15432 }));
      await assert.rejects(
        env.store.databases.create(databaseRow(env.teamId, 'p2', d, { publicPort: 15432 })),
        isCode('DATABASE_PORT_TAKEN', /15432/),
      );
      // The same port on another server is fine, and no port is no conflict.
      await env.store.databases.create(
        databaseRow(env.teamId, 'p3', d, { publicPort: 15432, serverId: 'srv_two' }),
      );
    } finally {
      await env.done();
    }
  });

  it('a volume cannot be deleted under its database; a deleted workload app leaves the row', async () => {
    const env = await openTempStore();
    try {
      const volumeId = await withVolume(env, 'db-main');
      const app = appRow(env);
      await env.store.apps.create(app);
      const main = databaseRow(env.teamId, 'main', volumeId);
      await env.store.databases.create(main);
      await env.store.databases.setApp(main.id, app.id);
      assert.equal((await env.store.databases.get(main.id))?.appId, app.id);
      await assert.rejects(env.store.volumes.delete(volumeId), isCode('VOLUME_IN_USE', /database "main"/));
      assert.ok(await env.store.volumes.get(volumeId));
      await env.store.apps.delete(app.id);
      assert.equal((await env.store.databases.get(main.id))?.appId, null);
    } finally {
      await env.done();
    }
  });
});
