// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { appRow, NOW, openTempStore, releaseRow } from '../test-support/fixtures.js';
import { rawConnection } from '../test-support/trust.js';

/**
 * Release versions (and build numbers) come from the database: a counter on the app row, taken
 * inside the creating transaction, with unique (app, number) constraints behind it.
 */

/**
 * Creates `count` releases of the app from a worker thread (another connection, as another
 * process would have), each in its own transaction that reads the app first, the way a request
 * does. The worker opens its store, says it is ready, and starts when told. Two makers share
 * `progress` (transactions done by each) and go in rounds: neither starts its next transaction
 * before the other has finished as many, so they run at once on every machine, however loaded
 * (left alone, one worker scheduled late on a busy CI machine made all of its releases after the
 * other's). Runs the built package: `tsc -b packages/store` first.
 */
function releaseMaker(file: string, appId: string, count: number, progress: Int32Array, me: 0 | 1) {
  const store = import.meta.resolve('@berth/store');
  const body = `(async () => {
    const { parentPort, workerData } = await import('node:worker_threads');
    const { openSqliteStore } = await import(workerData.store);
    const store = await openSqliteStore({ file: workerData.file });
    await new Promise((go) => { parentPort.once('message', go); parentPort.postMessage('ready'); });
    const versions = [];
    const { progress, me } = workerData;
    const other = 1 - me;
    try {
      for (let i = 0; i < workerData.count; i++) {
        const deadline = Date.now() + 30000;
        while (Atomics.load(progress, other) < i) {
          if (Date.now() > deadline) throw new Error('the other maker stopped at ' + Atomics.load(progress, other));
          Atomics.wait(progress, other, Atomics.load(progress, other), 50);
        }
        versions.push(await store.transaction(async (tx) => {
          await tx.apps.getById(workerData.appId);
          const r = await tx.releases.create({ ...workerData.release, id: 'rel_' + workerData.tag + '_' + i });
          return r.version;
        }));
        Atomics.store(progress, me, i + 1);
        Atomics.notify(progress, me);
      }
    } finally {
      await store.close();
    }
    parentPort.postMessage(versions);
  })()`;
  const tag = Math.random().toString(36).slice(2, 8);
  const { version: _ignored, ...release } = releaseRow(appId, 0);
  const worker = new Worker(body, {
    eval: true,
    workerData: { store, file, appId, count, tag, release, progress, me },
  });
  const ready = new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
  });
  const done = new Promise<number[]>((resolve, reject) => {
    void ready.then(() => worker.once('message', (versions: number[]) => resolve(versions)));
    worker.once('error', reject);
  });
  return { ready, go: () => worker.postMessage('go'), done };
}

describe('numbers from the database', () => {
  it('two connections creating releases of one app at once never get the same version', async () => {
    const env = await openTempStore();
    try {
      const app = appRow(env);
      await env.store.apps.create(app);
      const count = 40;
      const progress = new Int32Array(new SharedArrayBuffer(8));
      const makers = [
        releaseMaker(env.tmp.file, app.id, count, progress, 0),
        releaseMaker(env.tmp.file, app.id, count, progress, 1),
      ];
      await Promise.all(makers.map((m) => m.ready));
      for (const m of makers) m.go();
      const [a, b] = await Promise.all(makers.map((m) => m.done));
      assert.ok(a && b);
      const all = [...a, ...b].sort((x, y) => x - y);
      assert.deepEqual(
        all,
        Array.from({ length: 2 * count }, (_, i) => i + 1),
        'every version once, none skipped',
      );
      // They really ran at once: the versions of one connection are not a single block.
      const mine = new Set(a);
      const owner = all.map((v) => mine.has(v));
      const switches = owner.filter((o, i) => i > 0 && o !== owner[i - 1]).length;
      assert.ok(switches >= 2, `the connections did not interleave (${switches} switch(es))`);
      assert.deepEqual(
        (await env.store.releases.list(app.id)).map((r) => r.version),
        Array.from({ length: 2 * count }, (_, i) => 2 * count - i),
      );
    } finally {
      await env.done();
    }
  });

  it('a second release or build with a taken number is refused by the database itself', async () => {
    const env = await openTempStore();
    try {
      const app = appRow(env);
      await env.store.apps.create(app);
      const first = await env.store.releases.create(releaseRow(app.id, 1));
      const raw = rawConnection(env.tmp.file);
      try {
        const insertRelease = raw.prepare(
          `insert into releases (id, app_id, version, image, env, port, health, replicas, created_at)
           values ('rel_dup', ?, ?, 'img', '{}', 8080, '{}', 1, ?)`,
        );
        assert.throws(() => insertRelease.run(app.id, first.version, NOW), {
          code: 'SQLITE_CONSTRAINT_UNIQUE',
          message: /releases\.app_id, releases\.version/,
        });
        raw
          .prepare(
            `insert into builds (id, app_id, number, status, trigger, source, created_at)
             values ('bld_one', ?, 1, 'queued', 'deploy', '{}', ?)`,
          )
          .run(app.id, NOW);
        assert.throws(
          () =>
            raw
              .prepare(
                `insert into builds (id, app_id, number, status, trigger, source, created_at)
                 values ('bld_dup', ?, 1, 'queued', 'deploy', '{}', ?)`,
              )
              .run(app.id, NOW),
          { code: 'SQLITE_CONSTRAINT_UNIQUE', message: /builds\.app_id, builds\.number/ },
        );
      } finally {
        raw.close();
      }
    } finally {
      await env.done();
    }
  });

  it('a transaction that rolls back gives its number back', async () => {
    const env = await openTempStore();
    try {
      const app = appRow(env);
      await env.store.apps.create(app);
      await assert.rejects(
        env.store.transaction(async (tx) => {
          assert.equal((await tx.releases.create(releaseRow(app.id, 1))).version, 1);
          throw new Error('changed my mind');
        }),
        /changed my mind/,
      );
      assert.equal((await env.store.releases.create(releaseRow(app.id, 1))).version, 1);
    } finally {
      await env.done();
    }
  });
});
