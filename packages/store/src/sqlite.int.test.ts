// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
import assert from 'node:assert/strict';
import { copyFile, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { BerthError } from '@berth/protocol';
import BetterSqlite3 from 'better-sqlite3';
import { MIGRATIONS } from './migrations/index.js';
import { openSqliteStore } from './sqlite.js';
import { appRow, newId, NOW, openTempStore, tempDir } from './test-support/fixtures.js';

describe('openSqliteStore', () => {
  it('creates the parent directory and an owner-only file, in WAL mode with the pragmas set', async () => {
    const tmp = await tempDir();
    const store = await openSqliteStore({ file: tmp.file });
    try {
      assert.equal((await stat(tmp.file)).mode & 0o777, 0o600);
      await store.meta.set('k', 'v'); // a write creates the -wal file
      assert.equal((await stat(`${tmp.file}-wal`)).mode & 0o777, 0o600);
      const raw = new BetterSqlite3(tmp.file, { readonly: true });
      try {
        assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
      } finally {
        raw.close();
      }
    } finally {
      await store.close();
      await tmp.remove();
    }
  });

  it('applies migrations once; reopening is a no-op that keeps the data', async () => {
    const tmp = await tempDir();
    try {
      const first = await openSqliteStore({ file: tmp.file });
      await first.meta.set('marker', 'kept');
      await first.close();
      const second = await openSqliteStore({ file: tmp.file });
      assert.equal(await second.meta.get('marker'), 'kept');
      await second.close();
      const raw = new BetterSqlite3(tmp.file, { readonly: true });
      try {
        const rows = raw.prepare('select name from kysely_migration order by name').all() as {
          name: string;
        }[];
        assert.deepEqual(
          rows.map((r) => r.name),
          MIGRATIONS.map((m) => m.name),
        );
      } finally {
        raw.close();
      }
    } finally {
      await tmp.remove();
    }
  });

  it('refuses a database migrated by a newer Berth, saying to upgrade', async () => {
    const tmp = await tempDir();
    try {
      await (await openSqliteStore({ file: tmp.file })).close();
      const raw = new BetterSqlite3(tmp.file);
      raw
        .prepare('insert into kysely_migration (name, timestamp) values (?, ?)')
        .run('0099_from_the_future', new Date(NOW).toISOString());
      raw.close();
      await assert.rejects(openSqliteStore({ file: tmp.file }), (err: unknown) => {
        assert.ok(err instanceof BerthError);
        assert.equal(err.code, 'INTERNAL');
        assert.match(err.message, /newer version of Berth/);
        assert.match(err.message, /0099_from_the_future/);
        assert.match(err.message, /Upgrade Berth/);
        return true;
      });
    } finally {
      await tmp.remove();
    }
  });

  it('has foreign keys on: a row pointing nowhere is refused', async () => {
    const env = await openTempStore();
    try {
      await assert.rejects(
        env.store.apps.create(appRow({ projectId: 'prj_nonexistentnonexistent', teamId: 'team_none' })),
        /FOREIGN KEY/,
      );
    } finally {
      await env.done();
    }
  });

  it('commits without syncing on the caller’s thread, and a thread of its own checkpoints them into the file within a moment', async () => {
    const tmp = await tempDir();
    const store = await openSqliteStore({ file: tmp.file, checkpointEveryMs: 50 });
    try {
      await store.meta.set('checkpointed', 'yes');
      // The database file alone, without its WAL: what a power cut now would leave, at worst.
      const fileOnly = async (): Promise<string | null> => {
        const copy = `${tmp.dir}/copy.db`;
        await copyFile(tmp.file, copy);
        const raw = new BetterSqlite3(copy, { readonly: true });
        try {
          const row = raw.prepare("SELECT value FROM meta WHERE key = 'checkpointed'").get() as
            { value: string } | undefined;
          return row?.value ?? null;
        } catch {
          return null; // not even the schema has reached the file yet
        } finally {
          raw.close();
        }
      };
      const deadline = Date.now() + 5_000;
      while ((await fileOnly()) !== 'yes') {
        assert.ok(Date.now() < deadline, 'the commit never reached the database file');
        await sleep(20);
      }
    } finally {
      await store.close();
    }
    // Closed (the checkpointer's connection first), the store's was the last: its WAL is gone.
    await assert.rejects(stat(`${tmp.file}-wal`), { code: 'ENOENT' });
    await tmp.remove();
  });

  it('with no checkpointer thread, syncs every commit itself (checkpointEveryMs: 0)', async () => {
    const tmp = await tempDir();
    const store = await openSqliteStore({ file: tmp.file, checkpointEveryMs: 0 });
    try {
      await store.meta.set('k', 'v');
      assert.equal(await store.meta.get('k'), 'v');
    } finally {
      await store.close();
      await tmp.remove();
    }
  });

  it('works in memory', async () => {
    const store = await openSqliteStore({ file: ':memory:' });
    assert.equal(await store.meta.increment('n'), 1);
    await store.close();
  });
});

describe('Store.transaction', () => {
  it('lands nothing when the function throws', async () => {
    const env = await openTempStore();
    try {
      const app = appRow(env);
      await assert.rejects(
        env.store.transaction(async (tx) => {
          await tx.apps.create(app);
          await tx.meta.set('half', 'done');
          await tx.jobs.enqueue({ id: newId('job'), kind: 'deploy', payload: {} }, NOW);
          throw new Error('boom');
        }),
        /boom/,
      );
      assert.equal(await env.store.apps.getById(app.id), null);
      assert.equal(await env.store.meta.get('half'), null);
    } finally {
      await env.done();
    }
  });

  it('lands everything and returns the value when the function succeeds', async () => {
    const env = await openTempStore();
    try {
      const app = appRow(env);
      const got = await env.store.transaction(async (tx) => {
        await tx.apps.create(app);
        await tx.apps.delete(app.id); // nested atomic work joins the outer transaction
        await tx.apps.create({ ...app, name: 'again' });
        return tx.meta.increment('v');
      });
      assert.equal(got, 1);
      assert.equal((await env.store.apps.getById(app.id))?.name, 'again');
    } finally {
      await env.done();
    }
  });
});
