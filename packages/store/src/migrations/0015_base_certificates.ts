import type { Kysely } from 'kysely';

/**
 * base_certificates: the installation's wildcard certificate for `berth up --domain` (issue 11),
 * `*.<domain>`, which every edge serves for every app's default hostname `<app>.<domain>`. One
 * row per base domain, so a run under another `--domain` orders its own and never serves the old
 * one. The status columns are those of a custom domain; the certificate columns are null until
 * the first is issued. The private key is sealed with the master key like a secret.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('base_certificates')
    .addColumn('domain', 'text', (c) => c.primaryKey())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('certificate_id', 'text')
    .addColumn('issuer', 'text')
    .addColumn('not_before', 'bigint')
    .addColumn('not_after', 'bigint')
    .addColumn('chain_pem', 'text')
    .addColumn('key_id', 'text')
    .addColumn('key_sealed', 'text')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}
