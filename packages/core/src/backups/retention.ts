/**
 * Retention of a source's backups on one target (`berth backups schedule … --keep N`). Decided
 * here, applied by berthd only after a VERIFIED success, so a run of failures never eats the
 * good backups:
 *
 * - the N newest verified backups stay, older verified ones go;
 * - failed backups started before the newest verified one go (they are superseded; a failure
 *   newer than it stays, as the record of what is wrong now);
 * - a backup still `running` is never touched (another run may be writing it);
 * - the newest verified backup always stays (N ≥ 1 is enforced).
 *
 * Order is (startedAt, id): ids break ties between equal timestamps so the decision is total and
 * the same on every call.
 */
import { BerthError } from '@berth/protocol';

export interface RetentionCandidate {
  id: string;
  status: 'running' | 'verified' | 'failed';
  startedAt: number;
}

/** The largest --keep accepted: more is a typo more often than a wish. */
export const MAX_BACKUP_KEEP = 1000;

export function parseKeep(value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > MAX_BACKUP_KEEP)
    throw new BerthError(
      'VALIDATION_FAILED',
      `Invalid keep: must be a whole number from 1 to ${MAX_BACKUP_KEEP} (the newest verified backup always stays)`,
      { issues: [{ path: 'keep', message: `must be an integer from 1 to ${MAX_BACKUP_KEEP}` }] },
    );
  return value;
}

const newestFirst = (a: RetentionCandidate, b: RetentionCandidate): number =>
  b.startedAt - a.startedAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/** The ids to delete (their objects from the target, then their rows), newest first. */
export function backupsToPrune(backups: readonly RetentionCandidate[], keep: number): string[] {
  parseKeep(keep);
  const sorted = [...backups].sort(newestFirst);
  const verified = sorted.filter((b) => b.status === 'verified');
  const newest = verified[0];
  if (newest === undefined) return [];
  const prune = new Set(verified.slice(keep).map((b) => b.id));
  for (const b of sorted) if (b.status === 'failed' && b.startedAt < newest.startedAt) prune.add(b.id);
  return sorted.filter((b) => prune.has(b.id)).map((b) => b.id);
}
