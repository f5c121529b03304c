// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { appRow, deploymentRow, NOW, openTempStore, releaseRow } from '../test-support/fixtures.js';

/** Where each replica slot of a deployment runs; an app's placement is its current deployment's. */

describe('PlacementRepo', () => {
  it("lists a deployment's slots, and as current only those of current deployments up to their replica count", async () => {
    const env = await openTempStore();
    try {
      const app = appRow(env);
      await env.store.apps.create(app);
      const rel = releaseRow(app.id, 1);
      await env.store.releases.create(rel);
      const old = deploymentRow(app.id, rel.id, { createdAt: NOW });
      const now = deploymentRow(app.id, rel.id, { createdAt: NOW + 1 });
      await env.store.deployments.create(old);
      await env.store.deployments.create(now);
      const row = (deploymentId: string, slot: number, serverId: string) => ({
        deploymentId,
        appId: app.id,
        slot,
        serverId,
      });
      await env.store.placements.createMany([row(old.id, 1, 'srv_a')]);
      // Slot 3 is carried over for a revert: beyond the current count it is not current.
      await env.store.placements.createMany([
        row(now.id, 2, 'srv_b'),
        row(now.id, 1, 'srv_a'),
        row(now.id, 3, 'srv_c'),
      ]);
      await env.store.placements.createMany([]);

      assert.deepEqual(
        (await env.store.placements.listForDeployment(now.id)).map((p) => `${p.slot}@${p.serverId}`),
        ['1@srv_a', '2@srv_b', '3@srv_c'],
      );
      assert.deepEqual(await env.store.placements.listCurrent(), [], 'nothing is current yet');
      assert.deepEqual(await env.store.placements.listCurrentOn('srv_a'), []);
      assert.deepEqual(await env.store.placements.listPlacedApps(), new Set());
      await env.store.apps.update(app.id, { currentDeploymentId: now.id, currentReplicas: 2 }, NOW);
      assert.deepEqual(await env.store.placements.listCurrent(), [
        row(now.id, 1, 'srv_a'),
        row(now.id, 2, 'srv_b'),
      ]);
      assert.deepEqual(await env.store.placements.listCurrentOn('srv_b'), [row(now.id, 2, 'srv_b')]);
      assert.deepEqual(await env.store.placements.listCurrentOn('srv_c'), [], 'slot 3 is beyond the count');
      assert.deepEqual(await env.store.placements.listPlacedApps(), new Set([app.id]));
      await assert.rejects(env.store.placements.createMany([row(now.id, 1, 'srv_z')]), /UNIQUE|constraint/i);

      await env.store.apps.delete(app.id);
      assert.deepEqual(await env.store.placements.listForDeployment(now.id), [], 'gone with the app');
    } finally {
      await env.done();
    }
  });
});
