import type { Kysely } from 'kysely';

/**
 * The WireGuard mesh: each server's public key and endpoint (`ip:port`, or null when it dials
 * out only) as its agent last said, and the mesh address berthd gave it. Addresses are never
 * reused (a removed server keeps its own): a server still running with an old configuration then
 * cannot take traffic meant for a newcomer.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // One column per statement: SQLite adds only one at a time.
  for (const column of ['mesh_public_key', 'mesh_endpoint', 'mesh_ip'])
    await db.schema.alterTable('servers').addColumn(column, 'text').execute();
  await db.schema
    .createIndex('servers_mesh_ip_unique')
    .unique()
    .on('servers')
    .column('mesh_ip')
    .where('mesh_ip', 'is not', null)
    .execute();
}
