import { z } from 'zod';
import { AppName, Id, TeamName } from './names.js';
import { VolumeName, VolumeRemoveParams } from './api-volumes.js';
import { DatabaseEngine } from './api-databases.js';

const Timestamp = z.string().describe('RFC 3339 timestamp');
const NoControl = /^[^\u0000-\u001f\u007f]*$/;

/**
 * Backups (issue 12): targets a team keeps (a directory on the source's server, S3-compatible
 * storage) and the backups made to them. The wire types are a first filter (lengths, no control
 * characters); @berth/core's parseObjectPrefix, parseOutboundUrl and the S3 adapter's checks hold
 * the rules and say which one failed. Credentials go in, never out: no view carries them.
 */
export const BackupTargetName = AppName;

export const BackupTargetS3Input = z
  .object({
    endpoint: z.string().min(1).max(512).regex(NoControl, { message: 'must not contain control characters' }),
    bucket: z.string().min(1).max(63),
    prefix: z.string().max(256).optional(),
    region: z.string().min(1).max(32).optional(),
    accessKeyId: z.string().min(1).max(128),
    secretAccessKey: z.string().min(1).max(256),
  })
  .strict();

export const BackupTargetCreate = z
  .object({
    name: BackupTargetName,
    team: TeamName.optional(),
    /** A directory on the server of what is backed up (installation owners only: the agent runs as root). */
    dir: z
      .string()
      .min(1)
      .max(1024)
      .regex(NoControl, { message: 'must not contain control characters' })
      .optional(),
    s3: BackupTargetS3Input.optional(),
    /** S3 endpoints on loopback or private addresses (installation owners only). */
    allowPrivate: z.boolean().optional(),
  })
  .strict();
export type BackupTargetCreate = z.infer<typeof BackupTargetCreate>;

export const BackupTargetView = z.object({
  id: Id,
  name: z.string(),
  team: z.string(),
  kind: z.enum(['dir', 's3']),
  /** `directory /srv/backups` or `s3 https://s3.example.com/bucket/prefix/`: never a credential. */
  location: z.string(),
  allowPrivate: z.boolean(),
  createdAt: Timestamp,
});
export type BackupTargetView = z.infer<typeof BackupTargetView>;

export const BackupTargetList = z.object({ targets: z.array(BackupTargetView) });
export type BackupTargetList = z.infer<typeof BackupTargetList>;

export const BackupTargetParams = z.object({ name: BackupTargetName }).strict();

export const BACKUP_STATUSES = ['running', 'verified', 'failed'] as const;
export const BackupStatus = z.enum(BACKUP_STATUSES);
export type BackupStatus = z.infer<typeof BackupStatus>;

/** What a backup is of: a volume, or a managed database (its engine's dump). */
export const BackupSourceKind = z.enum(['volume', 'database']);
export type BackupSourceKind = z.infer<typeof BackupSourceKind>;

export const BackupView = z.object({
  id: Id,
  team: z.string(),
  source: z.object({ kind: BackupSourceKind, name: z.string() }),
  target: z.string(),
  objectKey: z.string(),
  bytes: z.number().int().nullable(),
  sha256: z.string().nullable(),
  /** `verified` only once read back, hash-checked, decrypted, restored into a scratch volume and compared. */
  status: BackupStatus,
  /** What the verification saw (entries, files, tree hash), also when it failed. */
  verifyOutput: z.string().nullable(),
  /** Why it failed (the target's error, the check that did not match). */
  error: z.string().nullable(),
  startedAt: Timestamp,
  finishedAt: Timestamp.nullable(),
});
export type BackupView = z.infer<typeof BackupView>;

export const BackupList = z.object({ backups: z.array(BackupView) });
export type BackupList = z.infer<typeof BackupList>;

export const BackupRunBody = z.object({ target: BackupTargetName, team: TeamName.optional() }).strict();
export type BackupRunBody = z.infer<typeof BackupRunBody>;

export const BackupParams = z.object({ id: Id }).strict();

/** `berth backups schedule SOURCE --target T --cron EXPR --keep N`: creates or replaces that source's schedule on T. */
export const BackupScheduleSet = z
  .object({
    /** The source by name: a volume (a database name is refused until database backups exist). */
    source: VolumeName,
    target: BackupTargetName,
    /** Five fields, or six with seconds first (core's parseSchedule holds the rules). */
    cron: z.string().min(1).max(100).regex(NoControl, { message: 'must not contain control characters' }),
    /** How many verified backups stay; older ones (and failures older than the newest verified) are deleted. */
    keep: z.number().int().min(1).max(1000),
    team: TeamName.optional(),
  })
  .strict();
