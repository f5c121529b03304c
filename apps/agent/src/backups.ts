/**
 * The agent's side of volume backups (issue 12). berthd asks for one backup at a time:
 *
 * - backup.create: the volume's tree, walked on the host without following any symlink
 *   (@berth/engine archiveTree), compressed, encrypted to berthd's PUBLIC backup key (this agent
 *   can make a backup but never read one back on its own), hashed and put on the target.
 * - a database (source kind `database`) is dumped by its engine's tool instead of archived, and
 *   verified by loading it into a scratch database: ./database-backups.ts.
 * - backup.restore: the object read back, its hash compared, decrypted with the data key berthd
 *   opened and sealed to this agent for this one backup, unpacked into a fresh scratch volume and
 *   summarised; the summary must equal the one recorded when the backup was made. With `into`
 *   null that is the verification; with a volume, the verified scratch copy then replaces the
 *   volume's contents. The scratch volume is removed either way.
 */
import { randomBytes } from 'node:crypto';
import { readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { LABELS, VOLUME_LABELS, toEngineVolumeName } from '@berth/core';
import { encryptBackup } from '@berth/crypto';
import { readBackBackup } from './backup-read-back.js';
import { SCRATCH_LABEL } from './backup-scratch.js';
import {
  createDatabaseBackup,
  restoreDatabaseBackup,
  verifyDatabaseBackup,
  type DatabaseBackupEngine,
} from './database-backups.js';
import {
  archiveTree,
  compressStream,
  createDirectoryTarget,
  createS3Target,
  detectCompression,
  summariseTree,
  unpackTree,
  type BackupTarget,
  type ContainerEngine,
  type TreeSummary,
} from '@berth/engine';
import {
  agentBackupDataKeyAad,
  agentBackupSecretAad,
  agentDatabaseCredentialsAad,
  BerthError,
  DatabaseRestoreCredentials,
  type AgentBackupTarget,
  type BackupCreateParams,
  type BackupCreateResult,
  type BackupDeleteParams,
  type BackupDeleteResult,
  type BackupRestoreParams,
  type BackupRestoreResult,
  type BackupTree,
  type DatabaseEngine,
  type VolumeRemoveParams,
} from '@berth/protocol';

export interface BackupDeps {
  engine: Pick<ContainerEngine, 'ensureVolume' | 'removeVolume'> & DatabaseBackupEngine;
  agentId: string;
  /** The image a scratch database runs (tests); default the database's own engine image. */
  databaseImage?: (engine: DatabaseEngine) => string;
  /** Opens a value berthd sealed to this agent. */
  openSealed(sealed: string, aad: string): string;
}

async function openTarget(
  deps: BackupDeps,
  spec: AgentBackupTarget,
  backupId: string,
): Promise<BackupTarget> {
  if (spec.kind === 'dir') return createDirectoryTarget({ root: spec.root });
  return createS3Target({
    endpoint: spec.endpoint,
    bucket: spec.bucket,
    prefix: spec.prefix,
    region: spec.region,
    accessKeyId: spec.accessKeyId,
    secretAccessKey: deps.openSealed(spec.secretAccessKeySealed, agentBackupSecretAad(backupId)),
    allowPrivate: spec.allowPrivate,
  });
}

/** backup.delete: one object off a target (a directory here that berthd cannot reach); gone already is fine. */
export async function deleteBackupObject(
  deps: BackupDeps,
  params: BackupDeleteParams,
): Promise<BackupDeleteResult> {
  const target = await openTarget(deps, params.target, params.backupId);
  try {
    await target.delete(params.objectKey);
    return { deleted: true };
  } finally {
    target.close();
  }
}

/** The host directory of one of our volumes (made when no replica has made it yet: then it is empty). */
async function mountpointOf(deps: BackupDeps, volume: VolumeRemoveParams): Promise<string> {
  if (toEngineVolumeName(volume.volumeId) !== volume.engineName)
    throw new BerthError(
      'VALIDATION_FAILED',
      `Volume ${volume.engineName} is not the volume of ${volume.volumeId}`,
    );
  const details = await deps.engine.ensureVolume({
    name: volume.engineName,
    labels: {
      [VOLUME_LABELS.managed]: 'true',
      [LABELS.agent]: deps.agentId,
      [VOLUME_LABELS.volume]: volume.volumeId,
    },
  });
  if (details.mountpoint === null)
    throw new BerthError(
      'INTERNAL',
      `the engine does not say where volume ${volume.engineName} keeps its data`,
    );
  return details.mountpoint;
}

/** backup.create: a volume's tree or a database's dump, by what `source` says. */
export async function createBackup(
  deps: BackupDeps,
  params: BackupCreateParams,
): Promise<BackupCreateResult> {
  const source = params.source;
  if (source.kind === 'volume') return createVolumeBackup(deps, params, source.volume);
  const target = await openTarget(deps, params.target, params.backupId);
  try {
    return await createDatabaseBackup(deps, source, params, target);
  } finally {
    target.close();
  }
}

async function createVolumeBackup(
  deps: BackupDeps,
  params: BackupCreateParams,
  volume: VolumeRemoveParams,
): Promise<BackupCreateResult> {
  const root = await mountpointOf(deps, volume);
  const target = await openTarget(deps, params.target, params.backupId);
  try {
    const compression = await detectCompression();
    const archive = archiveTree(root);
    const encrypted = encryptBackup(compressStream(archive.stream, compression), {
      recipientPublicKey: params.recipientPublicKey,
      backupId: params.backupId,
      compression: compression.kind,
    });
    const stored = await target.put(params.objectKey, encrypted.stream);
    const made = await encrypted.done;
    const { summary, skipped } = await archive.done;
    if (stored.sha256 !== made.sha256 || stored.bytes !== made.bytes)
      throw new BerthError('BACKUP_TARGET_FAILED', `${target.description} stored other bytes than were sent`);
    return {
      sha256: made.sha256,
      bytes: made.bytes,
      wrappedKey: made.wrappedKey,
      recipientKeyId: made.recipientKeyId,
      tree: summary,
      database: null,
      skipped: skipped.slice(0, 100).map((s) => s.slice(0, 1100)),
    };
  } finally {
    target.close();
  }
}

const describe = (t: TreeSummary): string =>
  `${t.entries} entries, ${t.files} files, ${t.bytes} bytes, tree sha256 ${t.hash}`;

/**
 * backup.restore: a volume backup verified (and restored when `into` is set), or a database
 * backup verified in a scratch database (`database` set; `into` must be null: a database is
 * restored into a new database by berthd's flow, not over a volume here).
 */
export async function restoreBackup(
  deps: BackupDeps,
  params: BackupRestoreParams,
): Promise<BackupRestoreResult> {
  const expected = params.expected;
  if (params.database === undefined) {
    if ('engine' in expected)
      throw new BerthError(
        'VALIDATION_FAILED',
        `backup ${params.backupId} is a database dump: say which database`,
      );
    return restoreVolumeBackup(deps, params, expected);
  }
  if (!('engine' in expected))
    throw new BerthError('VALIDATION_FAILED', `backup ${params.backupId} is not a database dump`);
  const { into, database } = params;
  // A restore into a database's volume starts that database's server: its credentials come along.
  if (into !== null && database.credentialsSealed === undefined)
    throw new BerthError(
      'VALIDATION_FAILED',
      `backup ${params.backupId}: restoring into ${into.engineName} needs the new database's credentials`,
    );
  const credentials =
    into !== null && database.credentialsSealed !== undefined
      ? DatabaseRestoreCredentials.parse(
          JSON.parse(
            deps.openSealed(database.credentialsSealed, agentDatabaseCredentialsAad(params.backupId)),
          ),
        )
      : null;
  const dataKey = Buffer.from(
    deps.openSealed(params.dataKeySealed, agentBackupDataKeyAad(params.backupId)),
    'base64',
  );
  const target = await openTarget(deps, params.target, params.backupId);
  try {
    if (into !== null && credentials !== null)
      return await restoreDatabaseBackup(
        deps,
        database,
        { ...params, expected },
        target,
        dataKey,
        into,
        credentials,
      );
    return await verifyDatabaseBackup(deps, database, { ...params, expected }, target, dataKey);
  } finally {
    dataKey.fill(0);
    target.close();
  }
}

async function restoreVolumeBackup(
  deps: BackupDeps,
  params: BackupRestoreParams,
  expected: BackupTree,
): Promise<BackupRestoreResult> {
  const dataKey = Buffer.from(
    deps.openSealed(params.dataKeySealed, agentBackupDataKeyAad(params.backupId)),
    'base64',
  );
  const into = params.into === null ? null : await mountpointOf(deps, params.into);
  const scratchId = `vol_${randomScratchId()}`;
  const scratchName = toEngineVolumeName(scratchId);
  const target = await openTarget(deps, params.target, params.backupId);
  try {
    const scratch = await deps.engine.ensureVolume({
      name: scratchName,
      labels: {
        [VOLUME_LABELS.managed]: 'true',
        [LABELS.agent]: deps.agentId,
        [VOLUME_LABELS.volume]: scratchId,
        [SCRATCH_LABEL]: params.backupId,
      },
    });
    if (scratch.mountpoint === null)
      throw new BerthError('INTERNAL', `the engine does not say where volume ${scratchName} keeps its data`);
    await unpackTree(await readBackBackup(target, params, dataKey), scratch.mountpoint);
    const { summary } = await summariseTree(scratch.mountpoint);
    const lines = [
      `read back from ${target.description}: sha256 ${params.sha256} matches, every chunk authenticated`,
      `restored into scratch volume ${scratchName}: ${describe(summary)}`,
    ];
    if (summary.hash !== expected.hash || summary.entries !== expected.entries) {
      throw new BerthError(
        'BACKUP_VERIFY_FAILED',
        `the restored tree differs from the backed-up one: ${describe(summary)}; expected ${describe(expected)}`,
      );
    }
    lines.push('equals the tree that was backed up');
    if (into !== null) {
      await replaceContents(into, scratch.mountpoint);
      lines.push(`volume ${params.into?.engineName ?? ''} now holds the restored tree`);
    }
    return { tree: summary, counts: null, output: lines.join('\n') };
  } finally {
    dataKey.fill(0);
    target.close();
    await deps.engine.removeVolume(scratchName).catch(() => undefined);
  }
}

/**
 * The live volume's entries removed, then the verified scratch copy's moved in (a rename on the
 * engine's volume file system). berthd asks for this only while no app that mounts the volume
 * runs, so nothing writes here meanwhile; rm never follows symlinks.
 */
async function replaceContents(live: string, scratch: string): Promise<void> {
  for (const name of await readdir(live)) await rm(join(live, name), { recursive: true, force: true });
  for (const name of await readdir(scratch)) await rename(join(scratch, name), join(live, name));
}

function randomScratchId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let out = '';
  for (const b of randomBytes(20)) out += alphabet[b & 31];
  return out;
}
