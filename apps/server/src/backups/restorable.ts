import { BerthError } from '@berth/protocol';
import type { BackupRow, BackupTargetRow, Store, TeamRow } from '@berth/store';

/**
 * What every restore checks before it writes anything: the backup is one of this source, in the
 * caller's team (the id alone reaches nothing), it is `verified`, and its target is still there.
 */
export async function restorableBackup(
  store: Store,
  team: TeamRow,
  source: { kind: 'volume' | 'database'; id: string; name: string },
  backupId: string,
): Promise<{ backup: BackupRow; target: BackupTargetRow }> {
  const backup = await store.backups.get(backupId);
  const noun = source.kind === 'volume' ? 'Volume' : 'Database';
  if (
    !backup ||
    backup.teamId !== team.id ||
    backup.sourceKind !== source.kind ||
    backup.sourceId !== source.id
  )
    throw new BerthError('BACKUP_NOT_FOUND', `${noun} ${source.name} has no backup ${backupId}`, {
      hint: `List them with: berth backups list ${source.name}`,
    });
  if (backup.status !== 'verified')
    throw new BerthError(
      'BACKUP_VERIFY_FAILED',
      `Backup ${backupId} is ${backup.status}: only a verified backup is restored`,
      { hint: `Pick a verified one: berth backups list ${source.name}` },
    );
  const target = await store.backupTargets.get(backup.targetId);
  if (!target) throw new BerthError('BACKUP_TARGET_NOT_FOUND', `The target of backup ${backupId} is gone`);
  return { backup, target };
}
