// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BerthError } from '@berth/protocol';
import BetterSqlite3 from 'better-sqlite3';
import { appRow, deploymentRow, newId, NOW, openTempStore, releaseRow } from '../test-support/fixtures.js';

const isCode =
  (code: string) =>
  (err: unknown): err is BerthError =>
    err instanceof BerthError && err.code === code;

describe('AppRepo', () => {
  it('creates, reads by id and name, lists by name', async () => {
    const env = await openTempStore();
    try {
      const web = appRow(env, { name: 'web', command: ['a', 'b'] });
      const api = appRow(env, { name: 'api' });
      await env.store.apps.create(web);
      await env.store.apps.create(api);
      assert.deepEqual(await env.store.apps.getById(web.id), web);
      assert.deepEqual(await env.store.apps.getByName('api'), api);
      assert.equal(await env.store.apps.getByName('nope'), null);
      assert.deepEqual(
        (await env.store.apps.list()).map((a) => a.name),
        ['api', 'web'],
      );
    } finally {
      await env.done();
    }
  });

  it('throws APP_EXISTS with a hint on a duplicate name, even from another connection', async () => {
    const env = await openTempStore();
    try {
      await env.store.apps.create(appRow(env, { name: 'web' }));
      const other = await env.reopen();
      await assert.rejects(other.apps.create(appRow(env, { name: 'web' })), (err: unknown) => {
        assert.ok(isCode('APP_EXISTS')(err));
        assert.equal(err.message, 'An app named "web" already exists');
        assert.equal(err.hint, 'Pick another name, or deploy the existing app with: berth deploy web');
        return true;
      });
    } finally {
      await env.done();
    }
  });

  it('updates the patched fields and updatedAt, and returns the row', async () => {
    const env = await openTempStore();
    try {
      const app = appRow(env);
      await env.store.apps.create(app);
      const patch = {
        env: { B: '2' },
        command: null,
        replicas: 3,
        currentReleaseId: 'rel_x',
        currentReplicas: 2,
        currentDeploymentId: 'dep_x',
        rolloutDirection: 'revert' as const,
        settingsDeploymentId: 'dep_y',
      };
      const updated = await env.store.apps.update(app.id, patch, NOW + 10);
      assert.deepEqual(updated, { ...app, ...patch, updatedAt: NOW + 10 });
      assert.deepEqual(await env.store.apps.getById(app.id), updated);
      await assert.rejects(
        env.store.apps.update(newId('app'), { replicas: 2 }, NOW),
        isCode('APP_NOT_FOUND'),
      );
    } finally {
      await env.done();
    }
  });

  it('deletes the app with its releases, deployments, events and jobs, and nothing else', async () => {
    const env = await openTempStore();
    try {
      const { store } = env;
      const ids = [];
      for (const name of ['gone', 'kept']) {
        const app = appRow(env, { name });
        await store.apps.create(app);
        const rel = releaseRow(app.id, 1);
        await store.releases.create(rel);
        const dep = deploymentRow(app.id, rel.id);
        await store.deployments.create(dep);
        await store.events.append(dep.id, { at: NOW, level: 'info', message: 'hi' });
        const job = await store.jobs.enqueue(
          { id: newId('job'), kind: 'deploy', payload: {}, concurrencyKey: app.id },
          NOW,
        );
        ids.push({ app, rel, dep, job });
      }
      const [gone, kept] = ids as [(typeof ids)[0], (typeof ids)[0]];
      await store.apps.delete(gone.app.id);
      assert.equal(await store.apps.getById(gone.app.id), null);
      assert.equal(await store.releases.get(gone.rel.id), null);
      assert.equal(await store.deployments.get(gone.dep.id), null);
      assert.deepEqual(await store.events.list(gone.dep.id, 0), []);
      assert.equal(await store.jobs.get(gone.job.id), null);
      assert.ok(await store.apps.getById(kept.app.id));
      assert.ok(await store.releases.get(kept.rel.id));
      assert.ok(await store.deployments.get(kept.dep.id));
      assert.equal((await store.events.list(kept.dep.id, 0)).length, 1);
      assert.ok(await store.jobs.get(kept.job.id));
    } finally {
      await env.done();
    }
  });

  it('reports a corrupt JSON column as INTERNAL naming table, row and column', async () => {
    const env = await openTempStore();
    try {
      const app = appRow(env);
      await env.store.apps.create(app);
      const raw = new BetterSqlite3(env.tmp.file);
      raw.prepare('update apps set health = ? where id = ?').run('{"type":', app.id);
      raw.close();
      await assert.rejects(env.store.apps.getById(app.id), (err: unknown) => {
        assert.ok(isCode('INTERNAL')(err));
        assert.match(err.message, new RegExp(`apps\\.health of row "${app.id}" is not valid JSON`));
        return true;
      });
    } finally {
      await env.done();
    }
  });
});

describe('ReleaseRepo', () => {
  it('numbers releases per app from the database, reads by id and version, lists newest first', async () => {
    const env = await openTempStore();
    try {
      const app = appRow(env);
      const other = appRow(env, { name: 'other' });
      await env.store.apps.create(app);
      await env.store.apps.create(other);
      const rels = [1, 2, 3].map((v) => releaseRow(app.id, v));
      for (const r of rels) assert.deepEqual(await env.store.releases.create(r), r);
      assert.deepEqual(await env.store.releases.get(rels[0]!.id), rels[0]);
      assert.deepEqual(await env.store.releases.getByVersion(app.id, 2), rels[1]);
      assert.equal(await env.store.releases.getByVersion(app.id, 9), null);
      assert.deepEqual(
        (await env.store.releases.list(app.id)).map((r) => r.version),
        [3, 2, 1],
      );
      const stale = await env.store.releases.create(releaseRow(app.id, 2));
      assert.equal(stale.version, 4, 'the version a caller brings is not used');
      assert.equal((await env.store.releases.create(releaseRow(other.id, 7))).version, 1, 'per app');
      await assert.rejects(env.store.releases.create(releaseRow(newId('app'), 1)), isCode('APP_NOT_FOUND'));
    } finally {
      await env.done();
    }
  });

  it('writes the image id once; the same id again is fine, a different one is an error', async () => {
    const env = await openTempStore();
    try {
      const app = appRow(env);
      await env.store.apps.create(app);
      const rel = releaseRow(app.id, 1);
      await env.store.releases.create(rel);
      await env.store.releases.setImageId(rel.id, 'sha256:aaa');
      await env.store.releases.setImageId(rel.id, 'sha256:aaa');
      await assert.rejects(env.store.releases.setImageId(rel.id, 'sha256:bbb'), isCode('INTERNAL'));
      assert.equal((await env.store.releases.get(rel.id))?.imageId, 'sha256:aaa');
      await assert.rejects(
        env.store.releases.setImageId(newId('rel'), 'sha256:aaa'),
        isCode('RELEASE_NOT_FOUND'),
      );
    } finally {
      await env.done();
    }
  });
});
