import { BerthError } from '@berth/protocol';
import type { Kysely } from 'kysely';
import type { Migration } from '../migrations/index.js';

// A type alias, not an interface: withTables wants an index-signature-compatible shape.
type LegacyDb = { berth_migrations: { name: string; applied_at: number } };

/**
 * The migration runner Berth shipped before it used Kysely's Migrator (migrate.ts up to
 * 0006_runtime_limits), kept for tests: it makes databases exactly as installations made with it
 * are, so upgrading them can be tested, and it stands for that older Berth opening a database
 * this one upgraded. Its own log is `berth_migrations`; one transaction per migration.
 */
export async function legacyMigrate(
  db: Kysely<unknown>,
  now: () => number,
  migrations: readonly Migration[],
): Promise<string[]> {
  await db.schema
    .createTable('berth_migrations')
    .ifNotExists()
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('applied_at', 'bigint', (c) => c.notNull())
    .execute();
  const known = new Set(migrations.map((m) => m.name));
  const applied = await db.withTables<LegacyDb>().selectFrom('berth_migrations').select('name').execute();
  const unknown = applied.map((r) => r.name).filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new BerthError(
      'INTERNAL',
      `This data directory was used by a newer version of Berth: its database has migration(s) ` +
        `${unknown.join(', ')} that this version does not know. Upgrade Berth to open it.`,
    );
  }
  const ran: string[] = [];
  for (const migration of migrations) {
    const didRun = await db.transaction().execute(async (trx) => {
      const log = trx.withTables<LegacyDb>();
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
