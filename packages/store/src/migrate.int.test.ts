// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { BerthError } from '@berth/protocol';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { MIGRATIONS } from './migrations/index.js';
import { openSqliteStore } from './sqlite.js';
import { NOW, tempDir } from './test-support/fixtures.js';
import { legacyMigrate } from './test-support/legacy-migrate.js';

/** Migrations by Kysely's Migrator: fresh databases, databases the old runner made, and refusals. */

const NAMES = MIGRATIONS.map((m) => m.name);
const BEFORE_MIGRATOR = MIGRATIONS.filter((m) => m.name < '0007');

function readLog(file: string, table: 'kysely_migration' | 'berth_migrations'): string[] {
  const raw = new BetterSqlite3(file, { readonly: true });
  try {
    return (raw.prepare(`select name from ${table} order by name`).all() as { name: string }[]).map(
      (r) => r.name,
    );
  } finally {
    raw.close();
  }
}

function tables(file: string): string[] {
  const raw = new BetterSqlite3(file, { readonly: true });
  try {
    const rows = raw.prepare(`select name from sqlite_master where type = 'table' order by name`).all();
    return (rows as { name: string }[]).map((r) => r.name);
  } finally {
    raw.close();
  }
}

/** A database as the Berth before the Migrator made it: its own runner, its own log. */
async function databaseBeforeMigrator(file: string, appliedAt: () => number = () => NOW): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new BetterSqlite3(file) }) });
  try {
    await legacyMigrate(db, appliedAt, BEFORE_MIGRATOR);
  } finally {
    await db.destroy();
  }
}

const isNewerBerth =
  (name: string) =>
  (err: unknown): true => {
    assert.ok(err instanceof BerthError, String(err));
    assert.equal(err.code, 'INTERNAL');
    assert.match(err.message, /newer version of Berth/);
    assert.ok(err.message.includes(name), err.message);
    assert.match(err.message, /Upgrade Berth/);
    return true;
  };

describe('migrate (Kysely Migrator)', () => {
  it('applies every migration to a fresh database, logged in kysely_migration, with no legacy log', async () => {
    const tmp = await tempDir();
    try {
      await (await openSqliteStore({ file: tmp.file })).close();
      assert.deepEqual(readLog(tmp.file, 'kysely_migration'), NAMES);
      const all = tables(tmp.file);
      assert.ok(all.includes('kysely_migration_lock'), all.join());
      assert.ok(!all.includes('berth_migrations'), 'a fresh database gets no legacy log');
    } finally {
      await tmp.remove();
    }
  });

  it('upgrades a database the old runner made: its log is adopted and only the new migrations run', async () => {
    const tmp = await tempDir();
    try {
      await databaseBeforeMigrator(tmp.file);
      const raw = new BetterSqlite3(tmp.file);
      raw.prepare(`insert into meta (key, value) values ('marker', 'kept')`).run();
      raw.close();
      const store = await openSqliteStore({ file: tmp.file });
      try {
        assert.equal(await store.meta.get('marker'), 'kept');
      } finally {
        await store.close();
      }
      assert.deepEqual(readLog(tmp.file, 'kysely_migration'), NAMES);
      // The old log keeps what it had, plus the name that makes an older Berth refuse the file.
      assert.deepEqual(readLog(tmp.file, 'berth_migrations'), [
        ...BEFORE_MIGRATOR.map((m) => m.name),
        '0007_typed_rollout_state',
      ]);
      // Opening again runs nothing and changes nothing.
      await (await openSqliteStore({ file: tmp.file })).close();
      assert.deepEqual(readLog(tmp.file, 'kysely_migration'), NAMES);
    } finally {
      await tmp.remove();
    }
  });

  it('an older Berth refuses a database this one upgraded, saying to upgrade', async () => {
    const tmp = await tempDir();
    try {
      await databaseBeforeMigrator(tmp.file);
      await (await openSqliteStore({ file: tmp.file })).close();
      const db = new Kysely<unknown>({
        dialect: new SqliteDialect({ database: new BetterSqlite3(tmp.file) }),
      });
      try {
        await assert.rejects(
          legacyMigrate(db, () => NOW, BEFORE_MIGRATOR),
          isNewerBerth('0007_typed_rollout_state'),
        );
      } finally {
        await db.destroy();
      }
    } finally {
      await tmp.remove();
    }
  });

  it('opens a database whose old log has times out of order (a clock stepped back)', async () => {
    const tmp = await tempDir();
    try {
      let at = NOW;
      await databaseBeforeMigrator(tmp.file, () => (at -= 1000));
      await (await openSqliteStore({ file: tmp.file })).close();
      assert.deepEqual(readLog(tmp.file, 'kysely_migration'), NAMES);
    } finally {
      await tmp.remove();
    }
  });

  it('refuses a database with a migration this Berth does not know, in either log', async () => {
    for (const log of ['kysely', 'legacy'] as const) {
      const tmp = await tempDir();
      try {
        if (log === 'legacy') await databaseBeforeMigrator(tmp.file);
        else await (await openSqliteStore({ file: tmp.file })).close();
        const raw = new BetterSqlite3(tmp.file);
        if (log === 'legacy')
          raw.prepare(`insert into berth_migrations values ('0099_from_the_future', ?)`).run(NOW);
        else
          raw
            .prepare(`insert into kysely_migration values ('0099_from_the_future', ?)`)
            .run(new Date(NOW).toISOString());
        raw.close();
        await assert.rejects(openSqliteStore({ file: tmp.file }), isNewerBerth('0099_from_the_future'));
      } finally {
        await tmp.remove();
      }
    }
  });

  it('two processes opening one database at once migrate it once', async () => {
    for (const start of ['fresh', 'before the Migrator'] as const) {
      const tmp = await tempDir();
      try {
        if (start === 'fresh') await mkdir(dirname(tmp.file), { recursive: true });
        else await databaseBeforeMigrator(tmp.file);
        const ran = await Promise.all([migrateInThread(tmp.file), migrateInThread(tmp.file)]);
        const expected = start === 'fresh' ? NAMES : NAMES.filter((n) => n >= '0007');
        assert.deepEqual(ran.flat().sort(), expected, `${start}: each migration ran once, in one of them`);
        assert.deepEqual(readLog(tmp.file, 'kysely_migration'), NAMES);
      } finally {
        await tmp.remove();
      }
    }
  });
});

/**
 * Opens the database in a worker thread, as another process would (in one thread better-sqlite3
 * would wait for the other connection's lock forever), and returns the migrations it applied.
 * It runs the built package: `tsc -b packages/store` first.
 */
function migrateInThread(file: string): Promise<string[]> {
  const migrate = new URL('../dist/migrate.js', import.meta.url).href;
  const sqlite = new URL('../dist/sqlite.js', import.meta.url).href;
  const body = `(async () => {
    const { parentPort, workerData } = await import('node:worker_threads');
    const { migrate } = await import(workerData.migrate);
    const { openSqliteKysely } = await import(workerData.sqlite);
    const db = openSqliteKysely(workerData.file);
    try {
      parentPort.postMessage(await migrate(db));
    } finally {
      await db.destroy();
    }
  })()`;
  return new Promise((resolve, reject) => {
    const w = new Worker(body, { eval: true, workerData: { file, migrate, sqlite } });
    w.once('message', (names: string[]) => resolve(names));
    w.once('error', reject);
  });
}
