import type { Kysely } from 'kysely';

/**
 * rollout_stages: the rollouts still reaching the servers one at a time (berthd's
 * agents/staging.ts), so that a berthd restarted mid-rollout goes on one server at a time instead
 * of sending the revision to every remaining server at once. One row per app (a newer rollout of
 * the app replaces it), deleted once every server of its order has been sent the revision or
 * the rollout is put back after a failure.
 * `server_ids`: JSON array of server ids in the order they get the revision; `reached`: how many
 * of them have. Rows go with their app (ON DELETE CASCADE).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('rollout_stages')
    .addColumn('app_id', 'text', (c) => c.primaryKey().references('apps.id').onDelete('cascade'))
    .addColumn('revision', 'text', (c) => c.notNull())
    .addColumn('server_ids', 'text', (c) => c.notNull())
    .addColumn('reached', 'integer', (c) => c.notNull())
    .execute();
}
