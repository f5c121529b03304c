import type { Kysely } from 'kysely';

/**
 * Builds from source: an app may have a git source; each build and its log lines are kept;
 * releases and deployments name the build they come from; credentials for git and the webhook
 * secret are sealed values beside the app. Dialect-neutral DDL, as in 0001.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('apps').addColumn('source', 'text').execute();
  // 1 when the port was given by a person (flag or API), so berth.yaml's port does not override it.
  await db.schema
    .alterTable('apps')
    .addColumn('port_set', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema.alterTable('releases').addColumn('build_id', 'text').execute();
  await db.schema.alterTable('releases').addColumn('commit_sha', 'text').execute();
  await db.schema.alterTable('deployments').addColumn('build_id', 'text').execute();

  await db.schema
    .createTable('builds')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('app_id', 'text', (c) => c.notNull().references('apps.id').onDelete('cascade'))
    .addColumn('number', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('commit_sha', 'text')
    .addColumn('subject', 'text')
    .addColumn('builder', 'text')
    .addColumn('plan', 'text')
    .addColumn('image', 'text')
    .addColumn('image_id', 'text')
    .addColumn('error', 'text')
    .addColumn('deployment_id', 'text')
    .addColumn('cancel_requested_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('started_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    .addUniqueConstraint('builds_app_id_number_unique', ['app_id', 'number'])
    .execute();

  await db.schema
    .createTable('build_logs')
    .addColumn('build_id', 'text', (c) => c.notNull().references('builds.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('line', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('build_logs_pk', ['build_id', 'seq'])
    .execute();

  await db.schema
    .createTable('app_sealed')
    .addColumn('app_id', 'text', (c) => c.notNull().references('apps.id').onDelete('cascade'))
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('app_sealed_pk', ['app_id', 'purpose'])
    .execute();
}
