/**
 * The agent's side of database backups (issue 12), beside volume backups (./backups.ts) and
 * through the same pipeline: the dump streamed out of the database's running container by the
 * engine's own tool (@berth/engine dumpDatabase), compressed, encrypted to berthd's public
 * backup key, hashed and put on the target. Verification reads the object back, checks its hash
 * and every chunk, and loads it into a scratch database container from the same image with a
 * scratch volume, whose counts must equal the source's at dump time.
 *
 * A database runs as the one running replica of its app on this server: found by the app id.
 */
import {
  DATABASE_DATA_DIR,
  LABELS,
  VOLUME_LABELS,
  toEngineVolumeName,
  type DatabaseCredentials,
} from '@berth/core';
import { readBackBackup } from './backup-read-back.js';
import { SCRATCH_LABEL } from './backup-scratch.js';
import { encryptBackup } from '@berth/crypto';
import {
  compressStream,
  describeCounts,
  detectCompression,
  compareWithDumpTime,
  dumpDatabase,
  restoreDatabaseDump,
  runContainerTool,
  verifyDatabaseDump,
  type BackupTarget,
  type ContainerEngine,
} from '@berth/engine';
import {
  BerthError,
  databaseEngineImage,
  type BackupCreateResult,
  type BackupRestoreResult,
  type DatabaseDumpSummary,
  type DatabaseEngine,
  type DatabaseSizeResult,
  type VolumeRemoveParams,
} from '@berth/protocol';

export type DatabaseBackupEngine = Pick<
  ContainerEngine,
  'list' | 'exec' | 'createAndStart' | 'stopAndRemove' | 'ensureVolume' | 'removeVolume'
>;

export interface DatabaseBackupDeps {
  engine: DatabaseBackupEngine;
  agentId: string;
  /** The image a scratch database runs; default the engine image the database itself runs (databaseEngineImage). */
  databaseImage?: (engine: DatabaseEngine) => string;
}

export interface DatabaseSource {
  appId: string;
  engine: DatabaseEngine;
}

/** The running container of the database's app on this server. */
export async function findDatabaseContainer(deps: DatabaseBackupDeps, appId: string): Promise<string> {
  const containers = await deps.engine.list({
    [LABELS.managed]: 'true',
    [LABELS.agent]: deps.agentId,
    [LABELS.app]: appId,
  });
  const running = containers.filter((c) => c.status === 'running');
  const newest = running.sort((a, b) => (b.startedAtMs ?? 0) - (a.startedAtMs ?? 0))[0];
  if (newest === undefined)
    throw new BerthError(
      'BACKUP_DUMP_FAILED',
      `the database (app ${appId}) has no running container on this server: nothing to dump`,
      { hint: 'Start the database (berth db show says why it is down), then run the backup again.' },
    );
  return newest.id;
}

export async function createDatabaseBackup(
  deps: DatabaseBackupDeps,
  source: DatabaseSource,
  params: { backupId: string; objectKey: string; recipientPublicKey: string },
  target: BackupTarget,
): Promise<BackupCreateResult> {
  const container = await findDatabaseContainer(deps, source.appId);
  const dump = await dumpDatabase(deps.engine, container, source.engine);
  const compression = await detectCompression();
  const encrypted = encryptBackup(compressStream(dump.stream, compression), {
    recipientPublicKey: params.recipientPublicKey,
    backupId: params.backupId,
    compression: compression.kind,
  });
  const stored = await target.put(params.objectKey, encrypted.stream);
  const made = await encrypted.done;
  const summary = await dump.done;
  if (stored.sha256 !== made.sha256 || stored.bytes !== made.bytes)
    throw new BerthError('BACKUP_TARGET_FAILED', `${target.description} stored other bytes than were sent`);
  return {
    sha256: made.sha256,
    bytes: made.bytes,
    wrappedKey: made.wrappedKey,
    recipientKeyId: made.recipientKeyId,
    tree: null,
    database: summary,
    // Nothing is left out of a dump; what its tool said is in database.toolOutput.
    skipped: [],
  };
}

/**
 * Reads the object back, checks it (hash, every chunk), and loads it into a scratch database
 * whose counts must be the source's at dump time. The scratch is removed whatever happens.
 */
