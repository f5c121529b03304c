import type { BackupScheduleRepo, BackupScheduleRow, BackupSchedulesTable } from '../types-backups.js';
import type { Db } from './db.js';

/** Backup schedules: one per (team, source, target), replaced in place by scheduling again. */
export function createBackupScheduleRepo(db: Db): BackupScheduleRepo {
  const get: BackupScheduleRepo['get'] = async (teamId, kind, sourceId, targetId) => {
    const r = await db
      .selectFrom('backup_schedules')
      .selectAll()
      .where('team_id', '=', teamId)
      .where('source_kind', '=', kind)
      .where('source_id', '=', sourceId)
      .where('target_id', '=', targetId)
      .executeTakeFirst();
    return r ? toRow(r) : null;
  };
  return {
    async upsert(row) {
      // One statement, so two racing `schedule` calls leave one row (the unique constraint).
      await db
        .insertInto('backup_schedules')
        .values(toRecord(row))
        .onConflict((oc) =>
          oc.columns(['team_id', 'source_kind', 'source_id', 'target_id']).doUpdateSet({
            cron: row.cron,
            keep: row.keep,
            source_name: row.sourceName,
            last_run_at: null,
            created_at: row.createdAt,
            updated_at: row.updatedAt,
          }),
        )
        .execute();
      const stored = await get(row.teamId, row.sourceKind, row.sourceId, row.targetId);
      if (!stored) throw new Error('backup schedule vanished after its upsert');
      return { row: stored, replaced: stored.id !== row.id };
    },
    get,
    async list(teamId) {
      let q = db.selectFrom('backup_schedules').selectAll();
      if (teamId !== null) q = q.where('team_id', '=', teamId);
      return (await q.orderBy('source_name').orderBy('id').execute()).map(toRow);
    },
    async delete(id) {
      const r = await db.deleteFrom('backup_schedules').where('id', '=', id).executeTakeFirst();
      return r.numDeletedRows > 0n;
    },
    async recordFire(id, previous, runAt) {
      const r = await db
        .updateTable('backup_schedules')
        .set({ last_run_at: runAt })
        .where('id', '=', id)
        .where((eb) => (previous === null ? eb('last_run_at', 'is', null) : eb('last_run_at', '=', previous)))
        .executeTakeFirst();
      return r.numUpdatedRows > 0n;
    },
  };
}

function toRecord(row: BackupScheduleRow): BackupSchedulesTable {
  return {
    id: row.id,
    team_id: row.teamId,
    source_kind: row.sourceKind,
    source_id: row.sourceId,
    source_name: row.sourceName,
    target_id: row.targetId,
    cron: row.cron,
    keep: row.keep,
    last_run_at: row.lastRunAt,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

function toRow(r: BackupSchedulesTable): BackupScheduleRow {
  return {
    id: r.id,
    teamId: r.team_id,
    sourceKind: r.source_kind,
    sourceId: r.source_id,
    sourceName: r.source_name,
    targetId: r.target_id,
    cron: r.cron,
    keep: Number(r.keep),
    lastRunAt: r.last_run_at === null ? null : Number(r.last_run_at),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}
