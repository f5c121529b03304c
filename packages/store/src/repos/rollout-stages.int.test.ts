// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { appRow, openTempStore } from '../test-support/fixtures.js';

/** The rollouts still reaching the servers one at a time: they outlive berthd. */

describe('RolloutStageRepo', () => {
  it('keeps one stage per app: a newer rollout replaces it, reached only grows, done ones go', async () => {
    const env = await openTempStore();
    try {
      const app = appRow(env);
      const other = appRow(env, { name: 'other' });
      await env.store.apps.create(app);
      await env.store.apps.create(other);
      assert.deepEqual(await env.store.rolloutStages.list(), []);

      await env.store.rolloutStages.put({
        appId: app.id,
        revision: 'dep_1',
        serverIds: ['s1', 's2'],
        reached: 1,
      });
      await env.store.rolloutStages.put({
        appId: app.id,
        revision: 'dep_2',
        serverIds: ['s2', 's1', 's3'],
        reached: 1,
      });
      await env.store.rolloutStages.put({
        appId: other.id,
        revision: 'dep_9',
        serverIds: ['s3'],
        reached: 1,
      });
      assert.equal((await env.store.rolloutStages.list()).length, 2, 'one stage per app');
      assert.deepEqual(
        (await env.store.rolloutStages.list()).find((s) => s.appId === app.id),
        { appId: app.id, revision: 'dep_2', serverIds: ['s2', 's1', 's3'], reached: 1 },
        'the newer rollout replaced the earlier one, its order kept',
      );

      const reachedOf = async () =>
        (await env.store.rolloutStages.list()).find((s) => s.appId === app.id)?.reached;
      await env.store.rolloutStages.setReached(app.id, 'dep_2', 3);
      await env.store.rolloutStages.setReached(app.id, 'dep_2', 2);
      assert.equal(await reachedOf(), 3, 'a late write of a lower count does not lower it');
      await env.store.rolloutStages.setReached(app.id, 'dep_1', 1);
      await env.store.rolloutStages.delete(app.id, 'dep_1');
      assert.equal(await reachedOf(), 3, 'a superseded revision changes nothing');

      await env.store.rolloutStages.delete(app.id, 'dep_2');
      assert.deepEqual(
        (await env.store.rolloutStages.list()).map((s) => s.appId),
        [other.id],
      );
      await env.store.apps.delete(other.id);
      assert.deepEqual(await env.store.rolloutStages.list(), [], "a deleted app's stage goes with it");
    } finally {
      await env.done();
    }
  });
});
