import { BerthError } from '@berth/protocol';
import type { AuditIntent } from '../audit/intent.js';
import type { BackupsService } from './service.js';

/**
 * The `backup` job (BACKUP_JOB): one backup, made and verified. Its payload is what the queue
 * stored: `{ backupId, intent }`, the intent being the audit row its outcome is written under.
 * The backup's own failure is its row's result, not the job's: only bookkeeping errors throw.
 */
export async function runBackupJob(
  backups: Pick<BackupsService, 'execute'>,
  payload: unknown,
): Promise<void> {
  const p = payload as { backupId?: unknown; intent?: unknown } | null;
  if (typeof p?.backupId !== 'string' || typeof p.intent !== 'object' || p.intent === null)
    throw new BerthError('INTERNAL', 'backup job without a backup id and an audit intent');
  await backups.execute(p.backupId, p.intent as AuditIntent);
}
