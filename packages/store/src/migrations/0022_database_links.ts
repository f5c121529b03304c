import type { Kysely } from 'kysely';

/**
 * database_links (issue 12, `berth db link`): which app gets which database's URL, under which
 * secret name. The URL itself is an ordinary app secret (sealed in `secrets`); this row is what
 * `db show` lists and what `db delete` refuses over. An app's delete takes its links with it; a
 * database's delete is refused while it has any (the service checks first).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('database_links')
    .addColumn('database_id', 'text', (c) => c.notNull().references('databases.id').onDelete('cascade'))
    .addColumn('app_id', 'text', (c) => c.notNull().references('apps.id').onDelete('cascade'))
    .addColumn('secret_key', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('database_links_pk', ['database_id', 'app_id'])
    .execute();
  await db.schema.createIndex('database_links_app_id').on('database_links').column('app_id').execute();
}
