// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BerthError } from '@berth/protocol';
import { appRow, newId, NOW, openTempStore } from '../test-support/fixtures.js';
import type { VolumeRow } from '../types-volumes.js';

/** Volumes on a real SQLite file: names per team, mounts, and no delete while mounted. */

const volumeRow = (teamId: string, name: string, over: Partial<VolumeRow> = {}): VolumeRow => ({
  id: newId('vol'),
  teamId,
  name,
  serverId: 'srv_local',
  createdAt: NOW,
  ...over,
});

const isCode = (code: string, message?: RegExp) => (err: unknown) =>
  err instanceof BerthError && err.code === code && (message === undefined || message.test(err.message));

describe('VolumeRepo', () => {
  it('creates, gets by id and by name within the team, lists by name', async () => {
    const env = await openTempStore();
    try {
      const b = volumeRow(env.teamId, 'uploads');
      const a = volumeRow(env.teamId, 'cache', { serverId: 'srv_two' });
      await env.store.volumes.create(b);
      await env.store.volumes.create(a);
      assert.deepEqual(await env.store.volumes.get(b.id), b);
      assert.deepEqual(await env.store.volumes.getByName(env.teamId, 'cache'), a);
      assert.equal(await env.store.volumes.getByName('tm_other', 'cache'), null);
      assert.deepEqual(
        (await env.store.volumes.list(env.teamId)).map((v) => v.name),
        ['cache', 'uploads'],
      );
    } finally {
      await env.done();
    }
  });

  it('one name per team, even under racing creates; another team may use the name', async () => {
    const env = await openTempStore();
    try {
      const other = newId('team');
      await env.store.teams.create({ id: other, name: 'rivals', createdAt: NOW });
      const results = await Promise.allSettled([
        env.store.volumes.create(volumeRow(env.teamId, 'uploads')),
        (await env.reopen()).volumes.create(volumeRow(env.teamId, 'uploads')),
      ]);
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      const failed = results.find((r) => r.status === 'rejected');
      assert.ok(failed && isCode('VOLUME_EXISTS', /uploads/)(failed.reason));
      await env.store.volumes.create(volumeRow(other, 'uploads'));
      assert.equal((await env.store.volumes.list(null)).length, 2);
      assert.equal((await env.store.volumes.list(other)).length, 1);
    } finally {
      await env.done();
    }
  });

  it('keeps an app’s mounts in order; a mounted volume is not deleted; the app’s delete frees it', async () => {
    const env = await openTempStore();
    try {
      const web = appRow(env, { strategy: 'recreate' });
      await env.store.apps.create(web);
      assert.equal((await env.store.apps.getById(web.id))?.strategy, 'recreate');
      const uploads = volumeRow(env.teamId, 'uploads');
      const cache = volumeRow(env.teamId, 'cache');
      await env.store.volumes.create(uploads);
      await env.store.volumes.create(cache);
      await env.store.volumes.setMounts(web.id, [
        { volumeId: uploads.id, path: '/var/lib/uploads' },
        { volumeId: cache.id, path: '/cache' },
      ]);
      assert.deepEqual(
        (await env.store.volumes.mountsOf(web.id)).map((m) => m.path),
        ['/var/lib/uploads', '/cache'],
      );
      assert.deepEqual(await env.store.volumes.usesOf(uploads.id), [
        { appId: web.id, volumeId: uploads.id, path: '/var/lib/uploads', appName: 'web' },
      ]);
      await assert.rejects(env.store.volumes.delete(uploads.id), isCode('VOLUME_IN_USE', /"uploads".*"web"/));
      assert.ok(await env.store.volumes.get(uploads.id));

      await env.store.apps.delete(web.id);
      assert.deepEqual(await env.store.volumes.usesOf(uploads.id), []);
      await env.store.volumes.delete(uploads.id);
      assert.equal(await env.store.volumes.get(uploads.id), null);
    } finally {
      await env.done();
    }
  });

  it('apps made before 0016 read as rolling; the strategy is patched like other settings', async () => {
    const env = await openTempStore();
    try {
      const web = appRow(env);
      await env.store.apps.create(web);
      assert.equal((await env.store.apps.getById(web.id))?.strategy, 'rolling');
      await env.store.apps.update(web.id, { strategy: 'recreate' }, NOW + 1);
      assert.equal((await env.store.apps.getById(web.id))?.strategy, 'recreate');
    } finally {
      await env.done();
    }
  });
});
