import type { Kysely } from 'kysely';

/**
 * domains: the custom domain names apps are served on (issue 11), each in its canonical ASCII
 * form (@berth/core's parseDomainName). `name` is unique across the installation, whatever the
 * team: one name, one app, so two teams can never claim the same name and a proxy never sees two
 * routes for one host. `team_id` is the app's team at the time (apps do not move between teams),
 * kept so that "another team holds it" needs no join.
 * - `kind`: `primary` | `redirect`; a redirect's `redirect_to` is its app's primary name.
 * - `status`: `pending` | `issued` | `failed` | `renewing`, with the certificate's `issuer` and
 *   `expires_at` (epoch ms) and the reason of the last failure in `last_error`.
 * Rows go with their app (ON DELETE CASCADE).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('domains')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('app_id', 'text', (c) => c.notNull().references('apps.id').onDelete('cascade'))
    .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('redirect_to', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('issuer', 'text')
    .addColumn('expires_at', 'bigint')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('domains_name_unique', ['name'])
    .execute();
  await db.schema.createIndex('domains_app_id').on('domains').column('app_id').execute();
}
