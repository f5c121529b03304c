import type { Kysely } from 'kysely';

/**
 * Placement: which server runs which replica slot of each deployment.
 *
 * placements: one row per (deployment, slot), written when the deployment is queued (and never
 * changed after). An app's placement is that of its current deployment; slots above the
 * deployment's replica count carry over where the replicas it replaces run, so a rollout that is
 * put back finds them. Rows go with their deployment (ON DELETE CASCADE). `server_id` is not a
 * foreign key: servers are never deleted, only marked removed.
 *
 * apps.constraints: JSON array of `key=value` / `key!=value` strings the servers running the
 * app's replicas must match (their labels).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('placements')
    .addColumn('deployment_id', 'text', (c) => c.notNull().references('deployments.id').onDelete('cascade'))
    .addColumn('app_id', 'text', (c) => c.notNull())
    .addColumn('slot', 'integer', (c) => c.notNull())
    .addColumn('server_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('placements_pk', ['deployment_id', 'slot'])
    .execute();
  await db.schema.createIndex('placements_server_index').on('placements').column('server_id').execute();
  await db.schema
    .alterTable('apps')
    .addColumn('constraints', 'text', (c) => c.notNull().defaultTo('[]'))
    .execute();
}
