import { toEngineVolumeName, type DatabaseCredentials } from '@berth/core';
import { unwrapDataKey } from '@berth/crypto';
import {
  agentBackupDataKeyAad,
  agentDatabaseCredentialsAad,
  BackupTree,
  BerthError,
  DatabaseDumpSummary,
  type BackupSource,
} from '@berth/protocol';
import type { BackupRow, BackupTargetRow, DatabaseRow, ServerRow, Store, VolumeRow } from '@berth/store';
import type { SealForAgent } from '../agents/work-calls.js';
import type { AgentGateway } from '../agents/gateway.js';
import type { KeyHolder } from '../secrets/keys.js';
import { openPrivateKey } from './backup-key.js';
import type { BackupTargets } from './targets.js';

/**
 * How a backup reaches the agent that holds its source: which server that is and how the source
 * is named to it, the restore call (verification, or a restore into a volume) with the backup's
 * data key opened for that one call, and the deletion of an object on a directory target.
 */
export interface BackupAgentSideDeps {
  store: Store;
  keys: KeyHolder;
  targets: BackupTargets;
  agents: Pick<AgentGateway, 'backupRestore' | 'backupDelete'>;
}

export function createBackupAgentSide({ store, keys, targets, agents }: BackupAgentSideDeps) {
  const serverOf = async (volume: VolumeRow): Promise<ServerRow> => {
    const server = await store.servers.get(volume.serverId);
    if (!server || server.state === 'removed')
      throw new BerthError('AGENT_UNAVAILABLE', `The server of volume ${volume.name} was removed`);
    return server;
  };

  /** A database source and the app that runs it (the agent finds its container by that). */
  const databaseOf = async (id: string): Promise<{ row: DatabaseRow; appId: string } | null> => {
    const row = await store.databases.get(id);
    return row?.appId ? { row, appId: row.appId } : null;
  };

  /** Where a backup's source lives and how its agent is told of it. */
  const agentSourceOf = async (row: BackupRow): Promise<{ server: ServerRow; source: BackupSource }> => {
    if (row.sourceKind === 'database') {
      const database = await databaseOf(row.sourceId);
      if (!database) throw new BerthError('DATABASE_NOT_FOUND', `The database ${row.sourceName} was deleted`);
      const server = await store.servers.get(database.row.serverId);
      if (!server || server.state === 'removed')
        throw new BerthError('AGENT_UNAVAILABLE', `The server of database ${row.sourceName} was removed`);
      return { server, source: { kind: 'database', appId: database.appId, engine: database.row.engine } };
    }
    const volume = await store.volumes.get(row.sourceId);
    if (!volume) throw new BerthError('VOLUME_NOT_FOUND', `The volume ${row.sourceName} was deleted`);
    return {
      server: await serverOf(volume),
      source: { kind: 'volume', volume: { engineName: toEngineVolumeName(volume.id), volumeId: volume.id } },
    };
  };

  /**
   * Steps 3: restores the object into a scratch volume (or `into`) on the server and compares.
   * `newDatabase`: a database backup restored into a new database's volume, with its credentials.
   */
  const restoreOn = async (
    server: ServerRow,
    backup: BackupRow,
    target: BackupTargetRow,
    into: VolumeRow | null,
    newDatabase: { appId: string; credentials: DatabaseCredentials } | null = null,
  ): Promise<{ output: string }> => {
    if (
      backup.sha256 === null ||
      backup.wrappedKey === null ||
      backup.recipientKeyId === null ||
      backup.tree === null
    )
      throw new BerthError('BACKUP_VERIFY_FAILED', `backup ${backup.id} was never completely made`);
    const recorded: unknown = JSON.parse(backup.tree);
    const expected =
      backup.sourceKind === 'database' ? DatabaseDumpSummary.parse(recorded) : BackupTree.parse(recorded);
    // The scratch (or the restore) runs the engine's image; the app names where it came from.
    const source = backup.sourceKind === 'database' ? await databaseOf(backup.sourceId) : null;
    const databaseAppId = newDatabase?.appId ?? source?.appId ?? null;
    const { sha256, wrappedKey, recipientKeyId } = backup;
    const keyRow = await store.backupKeys.get(recipientKeyId);
    let dataKey: Buffer | null = null;
    try {
      // The data key is opened only once the agent is known to be there, for that one call.
      return await agents.backupRestore(server, (seal: SealForAgent) => {
        dataKey = unwrapDataKey(openPrivateKey(keys, keyRow, recipientKeyId), backup.id, wrappedKey);
        return {
          backupId: backup.id,
          target: targets.forAgent(target, backup.id, seal),
          objectKey: backup.objectKey,
          sha256,
          dataKeySealed: seal(dataKey.toString('base64'), agentBackupDataKeyAad(backup.id)),
          expected,
          into: into === null ? null : { engineName: toEngineVolumeName(into.id), volumeId: into.id },
          ...('engine' in expected &&
            databaseAppId !== null && {
              database: {
                appId: databaseAppId,
                engine: expected.engine,
                ...(newDatabase && {
                  credentialsSealed: seal(
                    JSON.stringify(newDatabase.credentials),
                    agentDatabaseCredentialsAad(backup.id),
                  ),
                }),
              },
            }),
        };
      });
    } finally {
      (dataKey as Buffer | null)?.fill(0);
    }
  };

  /**
   * Deletes a backup's object: berthd itself on S3; on a directory target only the server that
   * wrote it can (its source's server, through its agent). False: it could not be reached (the
   * source is gone), so the object stays where it is.
   */
  const removeObject = async (row: BackupRow, target: BackupTargetRow): Promise<boolean> => {
    if (target.settings.kind !== 'dir') return targets.removeObject(target, row.objectKey);
    const server = await agentSourceOf(row).then(
      (s) => s.server,
      () => null,
    );
    if (!server) return false;
    await agents.backupDelete(server, (seal) => ({
      backupId: row.id,
      target: targets.forAgent(target, row.id, seal),
      objectKey: row.objectKey,
    }));
    return true;
  };

  return { serverOf, agentSourceOf, restoreOn, removeObject };
}
