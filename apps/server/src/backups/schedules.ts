import { nextRuns, parseKeep, parseSchedule } from '@berth/core';
import { BerthError, type BackupScheduleSet, type BackupScheduleView } from '@berth/protocol';
import type { BackupScheduleRow, Store, TeamRow } from '@berth/store';
import { recordDone, type AuditIntent } from '../audit/intent.js';
import { createId } from '../ids.js';
import type { BackupTargets } from './targets.js';
import { refuseDatabaseVolume } from './sources.js';

/**
 * `berth backups schedule|schedules|unschedule`: one schedule per source and target, set again
 * to change it. A source is named: a managed database (dumped by its engine's tool), else a volume.
 */
export function createBackupSchedules(deps: {
  store: Store;
  clock: () => number;
  targets: BackupTargets;
  onChange: () => void;
}) {
  const { store, clock, targets } = deps;

  /** A database by that name, else a volume (never a database's own volume: its dump is the backup). */
  const resolveSource = async (team: TeamRow, name: string) => {
    const database = await store.databases.getByName(team.id, name);
    if (database) return { kind: 'database' as const, id: database.id, name: database.name };
    const volume = await store.volumes.getByName(team.id, name);
    if (volume) {
      await refuseDatabaseVolume(store, volume);
      return { kind: 'volume' as const, id: volume.id, name: volume.name };
    }
    throw new BerthError(
      'VOLUME_NOT_FOUND',
      `There is no volume or database named "${name}" in team ${team.name}`,
      {
        hint: 'List them with: berth volumes list ; berth db list',
      },
    );
  };

  return {
    async set(team: TeamRow, input: BackupScheduleSet, intent: AuditIntent) {
      const parsed = parseSchedule(input.cron);
      if (!parsed.ok)
        throw new BerthError('VALIDATION_FAILED', `Invalid cron: ${parsed.reason}`, {
          issues: [{ path: 'cron', message: parsed.reason }],
        });
      const keep = parseKeep(input.keep);
      const source = await resolveSource(team, input.source);
      const target = await targets.requireTarget(team, input.target);
      const now = clock();
      const result = await store.transaction(async (tx) => {
        const stored = await tx.backupSchedules.upsert({
          id: createId('bks'),
          teamId: team.id,
          sourceKind: source.kind,
          sourceId: source.id,
          sourceName: source.name,
          targetId: target.id,
          cron: input.cron,
          keep,
          lastRunAt: null,
          createdAt: now,
          updatedAt: now,
        });
        await recordDone(
          tx,
          {
            ...intent,
            detail: {
              ...intent.detail,
              target: target.name,
              cron: input.cron,
              keep,
              replaced: stored.replaced,
            },
          },
          now,
        );
        return stored;
      });
      deps.onChange();
      return result;
    },

    list: (team: TeamRow): Promise<BackupScheduleRow[]> => store.backupSchedules.list(team.id),

    async remove(team: TeamRow, sourceName: string, targetName: string, intent: AuditIntent): Promise<void> {
      const source = await resolveSource(team, sourceName);
      const target = await targets.requireTarget(team, targetName);
      const row = await store.backupSchedules.get(team.id, source.kind, source.id, target.id);
      if (!row)
        throw new BerthError(
          'BACKUP_SCHEDULE_NOT_FOUND',
          `${sourceName} has no backup schedule on target ${targetName}`,
          { hint: 'See them with: berth backups schedules' },
        );
      await store.transaction(async (tx) => {
        await tx.backupSchedules.delete(row.id);
        await recordDone(tx, { ...intent, detail: { ...intent.detail, target: targetName } }, clock());
      });
      deps.onChange();
    },
  };
}

export type BackupSchedules = ReturnType<typeof createBackupSchedules>;

export async function scheduleView(
  store: Store,
  row: BackupScheduleRow,
  team: string,
  now: number,
  replaced?: boolean,
): Promise<BackupScheduleView> {
  const target = await store.backupTargets.get(row.targetId);
  const parsed = parseSchedule(row.cron);
  const [next] = parsed.ok ? nextRuns(parsed.schedule, Math.max(now, row.lastRunAt ?? 0), 1) : [];
  const iso = (ms: number | null | undefined): string | null =>
    ms === null || ms === undefined ? null : new Date(ms).toISOString();
  return {
    id: row.id,
    team,
    source: { kind: row.sourceKind, name: row.sourceName },
    target: target?.name ?? row.targetId,
    cron: row.cron,
    keep: row.keep,
    lastRunAt: iso(row.lastRunAt),
    nextRunAt: iso(next),
    createdAt: new Date(row.createdAt).toISOString(),
    ...(replaced !== undefined && { replaced }),
  };
}
