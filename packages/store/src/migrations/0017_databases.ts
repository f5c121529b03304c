import type { Kysely } from 'kysely';

/**
 * databases (issue 12, `berth db …`): a team's managed databases. `name` is the team's word for
 * it, unique within the team (checked like an app name; it never reaches an engine, shell or
 * SQL). `engine` is postgres, mysql (MariaDB) or redis and `version` the one its image carries.
 * Its data lives on `volume_id` (no CASCADE: the volume outlives a mistaken row delete, and a
 * volume cannot be deleted under its database), on the volume's server (`server_id`, copied so
 * the row says where it runs even while the volume row is read elsewhere). The generated
 * credentials are one sealed JSON value (`sealed_credentials`, AES-256-GCM under the master key
 * `key_id`, like secrets): the store never sees them in the clear. `app_id` is the Berth-managed
 * workload that runs it, when there is one. A public port is unique per server (NULLs are not
 * compared).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('databases')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('engine', 'text', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('server_id', 'text', (c) => c.notNull())
    .addColumn('volume_id', 'text', (c) => c.notNull().references('volumes.id'))
    .addColumn('sealed_credentials', 'text', (c) => c.notNull())
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('memory_mib', 'integer', (c) => c.notNull())
    .addColumn('public_port', 'integer')
    .addColumn('app_id', 'text', (c) => c.references('apps.id').onDelete('set null'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('databases_team_id_name_unique', ['team_id', 'name'])
    .addUniqueConstraint('databases_volume_id_unique', ['volume_id'])
    .addUniqueConstraint('databases_server_id_public_port_unique', ['server_id', 'public_port'])
    .execute();
}