export type BackupScheduleSet = z.infer<typeof BackupScheduleSet>;

export const BackupScheduleView = z.object({
  id: Id,
  team: z.string(),
  source: z.object({ kind: BackupSourceKind, name: z.string() }),
  target: z.string(),
  cron: z.string(),
  keep: z.number().int(),
  lastRunAt: Timestamp.nullable(),
  nextRunAt: Timestamp.nullable(),
  createdAt: Timestamp,
  /** True when this call replaced an earlier schedule of the source on that target. */
  replaced: z.boolean().optional(),
});
export type BackupScheduleView = z.infer<typeof BackupScheduleView>;

export const BackupScheduleList = z.object({ schedules: z.array(BackupScheduleView) });
export type BackupScheduleList = z.infer<typeof BackupScheduleList>;

export const BackupScheduleParams = z.object({ source: VolumeName }).strict();
export const BackupScheduleDeleteQuery = z
  .object({ target: BackupTargetName, team: TeamName.optional() })
  .strict();

export const VolumeRestoreBody = z.object({ backup: Id, team: TeamName.optional() }).strict();
export type VolumeRestoreBody = z.infer<typeof VolumeRestoreBody>;

export const VolumeRestoreResult = z.object({
  volume: VolumeName,
  backup: Id,
  /** The comparison of the restored tree with the one recorded at backup time. */
  output: z.string(),
});
export type VolumeRestoreResult = z.infer<typeof VolumeRestoreResult>;

// The agent's side: berthd tells the volume's agent where to put or read one object.

/** A target as the agent gets it: S3's secret key sealed to that agent for this one backup. */
export const AgentBackupTarget = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('dir'), root: z.string().min(2).max(1024) }).strict(),
  z
    .object({
      kind: z.literal('s3'),
      endpoint: z.string().max(512),
      bucket: z.string().max(63),
      prefix: z.string().max(256),
      region: z.string().max(32),
      accessKeyId: z.string().max(128),
      secretAccessKeySealed: z.string().max(4096),
      allowPrivate: z.boolean(),
    })
    .strict(),
]);
export type AgentBackupTarget = z.infer<typeof AgentBackupTarget>;

/** A tree as the archive saw it: entries (files, directories, symlinks) and a hash over them, sorted. */
export const BackupTree = z.object({
  entries: z.number().int().min(0),
  files: z.number().int().min(0),
  bytes: z.number().int().min(0),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
});
export type BackupTree = z.infer<typeof BackupTree>;

/**
 * What one backup is of: a volume's tree, or a managed database, dumped by its engine's own tool
 * from the running container of the app that is the database's workload.
 */
export const BackupSource = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('volume'), volume: VolumeRemoveParams }).strict(),
  z.object({ kind: z.literal('database'), appId: Id, engine: DatabaseEngine }).strict(),
]);
export type BackupSource = z.infer<typeof BackupSource>;

/**
 * What a database backup holds, counted by the engine itself: rows of every table (`schema.table`
 * for PostgreSQL, as the catalogue names it, quoted as an identifier) or keys of every Redis
 * database (`db0`…), sorted by name. The sibling of BackupTree for databases.
 */
export const DatabaseCounts = z.object({
  unit: z.enum(['rows', 'keys']),
  counts: z.array(z.object({ name: z.string().max(600), count: z.number().int().min(0) })).max(10_000),
});
export type DatabaseCounts = z.infer<typeof DatabaseCounts>;

const BackupCreateFields = {
  backupId: Id,
  target: AgentBackupTarget,
  objectKey: z.string().max(512),
  /** berthd's backup public key: the agent can make the backup but never read it back. */
  recipientPublicKey: z.string().max(200),
};

/**
 * `source` names what is backed up; a berthd that predates database backups sends `volume`
 * instead, read as `source: { kind: 'volume', volume }`.
 */
export const BackupCreateParams = z.union([
  z.object({ ...BackupCreateFields, source: BackupSource }).strict(),
  z
    .object({ ...BackupCreateFields, volume: VolumeRemoveParams })
    .strict()
    .transform(({ volume, ...rest }) => ({ ...rest, source: { kind: 'volume' as const, volume } })),
]);
export type BackupCreateParams = z.output<typeof BackupCreateParams>;

