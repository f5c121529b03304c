import type { Kysely } from 'kysely';

/**
 * Backups (issue 12).
 *
 * backup_keys: berthd's X25519 backup key pairs. Agents get the public key and wrap each
 * backup's data key to it; the private key is kept only sealed under the master key
 * (`key_id`, re-sealed by `berth keys rotate` like every sealed value). Old pairs stay: their
 * recipient key id, written in each backup, says which one opens an old backup.
 *
 * backup_targets: where a team's backups go. `settings` is JSON without any credential (the
 * directory, or the endpoint, bucket, prefix and region); the S3 secret access key is in
 * `secret_sealed` under master key `key_id` (null for a directory).
 *
 * backups: one row per backup, made `running` before anything is written to the target, and
 * `verified` only after the object was read back, checked and restored into a scratch volume;
 * a berthd killed meanwhile leaves `running`, which its next start marks `failed`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('backup_keys')
    .addColumn('recipient_key_id', 'text', (c) => c.primaryKey())
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('private_key_sealed', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('backup_targets')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('settings', 'text', (c) => c.notNull())
    .addColumn('key_id', 'text')
    .addColumn('secret_sealed', 'text')
    .addColumn('allow_private', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('backup_targets_team_id_name_unique', ['team_id', 'name'])
    .execute();
  await db.schema
    .createTable('backups')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id'))
    .addColumn('source_kind', 'text', (c) => c.notNull())
    .addColumn('source_id', 'text', (c) => c.notNull())
    .addColumn('source_name', 'text', (c) => c.notNull())
    .addColumn('target_id', 'text', (c) => c.notNull().references('backup_targets.id'))
    .addColumn('object_key', 'text', (c) => c.notNull())
    .addColumn('bytes', 'bigint')
    .addColumn('sha256', 'text')
    .addColumn('wrapped_key', 'text')
    .addColumn('recipient_key_id', 'text')
    .addColumn('tree', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('verify_output', 'text')
    .addColumn('error', 'text')
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('backups_source')
    .on('backups')
    .columns(['team_id', 'source_kind', 'source_id', 'started_at'])
    .execute();
}
