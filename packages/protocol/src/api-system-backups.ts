import { z } from 'zod';
import { BackupTargetName } from './api-backups.js';
import { Id, TeamName } from './names.js';
import { Timestamp } from './timestamp.js';

/**
 * `berth system backup|backups`: Berth's own state (a SQLite snapshot and the key files) sealed
 * under a passphrase and written to a backup target by berthd itself. Installation owners only.
 */
export const SystemBackupBody = z
  .object({
    /** A backup target's name (a directory on berthd's machine, or S3). */
    target: BackupTargetName,
    /** The team whose target it is; the default team when absent. */
    team: TeamName.optional(),
    /** Seals the backup; never stored or logged. 12 to 1024 characters. */
    passphrase: z.string().min(12).max(1024),
  })
  .strict();
export type SystemBackupBody = z.infer<typeof SystemBackupBody>;

export const SystemBackupView = z.object({
  id: Id,
  target: z.string(),
  team: z.string(),
  /** The object's key on the target (`berth-system/…`) and the target's location. */
  key: z.string(),
  location: z.string(),
  bytes: z.number().int(),
  sha256: z.string(),
  /** The data dir files inside, besides the database snapshot (berth.db). */
  files: z.array(z.string()),
  /** True when berthd runs with BERTH_MASTER_KEY: the key is not in the backup. */
  masterKeyFromEnvironment: z.boolean(),
  createdAt: Timestamp,
  /** When it was read back, decrypted and its snapshot passed PRAGMA integrity_check. */
  verifiedAt: Timestamp,
});
export type SystemBackupView = z.infer<typeof SystemBackupView>;

export const SystemBackupList = z.object({ backups: z.array(SystemBackupView) });
export type SystemBackupList = z.infer<typeof SystemBackupList>;
