import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import {
  CompiledQuery,
  Kysely,
  SqliteAdapter,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type DialectAdapter,
  type Driver,
} from 'kysely';
import type { Database } from './schema.js';
import { startCheckpointer } from './sqlite-checkpointer.js';
import { createStore } from './store.js';
import type { SqliteOptions, Store } from './types.js';

/**
 * Everything SQLite-specific lives here: the file, the pragmas and the dialect. A `postgres.ts`
 * beside it builds a Kysely<Database> over pg and hands it to the same createStore.
 */
export async function openSqliteStore(options: SqliteOptions): Promise<Store> {
  const everyMs =
    options.file === ':memory:' ? 0 : (options.checkpointEveryMs ?? DEFAULT_CHECKPOINT_EVERY_MS);
  const store = await createStore(openSqliteKysely(options.file, everyMs > 0 ? 'NORMAL' : 'FULL'));
  if (everyMs === 0) return store;
  const checkpointer = startCheckpointer(options.file, everyMs);
  return {
    ...store,
    async close() {
      await checkpointer.stop();
      await store.close();
    },
  };
}

/** The WAL's size (4 KiB pages, ~40 MB) past which the main connection checkpoints by itself. */
const MAIN_AUTOCHECKPOINT_PAGES = 10_000;

/** How often the checkpointer thread syncs what was committed (./sqlite-checkpointer.ts). */
export const DEFAULT_CHECKPOINT_EVERY_MS = 1_000;

/**
 * The file opened as Berth opens it: pragmas set, IMMEDIATE transactions, not migrated yet.
 * `synchronous`: FULL (each commit synced on the caller's thread) unless a checkpointer syncs.
 */
export function openSqliteKysely(file: string, synchronous: 'FULL' | 'NORMAL' = 'FULL'): Kysely<Database> {
  return new Kysely<Database>({ dialect: new ImmediateSqliteDialect(openDatabase(file, synchronous)) });
}

function openDatabase(file: string, synchronous: 'FULL' | 'NORMAL'): BetterSqlite3.Database {
  if (file !== ':memory:') prepareFile(file);
  const native = new BetterSqlite3(file);
  try {
    // WAL: readers never block the writer. NORMAL with a checkpointer thread: a commit is synced
    // within a second, off berthd's event loop (./sqlite-checkpointer.ts says why).
    native.pragma('journal_mode = WAL');
    native.pragma(`synchronous = ${synchronous}`);
    // With the checkpointer thread, this connection checkpoints (two fsyncs, on berthd's event
    // loop) only if that thread falls far behind: slow fsyncs there leave the WAL growing, and
    // at SQLite's default of 1,000 pages the main thread would take the slow fsyncs over.
    if (synchronous === 'NORMAL') native.pragma(`wal_autocheckpoint = ${MAIN_AUTOCHECKPOINT_PAGES}`);
    native.pragma('foreign_keys = ON');
    // Another process (a second berthd, the CLI) may hold the write lock for a moment.
    native.pragma('busy_timeout = 5000');
  } catch (err) {
    native.close();
    throw err;
  }
  return native;
}

/** The database holds token hashes and secrets' ciphertexts: owner-only, from the first byte. */
function prepareFile(file: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  closeSync(openSync(file, 'a', 0o600));
  chmodSync(file, 0o600);
}

/**
 * Kysely's SQLite driver begins transactions DEFERRED. A deferred transaction that reads and then
 * writes fails at once with SQLITE_BUSY if another connection wrote in between (busy_timeout does
 * not help there). IMMEDIATE takes the write lock up front, so transactions queue instead.
 */
class ImmediateSqliteDialect extends SqliteDialect {
  readonly #native: BetterSqlite3.Database;

  constructor(native: BetterSqlite3.Database) {
    super({ database: native });
    this.#native = native;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver({ database: this.#native });
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

/**
 * SQLite runs DDL inside transactions; Kysely's adapter says it does not only to be safe. Saying
 * so makes the Migrator run every pending migration in one (IMMEDIATE) transaction: it reads what
 * is applied and applies the rest under the write lock, which is SQLite's migration lock, and a
 * crash half-way leaves the schema as it was.
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}
