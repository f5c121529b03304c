import type { Kysely } from 'kysely';

/**
 * certificates: TLS certificates for apps' custom domains (issue 11), uploaded (`berth certs
 * add`) or issued by ACME. `names` (JSON array) are the certificate's DNS names as it states
 * them; which of them an edge serves is decided from the app's domains each time (a name the app
 * no longer holds is never served). The private key is sealed with the master key like a secret
 * (`key_id`, `key_sealed`). Rows go with their app (ON DELETE CASCADE).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('certificates')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('app_id', 'text', (c) => c.notNull().references('apps.id').onDelete('cascade'))
    .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id'))
    .addColumn('names', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('issuer', 'text', (c) => c.notNull())
    .addColumn('not_before', 'bigint', (c) => c.notNull())
    .addColumn('not_after', 'bigint', (c) => c.notNull())
    .addColumn('chain_pem', 'text', (c) => c.notNull())
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('key_sealed', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('certificates_app_id').on('certificates').column('app_id').execute();
}
