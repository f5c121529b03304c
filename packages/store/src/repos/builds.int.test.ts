// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { appRow, NOW, openTempStore, releaseRow } from '../test-support/fixtures.js';
import type { BuildRow } from '../types-builds.js';

const build = (appId: string, number: number, over: Partial<BuildRow> = {}): BuildRow => ({
  id: `bld_${'a'.repeat(19)}${number}`,
  appId,
  number,
  status: 'queued',
  trigger: 'deploy',
  source: {
    type: 'git',
    url: 'https://git.example.com/a.git',
    ref: { kind: 'branch', name: 'main' },
    commit: null,
  },
  commit: null,
  subject: null,
  builder: null,
  plan: null,
  image: null,
  imageId: null,
  error: null,
  deploymentId: null,
  cancelRequestedAt: null,
  createdAt: NOW + number,
  startedAt: null,
  finishedAt: null,
  ...over,
});

describe('BuildRepo', () => {
  it('numbers builds per app, updates them, and reads them back whole', async () => {
    const env = await openTempStore();
    try {
      const app = appRow(env, {
        source: { type: 'git', url: 'file:///srv/a', ref: { kind: 'tag', name: 'v1' } },
      });
      await env.store.apps.create(app);
      assert.deepEqual((await env.store.apps.getById(app.id))?.source, app.source);
      const first = await env.store.builds.create(build(app.id, 1));
      const second = await env.store.builds.create(
        build(app.id, 2, {
          trigger: 'upload',
          source: { type: 'archive', sha256: 'f'.repeat(64), bytes: 10 },
        }),
      );
      assert.deepEqual(
        [first.number, second.number],
        [1, 2],
        'numbered by the database, whatever the caller says',
      );
      assert.deepEqual(await env.store.builds.get(first.id), build(app.id, 1));
      const plan = { port: 3000, healthPath: '/up', env: { A: '1' }, replicas: 2 };
      const done = await env.store.builds.update(build(app.id, 1).id, {
        status: 'succeeded',
        commit: 'c'.repeat(40),
        builder: 'node',
        plan,
        image: 'localhost/berth/web:cccccccccccc',
        imageId: 'sha256:abc',
        finishedAt: NOW + 99,
      });
      assert.deepEqual(done, {
        ...build(app.id, 1),
        status: 'succeeded',
        commit: 'c'.repeat(40),
        builder: 'node',
        plan,
        image: 'localhost/berth/web:cccccccccccc',
        imageId: 'sha256:abc',
        finishedAt: NOW + 99,
      });
      assert.deepEqual(
        (await env.store.builds.list(app.id, 10)).map((b) => b.number),
        [2, 1],
      );
      assert.deepEqual((await env.store.builds.getByNumber(app.id, 2))?.source, {
        type: 'archive',
        sha256: 'f'.repeat(64),
        bytes: 10,
      });
      const third = await env.store.builds.create(build(app.id, 1, { id: `bld_${'b'.repeat(20)}` }));
      assert.equal(third.number, 3, 'a stale number from the caller is not reused');
    } finally {
      await env.done();
    }
  });

  it('appends log lines in order and pages them by seq', async () => {
    const env = await openTempStore();
    try {
      const app = appRow(env);
      await env.store.apps.create(app);
      const b = build(app.id, 1);
      await env.store.builds.create(b);
      assert.equal(
        await env.store.builds.appendLogs(b.id, [
          { at: NOW, line: 'one' },
          { at: NOW, line: 'two' },
        ]),
        2,
      );
      const many = Array.from({ length: 450 }, (_, i) => ({ at: NOW + i, line: `l${i}` }));
      assert.equal(await env.store.builds.appendLogs(b.id, many), 452);
      assert.equal(await env.store.builds.logCount(b.id), 452);
      const page = await env.store.builds.logs(b.id, 1, 3);
      assert.deepEqual(
        page.map((l) => [l.seq, l.line]),
        [
          [2, 'two'],
          [3, 'l0'],
          [4, 'l1'],
        ],
      );
      await env.store.apps.delete(app.id);
      assert.equal(await env.store.builds.logCount(b.id), 0, 'logs go with their app');
    } finally {
      await env.done();
    }
  });

  it('a release waiting for its build gets the build outcome once', async () => {
    const env = await openTempStore();
    try {
      const app = appRow(env);
      await env.store.apps.create(app);
      const rel = releaseRow(app.id, 1, { buildId: build(app.id, 1).id });
      await env.store.releases.create(rel);
      const built = {
        image: 'localhost/berth/web:c',
        imageId: 'sha256:c',
        commit: 'c'.repeat(40),
        port: 3000,
        env: { B: '2' },
        health: rel.health,
        replicas: 2,
      };
      await env.store.releases.completeBuild(rel.id, built);
      await env.store.releases.completeBuild(rel.id, built);
      const read = await env.store.releases.get(rel.id);
      assert.deepEqual(
        [read?.image, read?.imageId, read?.commit, read?.port, read?.env, read?.replicas, read?.buildId],
        [built.image, built.imageId, built.commit, 3000, { B: '2' }, 2, rel.buildId],
      );
      await assert.rejects(
        env.store.releases.completeBuild(rel.id, { ...built, imageId: 'sha256:other' }),
        /immutable/,
      );
    } finally {
      await env.done();
    }
  });

  it('sealed app values are upserted, counted by key id, and resealed', async () => {
    const env = await openTempStore();
    try {
      const app = appRow(env);
      await env.store.apps.create(app);
      const row = {
        appId: app.id,
        purpose: 'webhook-secret' as const,
        value: 'sealed',
        keyId: 'k1',
        createdAt: NOW,
        updatedAt: NOW,
      };
      await env.store.appSealed.put(row);
      await env.store.appSealed.put({ ...row, purpose: 'git-token', value: 'tok' });
      assert.deepEqual(await env.store.secrets.countByKeyId(), { k1: 2 });
      await env.store.appSealed.reseal(app.id, 'git-token', 'tok2', 'k2');
      assert.deepEqual(await env.store.secrets.countByKeyId(), { k1: 1, k2: 1 });
      assert.equal((await env.store.appSealed.get(app.id, 'git-token'))?.value, 'tok2');
      assert.equal(await env.store.appSealed.delete(app.id, 'git-token'), true);
      assert.deepEqual(
        (await env.store.appSealed.listAll()).map((r) => r.purpose),
        ['webhook-secret'],
      );
    } finally {
      await env.done();
    }
  });
});
