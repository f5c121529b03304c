import type { Kysely } from 'kysely';

/**
 * cron_jobs (issue 12): a command an app runs on a schedule, each run a one-off container of the
 * app's current release. `command` is JSON argv. `last_run_at` is the fire time the scheduler last
 * acted on (core's dueRun: saved whatever it then did), so a berthd that was down runs a missed job
 * once, not once per missed time. Jobs go with their app.
 *
 * cron_runs: each fire time acted on: run, skipped by the concurrency policy, or failed to start.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('cron_jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id'))
    .addColumn('app_id', 'text', (c) => c.notNull().references('apps.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('schedule', 'text', (c) => c.notNull())
    .addColumn('command', 'text', (c) => c.notNull())
    .addColumn('timeout_s', 'integer', (c) => c.notNull())
    .addColumn('concurrency', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_run_at', 'bigint')
    .addUniqueConstraint('cron_jobs_app_id_name_unique', ['app_id', 'name'])
    .execute();
  await db.schema
    .createTable('cron_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('job_id', 'text', (c) => c.notNull().references('cron_jobs.id').onDelete('cascade'))
    .addColumn('scheduled_at', 'bigint', (c) => c.notNull())
    .addColumn('started_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('exit_code', 'integer')
    .addColumn('duration_ms', 'integer')
    .addColumn('missed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('note', 'text')
    .addColumn('log_tail', 'text', (c) => c.notNull().defaultTo('[]'))
    .execute();
  await db.schema
    .createIndex('cron_runs_job_id')
    .on('cron_runs')
    .columns(['job_id', 'scheduled_at'])
    .execute();
}
