import { sql, type Kysely } from 'kysely';

/**
 * Per-team settings: whether the team may deploy the host's local images, and whether its build
 * steps may reach the network. A team without a row has the defaults (no local images; egress).
 * The default team (the installation owners') may use local images from the start, on a fresh
 * install (bootstrap writes its row) and on this upgrade, so `localhost/hello:1` keeps deploying.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('team_settings')
    .addColumn('team_id', 'text', (c) => c.primaryKey().references('teams.id').onDelete('cascade'))
    .addColumn('allow_local_images', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('build_network', 'text', (c) => c.notNull().defaultTo('egress'))
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await sql`
    INSERT INTO team_settings (team_id, allow_local_images, build_network, updated_at)
    SELECT id, 1, 'egress', created_at FROM teams WHERE name = 'default'
  `.execute(db);
}
