import { sql, type Kysely } from 'kysely';

/**
 * A fleet: servers join with a one-time token and carry what placement needs.
 *
 * servers:
 * - `labels`: JSON object of strings (`zone=b`, `role=build`), matched by app constraints.
 * - `state`: what an admin decided, `active` | `draining` | `paused` | `removed`. Whether a server
 *   is reachable (online, suspect, down) is not stored: berthd derives it from the link.
 * - `cpu_millis`, `memory_mib`: the capacity its agent reports (NULL: not reported yet).
 * - `agent_version`, `private_ip` (where other servers reach its replicas), as its agent says.
 * - `pending_public_key`: a key that claimed this server's name; it is used only once an admin
 *   approves it (`berth servers approve`).
 * - a name is unique among servers not removed; older duplicates (never made before) get their id appended.
 *
 * join_tokens: only a token's SHA-256 is stored; single use (`used_at`), expiring, bound to the
 * server name and labels it was made for.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('servers')
    .addColumn('labels', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute();
  await db.schema
    .alterTable('servers')
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('active'))
    .execute();
  await db.schema.alterTable('servers').addColumn('cpu_millis', 'integer').execute();
  await db.schema.alterTable('servers').addColumn('memory_mib', 'integer').execute();
  await db.schema.alterTable('servers').addColumn('agent_version', 'text').execute();
  await db.schema.alterTable('servers').addColumn('private_ip', 'text').execute();
  await db.schema.alterTable('servers').addColumn('pending_public_key', 'text').execute();
  await sql`update servers set name = name || '-' || id
      where id not in (select min(id) from servers group by name)`.execute(db);
  await db.schema
    .createIndex('servers_live_name_unique')
    .on('servers')
    .column('name')
    .unique()
    .where(sql.ref('state'), '<>', 'removed')
    .execute();

  await db.schema
    .createTable('join_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('server_name', 'text', (c) => c.notNull())
    .addColumn('labels', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .addColumn('server_id', 'text')
    .execute();
}
