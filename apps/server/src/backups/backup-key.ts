import { createBackupKey, openBackupKey, type StoredBackupKey } from '@berth/crypto';
import { BerthError } from '@berth/protocol';
import type { BackupKeyRow, Store } from '@berth/store';
import type { KeyHolder } from '../secrets/keys.js';

/**
 * berthd's backup key pair: made at the first backup, its private key sealed under the master
 * key (re-sealed by `berth keys rotate`). Agents get only the public key; the private key opens
 * one backup's data key at a time, for a verification or a restore.
 */
const toStored = (row: BackupKeyRow): StoredBackupKey => ({
  recipientKeyId: row.recipientKeyId,
  publicKey: row.publicKey,
  sealedPrivateKey: row.sealedPrivateKey,
});

export async function currentBackupKey(store: Store, keys: KeyHolder, now: number): Promise<BackupKeyRow> {
  const current = await store.backupKeys.current();
  if (current) return current;
  const made = createBackupKey(keys.box);
  const row: BackupKeyRow = { ...made, createdAt: now };
  await store.backupKeys.create(row);
  return row;
}

/** The private key PEM of a stored pair; BACKUP_INTEGRITY_FAILED when the backup names a pair this berthd never had. */
export function openPrivateKey(keys: KeyHolder, row: BackupKeyRow | null, recipientKeyId: string): string {
  if (!row)
    throw new BerthError(
      'BACKUP_INTEGRITY_FAILED',
      `no backup key ${recipientKeyId} is known here: the backup was made for another berthd`,
    );
  return openBackupKey(keys.box, toStored(row));
}

export { toStored as storedBackupKey };
