import { BerthError } from '@berth/protocol';
import type { Kysely } from 'kysely';
import { MIGRATIONS, type Migration } from './migrations/index.js';
import type { MigrationsTable } from './schema.js';

// A type alias, not an interface: withTables wants an index-signature-compatible shape.
type MigrationDb = { berth_migrations: MigrationsTable };

/**
 * Applies pending migrations in order, one transaction each, and refuses a database that a newer
 * Berth has migrated: running old code against a newer schema would corrupt it quietly.
 */
export async function migrate(
  db: Kysely<unknown>,
  now: () => number = Date.now,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<string[]> {
  await db.schema
    .createTable('berth_migrations')
    .ifNotExists()
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('applied_at', 'bigint', (c) => c.notNull())
    .execute();
  const typed = db.withTables<MigrationDb>();
  const known = new Set(migrations.map((m) => m.name));
  const applied = await appliedNames(typed);
  const unknown = applied.filter((name) => !known.has(name));
  if (unknown.length > 0) throw newerBerth(unknown);

  const ran: string[] = [];
  for (const migration of migrations) {
    if (applied.includes(migration.name)) continue;
    const didRun = await db.transaction().execute(async (trx) => {
      const log = trx.withTables<MigrationDb>();
      // Re-checked under the write lock: another process may have opened the same file at once.
      const again = await log
        .selectFrom('berth_migrations')
        .select('name')
        .where('name', '=', migration.name)
        .executeTakeFirst();
      if (again) return false;
      await migration.up(trx);
      await log.insertInto('berth_migrations').values({ name: migration.name, applied_at: now() }).execute();
      return true;
    });
    if (didRun) ran.push(migration.name);
  }
  return ran;
}

async function appliedNames(db: Kysely<MigrationDb>): Promise<string[]> {
  const rows = await db.selectFrom('berth_migrations').select('name').orderBy('name').execute();
  return rows.map((r) => r.name);
}

function newerBerth(unknown: string[]): BerthError {
  return new BerthError(
    'INTERNAL',
    `This data directory was used by a newer version of Berth: its database has migration(s) ` +
      `${unknown.join(', ')} that this version does not know. Upgrade Berth to open it.`,
    { hint: 'Install the newer Berth release that last used this data directory, then start it again.' },
  );
}