export async function verifyDatabaseBackup(
  deps: DatabaseBackupDeps,
  source: DatabaseSource,
  params: { backupId: string; objectKey: string; sha256: string; expected: DatabaseDumpSummary },
  target: BackupTarget,
  dataKey: Buffer,
): Promise<BackupRestoreResult> {
  if (params.expected.engine !== source.engine)
    throw new BerthError(
      'VALIDATION_FAILED',
      `backup ${params.backupId} is a ${params.expected.engine} dump, not ${source.engine}`,
    );
  const result = await verifyDatabaseDump({
    engine: deps.engine,
    kind: source.engine,
    image: (deps.databaseImage ?? databaseEngineImage)(source.engine),
    labels: { [LABELS.managed]: 'true', [LABELS.agent]: deps.agentId, [SCRATCH_LABEL]: params.backupId },
    dump: await readBackBackup(target, params, dataKey),
    expected: params.expected,
  });
  const output = [
    `read back from ${target.description}: sha256 ${params.sha256} matches, every chunk authenticated`,
    `source at dump time: ${describeCounts(params.expected.counts)}${params.expected.sourceStable ? '' : ' (written to during the dump)'}`,
    result.output,
  ].join('\n');
  return { tree: null, counts: result.counts, output: output.slice(0, 8192) };
}

/**
 * `berth backups restore DB BACKUP --to NEW`: reads the object back (hash, every chunk) and
 * loads it into NEW's volume with NEW's credentials, before NEW's own container ever starts, so
 * that container starts on the restored data. What it then holds must equal the source at dump
 * time (when nothing was written during the dump). The volume is made here, labelled as the
 * agent labels every volume it makes for a replica, so it is that database's from then on.
 */
export async function restoreDatabaseBackup(
  deps: DatabaseBackupDeps,
  source: DatabaseSource,
  params: { backupId: string; objectKey: string; sha256: string; expected: DatabaseDumpSummary },
  target: BackupTarget,
  dataKey: Buffer,
  into: VolumeRemoveParams,
  credentials: DatabaseCredentials,
): Promise<BackupRestoreResult> {
  if (params.expected.engine !== source.engine)
    throw new BerthError(
      'VALIDATION_FAILED',
      `backup ${params.backupId} is a ${params.expected.engine} dump, not ${source.engine}`,
    );
  if (toEngineVolumeName(into.volumeId) !== into.engineName)
    throw new BerthError(
      'VALIDATION_FAILED',
      `Volume ${into.engineName} is not the volume of ${into.volumeId}`,
    );
  const ours = {
    [VOLUME_LABELS.managed]: 'true',
    [LABELS.agent]: deps.agentId,
    [VOLUME_LABELS.volume]: into.volumeId,
  };
  await deps.engine.ensureVolume({ name: into.engineName, labels: ours });
  const result = await restoreDatabaseDump({
    engine: deps.engine,
    kind: source.engine,
    image: (deps.databaseImage ?? databaseEngineImage)(source.engine),
    labels: { [LABELS.managed]: 'true', [LABELS.agent]: deps.agentId, [SCRATCH_LABEL]: params.backupId },
    dump: await readBackBackup(target, params, dataKey),
    volume: into.engineName,
    credentials,
  });
  const lines = [
    `read back from ${target.description}: sha256 ${params.sha256} matches, every chunk authenticated`,
    result.output,
    `restored database holds: ${describeCounts(result.counts)}`,
    compareWithDumpTime(params.expected, result.counts, 'BACKUP_RESTORE_FAILED'),
  ];
  return {
    tree: null,
    counts: result.counts,
    output: lines
      .filter((l) => l !== '')
      .join('\n')
      .slice(0, 8192),
  };
}

/**
 * database.size: `du` of the data directory, run in the database's own container (it sees only
 * its volume there, and a symlink in the data cannot lead the agent, which runs as root,
 * anywhere else). Null when the database has no running container here.
 */
export async function databaseSize(deps: DatabaseBackupDeps, appId: string): Promise<DatabaseSizeResult> {
  const container = await findDatabaseContainer(deps, appId).catch(() => null);
  if (container === null) return { bytes: null };
  const out = await runContainerTool(deps.engine, container, ['du', '-s', '-B1', DATABASE_DATA_DIR]);
  const bytes = /^(\d+)\s/.exec(out.stdout)?.[1];
  return { bytes: out.code === 0 && bytes !== undefined ? Number(bytes) : null };
}
