/** Backups (issue 12): the tables, the rows and the repositories. */

/** What a backup or a schedule is of: a volume, or (soon) a managed database. */
export type BackupSourceKind = 'volume' | 'database';

/** Added by 0019. */
export interface BackupKeysTable {
  recipient_key_id: string;
  public_key: string;
  key_id: string;
  private_key_sealed: string;
  created_at: number;
}

/** Added by 0019. */
export interface BackupTargetsTable {
  id: string;
  team_id: string;
  name: string;
  kind: 'dir' | 's3';
  settings: string;
  key_id: string | null;
  secret_sealed: string | null;
  allow_private: number;
  created_at: number;
}

/** Added by 0019. */
export interface BackupsTable {
  id: string;
  team_id: string;
  source_kind: BackupSourceKind;
  source_id: string;
  source_name: string;
  target_id: string;
  object_key: string;
  bytes: number | null;
  sha256: string | null;
  wrapped_key: string | null;
  recipient_key_id: string | null;
  tree: string | null;
  status: 'running' | 'verified' | 'failed';
  verify_output: string | null;
  error: string | null;
  started_at: number;
  finished_at: number | null;
}

export interface BackupKeyRow {
  recipientKeyId: string;
  publicKey: string;
  sealedPrivateKey: { keyId: string; value: string };
  createdAt: number;
}

/** Where a target is, without any credential. */
export type BackupTargetSettings =
  | { kind: 'dir'; root: string }
  | { kind: 's3'; endpoint: string; bucket: string; prefix: string; region: string; accessKeyId: string };

export interface BackupTargetRow {
  id: string;
  teamId: string;
  name: string;
  settings: BackupTargetSettings;
  /** The S3 secret access key sealed under a master key; null for a directory. */
  secretSealed: { keyId: string; value: string } | null;
  allowPrivate: boolean;
  createdAt: number;
}

export interface BackupRow {
  id: string;
  teamId: string;
  sourceKind: BackupSourceKind;
  sourceId: string;
  sourceName: string;
  targetId: string;
  objectKey: string;
  bytes: number | null;
  sha256: string | null;
  wrappedKey: string | null;
  recipientKeyId: string | null;
  /** JSON of the tree the archive saw (entries, files, bytes, hash). */
  tree: string | null;
  status: 'running' | 'verified' | 'failed';
  verifyOutput: string | null;
  error: string | null;
  startedAt: number;
  finishedAt: number | null;
}

export interface BackupKeyRepo {
  /** The newest key pair, or null before the first backup. */
  current(): Promise<BackupKeyRow | null>;
  get(recipientKeyId: string): Promise<BackupKeyRow | null>;
  list(): Promise<BackupKeyRow[]>;
  create(row: BackupKeyRow): Promise<void>;
  reseal(recipientKeyId: string, sealed: { keyId: string; value: string }): Promise<void>;
}

export interface BackupTargetRepo {
  /** Throws BerthError BACKUP_TARGET_EXISTS when the team has a target of that name. */
  create(row: BackupTargetRow): Promise<void>;
  get(id: string): Promise<BackupTargetRow | null>;
  getByName(teamId: string, name: string): Promise<BackupTargetRow | null>;
  list(teamId: string): Promise<BackupTargetRow[]>;
  listAll(): Promise<BackupTargetRow[]>;
  /** Throws BACKUP_TARGET_IN_USE while backups Berth knows of are on it. */
  delete(id: string): Promise<void>;
  reseal(id: string, sealed: { keyId: string; value: string }): Promise<void>;
}

export interface BackupRepo {
  create(row: BackupRow): Promise<void>;
  get(id: string): Promise<BackupRow | null>;
  /** Newest first. */
  listBySource(teamId: string, kind: BackupSourceKind, sourceId: string): Promise<BackupRow[]>;
  update(id: string, patch: Partial<Omit<BackupRow, 'id' | 'teamId'>>): Promise<void>;
  /** Marks every `running` backup failed (berthd starting: nothing runs any more). Returns the rows as they were. */
  failRunning(reason: string, now: number): Promise<BackupRow[]>;
  /** Of one source on one target, newest first (retention reads it). */
  listBySourceTarget(
    teamId: string,
    kind: BackupSourceKind,
    sourceId: string,
    targetId: string,
  ): Promise<BackupRow[]>;
  delete(id: string): Promise<void>;
}

/** Added by 0021. */
export interface BackupSchedulesTable {
  id: string;
  team_id: string;
  source_kind: BackupSourceKind;
  source_id: string;
  source_name: string;
  target_id: string;
  cron: string;
  keep: number;
  last_run_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface BackupScheduleRow {
  id: string;
  teamId: string;
  sourceKind: BackupSourceKind;
  sourceId: string;
  sourceName: string;
  targetId: string;
  cron: string;
  keep: number;
  /** The fire time last acted on (core's dueRun), null before the first. */
  lastRunAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface BackupScheduleRepo {
  /**
   * Creates the source's schedule on that target, or replaces its cron and keep (the fire
   * times count from the change: a new cron does not catch up on the old one's past). Returns
   * the row as stored and whether it replaced one.
   */
  upsert(row: BackupScheduleRow): Promise<{ row: BackupScheduleRow; replaced: boolean }>;
  get(
    teamId: string,
    kind: BackupSourceKind,
    sourceId: string,
    targetId: string,
  ): Promise<BackupScheduleRow | null>;
  list(teamId: string | null): Promise<BackupScheduleRow[]>;
  /** Returns whether there was one. */
  delete(id: string): Promise<boolean>;
  /** Records the fire time acted on, only if it is still the one read (a racing pass does not run it twice). */
  recordFire(id: string, previous: number | null, runAt: number): Promise<boolean>;
}