/**
 * A database backup's result also says what the dump held when it was made: the source's counts
 * taken just before and just after the dump. When they are equal (nothing was written meanwhile)
 * the restored copy must have exactly those; when not, `sourceStable` is false and the counts
 * are the ones after.
 */
export const DatabaseDumpSummary = z.object({
  engine: DatabaseEngine,
  counts: DatabaseCounts,
  sourceStable: z.boolean(),
  /** What the dump tool said on stderr (pg_dump's warnings, redis-cli's transfer lines), trimmed. */
  toolOutput: z.string().max(4096),
});
export type DatabaseDumpSummary = z.infer<typeof DatabaseDumpSummary>;

export const BackupCreateResult = z.object({
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().min(0),
  wrappedKey: z.string().max(4096),
  recipientKeyId: z.string().max(64),
  /** A volume backup's tree; null for a database. */
  tree: BackupTree.nullable(),
  /** A database backup's counts at dump time; null for a volume. */
  database: DatabaseDumpSummary.nullable().default(null),
  /** Entries the archive left out (sockets, devices, fifos), one per line; none for a database. */
  skipped: z.array(z.string().max(1100)).max(100),
});
export type BackupCreateResult = z.infer<typeof BackupCreateResult>;

export const BackupRestoreParams = z
  .object({
    backupId: Id,
    target: AgentBackupTarget,
    objectKey: z.string().max(512),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    /** The backup's data key (opened by berthd), sealed to this agent for this backup only. */
    dataKeySealed: z.string().max(4096),
    /** What the backup must restore to: a volume's tree, or (database) the counts at dump time. */
    expected: z.union([BackupTree, DatabaseDumpSummary]),
    /**
     * null: verify only (restore into a scratch volume or scratch database container, compare,
     * remove it); else the volume to restore into: a volume backup's own volume, or (database)
     * the volume of a new database whose container has not started yet.
     */
    into: VolumeRemoveParams.nullable(),
    /**
     * For a database backup: the engine, and the app whose database runs there. Restoring `into`
     * a new database's volume also takes that database's credentials (sealed to this agent for
     * this backup, agentDatabaseCredentialsAad), which its own server then starts with.
     */
    database: z
      .object({ appId: Id, engine: DatabaseEngine, credentialsSealed: z.string().max(4096).optional() })
      .strict()
      .optional(),
  })
  .strict();
export type BackupRestoreParams = z.infer<typeof BackupRestoreParams>;

/**
 * backup.delete: an object on a directory target, which only the server that holds the directory
 * can delete (retention, or the part of an object a cut-off backup left). S3 objects berthd
 * deletes itself.
 */
export const BackupDeleteParams = z
  .object({ backupId: Id, target: AgentBackupTarget, objectKey: z.string().max(512) })
  .strict();
export type BackupDeleteParams = z.infer<typeof BackupDeleteParams>;
export const BackupDeleteResult = z.object({ deleted: z.literal(true) });
export type BackupDeleteResult = z.infer<typeof BackupDeleteResult>;

export const BackupRestoreResult = z.object({
  /** The restored tree (volume backups); null for a database. */
  tree: BackupTree.nullable(),
  /** What the scratch database held (database backups); null for a volume. */
  counts: DatabaseCounts.nullable().default(null),
  output: z.string().max(8192),
});
export type BackupRestoreResult = z.infer<typeof BackupRestoreResult>;

export const agentBackupSecretAad = (backupId: string): string => `berth/backup-target-secret:${backupId}`;
export const agentBackupDataKeyAad = (backupId: string): string => `berth/backup-data-key:${backupId}`;
/**
 * A new database's credentials as berthd seals them to the agent that restores into its volume:
 * Berth's own words only (core's generateDatabaseCredentials), checked again where they land.
 */
export const DatabaseRestoreCredentials = z
  .object({
    user: z.string().regex(/^[a-z][a-z0-9_]{0,31}$/),
    password: z.string().regex(/^[A-Za-z0-9]{32}$/),
    database: z.string().regex(/^[a-z][a-z0-9_]{0,31}$/),
  })
  .strict();

export const agentDatabaseCredentialsAad = (backupId: string): string =>
  `berth/database-restore-credentials:${backupId}`;
