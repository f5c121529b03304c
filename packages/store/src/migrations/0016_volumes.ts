import type { Kysely } from 'kysely';

/**
 * volumes (issue 12): engine volumes a team keeps on one server, that outlive deploys. `name` is
 * the team's word for it, unique within the team; the engine volume is named after `id`
 * (`berth-vol-…`), never after `name`. `server_id` is the server it lives on (servers are never
 * deleted, only marked removed).
 *
 * app_volumes: which app mounts which volume where, one row per mount. A volume with a row here
 * is in use and cannot be deleted (the foreign key holds that too: no CASCADE from volumes); rows
 * go with their app (ON DELETE CASCADE).
 *
 * apps.deploy_strategy: `rolling` (start new, then stop old) or `recreate` (stop old, then start).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('volumes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('server_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('volumes_team_id_name_unique', ['team_id', 'name'])
    .execute();
  await db.schema
    .createTable('app_volumes')
    .addColumn('app_id', 'text', (c) => c.notNull().references('apps.id').onDelete('cascade'))
    .addColumn('volume_id', 'text', (c) => c.notNull().references('volumes.id'))
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('app_volumes_pk', ['app_id', 'volume_id'])
    .execute();
  await db.schema.createIndex('app_volumes_volume_id').on('app_volumes').column('volume_id').execute();
  await db.schema
    .alterTable('apps')
    .addColumn('deploy_strategy', 'text', (c) => c.notNull().defaultTo('rolling'))
    .execute();
}
