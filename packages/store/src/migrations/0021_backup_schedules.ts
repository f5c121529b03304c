import type { Kysely } from 'kysely';

/**
 * backup_schedules (issue 12): `berth backups schedule SOURCE --target T --cron … --keep N`. One
 * schedule per source and target (the unique constraint: scheduling again replaces it). A source
 * is `source_kind` + `source_id`: a volume now, a managed database (`databases.id`) next, so no
 * foreign key to either table; berthd removes a source's schedules with the source.
 * `last_run_at` is the fire time last acted on (core's dueRun), so a restart neither repeats a
 * run nor runs every missed one. `keep` ≥ 1: the newest verified backup always stays.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('backup_schedules')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id'))
    .addColumn('source_kind', 'text', (c) => c.notNull())
    .addColumn('source_id', 'text', (c) => c.notNull())
    .addColumn('source_name', 'text', (c) => c.notNull())
    .addColumn('target_id', 'text', (c) => c.notNull().references('backup_targets.id'))
    .addColumn('cron', 'text', (c) => c.notNull())
    .addColumn('keep', 'integer', (c) => c.notNull())
    .addColumn('last_run_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('backup_schedules_source_target_unique', [
      'team_id',
      'source_kind',
      'source_id',
      'target_id',
    ])
    .execute();
}
