import type { Kysely } from 'kysely';

/**
 * notification_channels (issue 12): a team's webhooks. `secret` is the HMAC signing secret sealed
 * with the master key `key_id` (purpose notification-secret, aad `notification-channel:<id>`),
 * re-sealed on key rotation and counted by the key-retirement check like every sealed value.
 * `events` is a JSON array of event types, or null for all of them. `allow_private`: an
 * installation owner let it reach loopback/private addresses.
 *
 * notification_deliveries: one event to one channel. `envelope` is the exact event (JSON) so every
 * retry sends the same `id`; the job queue holds the retries, this row the history. Rows go with
 * their channel (ON DELETE CASCADE).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('notification_channels')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id'))
    .addColumn('name', 'text')
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('events', 'text')
    .addColumn('allow_private', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('notification_channels_team_id')
    .on('notification_channels')
    .column('team_id')
    .execute();
  await db.schema
    .createTable('notification_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('channel_id', 'text', (c) =>
      c.notNull().references('notification_channels.id').onDelete('cascade'),
    )
    .addColumn('team_id', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('envelope', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_status', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('delivered_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('notification_deliveries_team_created')
    .on('notification_deliveries')
    .columns(['team_id', 'created_at'])
    .execute();
}
