import { BerthError } from '@berth/protocol';
import { Migrator, type Kysely, type MigrationProvider } from 'kysely';
import { MIGRATIONS, type Migration } from './migrations/index.js';

/** Kysely's log of applied migrations (its default name and columns). */
const LOG = 'kysely_migration';
/** The log Berth kept itself before it used Kysely's Migrator; read once per start, never written. */
const LEGACY_LOG = 'berth_migrations';

// Type aliases, not interfaces: withTables wants an index-signature-compatible shape.
type LogDb = { [LOG]: { name: string; timestamp: string } };
type LegacyLogDb = { [LEGACY_LOG]: { name: string; applied_at: number } };

/**
 * Applies pending migrations with Kysely's Migrator and returns the names it applied. The
 * Migrator takes the dialect's migration lock (an advisory lock on PostgreSQL; on SQLite the
 * write lock of the one transaction all pending migrations run in, see sqlite.ts), so two
 * processes opening one database migrate it once. A database that a newer Berth migrated is
 * refused: running old code against a newer schema would corrupt it quietly.
 */
export async function migrate(
  db: Kysely<unknown>,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<string[]> {
  await adoptLegacyLog(db);
  await refuseNewer(db, migrations);
  const migrator = new Migrator({
    db,
    provider: toProvider(migrations),
    // Pending migrations run in name order either way. Kysely would also check that the applied
    // ones sort by their wall-clock timestamps as by name: a clock stepped back must not make a
    // database unopenable.
    allowUnorderedMigrations: true,
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error !== undefined) {
    // Another (newer) Berth may have migrated between our check and the Migrator's own.
    await refuseNewer(db, migrations);
    throw error instanceof Error ? error : new Error(`migration failed: ${JSON.stringify(error)}`);
  }
  return results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

const toProvider = (migrations: readonly Migration[]): MigrationProvider => ({
  getMigrations: () =>
    Promise.resolve(
      Object.fromEntries(migrations.map((m) => [m.name, { up: (db: Kysely<unknown>) => m.up(db) }])),
    ),
});

async function hasTable(db: Kysely<unknown>, name: string): Promise<boolean> {
  const tables = await db.introspection.getTables({ withInternalKyselyTables: true });
  return tables.some((t) => t.name === name);
}

/**
 * A database from before the Migrator: every name in Berth's old log goes into Kysely's, with
 * its time, in one transaction (idempotent, so two processes starting at once do no harm).
 * Times are made non-decreasing in name order, the order the old runner applied them in.
 */
async function adoptLegacyLog(db: Kysely<unknown>): Promise<void> {
  if (!(await hasTable(db, LEGACY_LOG))) return;
  await db.transaction().execute(async (trx) => {
    await trx.schema
      .createTable(LOG)
      .ifNotExists()
      // Exactly the columns the Migrator creates, so it finds its table ready.
      .addColumn('name', 'varchar(255)', (c) => c.notNull().primaryKey())
      .addColumn('timestamp', 'varchar(255)', (c) => c.notNull())
      .execute();
    const legacy = await trx
      .withTables<LegacyLogDb>()
      .selectFrom(LEGACY_LOG)
      .select(['name', 'applied_at'])
      .orderBy('name')
      .execute();
    const log = trx.withTables<LogDb>();
    let at = 0;
    for (const row of legacy) {
      at = Math.max(at, Number(row.applied_at));
      await log
        .insertInto(LOG)
        .values({ name: row.name, timestamp: new Date(at).toISOString() })
        .onConflict((oc) => oc.column('name').doNothing())
        .execute();
    }
  });
}

async function refuseNewer(db: Kysely<unknown>, migrations: readonly Migration[]): Promise<void> {
  if (!(await hasTable(db, LOG))) return;
  const known = new Set(migrations.map((m) => m.name));
  const rows = await db.withTables<LogDb>().selectFrom(LOG).select('name').orderBy('name').execute();
  const unknown = rows.map((r) => r.name).filter((name) => !known.has(name));
  if (unknown.length > 0) throw newerBerth(unknown);
}

function newerBerth(unknown: string[]): BerthError {
  return new BerthError(
    'INTERNAL',
    `This data directory was used by a newer version of Berth: its database has migration(s) ` +
      `${unknown.join(', ')} that this version does not know. Upgrade Berth to open it.`,
    { hint: 'Install the newer Berth release that last used this data directory, then start it again.' },
  );
}
