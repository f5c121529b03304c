import type { Kysely } from 'kysely';

/**
 * deployments.requested_by: who asked for the deployment, as the audit log names its actor (a
 * user's email, an API token's name), so the dashboard can say "v3 by ada@…" without reading the
 * audit chain. Null for what berthd queues itself (a webhook's push, a drained server's moves)
 * and for every deployment made before this column existed.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('deployments').addColumn('requested_by', 'text').execute();
}
