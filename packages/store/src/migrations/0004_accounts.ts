import type { Kysely } from 'kysely';

/**
 * Accounts and the audit anchor: invitations to teams (a membership starts as one, and the
 * invited account accepts it), and signed checkpoints of the audit chain. Dialect-neutral DDL,
 * as in 0001.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // Keyed by email, not by account: an invitation answers alike whether the email has an
  // account or not, and one for an email without an account waits until it has one.
  await db.schema
    .createTable('invitations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id').onDelete('cascade'))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    // 1 when the request that invited also created the account: it is accepted when that
    // account first sets its password or logs in.
    .addColumn('created_account', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('invited_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('invitations_team_id_email_unique', ['team_id', 'email'])
    .execute();
  await db.schema.createIndex('invitations_email_index').on('invitations').column('email').execute();

  // Signed by a key derived from the master key, which the database never holds: rows can be
  // deleted from here, but none can be made or changed without the key.
  await db.schema
    .createTable('audit_checkpoints')
    .addColumn('seq', 'bigint', (c) => c.primaryKey())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('signature', 'text', (c) => c.notNull())
    .execute();
}
