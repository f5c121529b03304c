import { toEngineVolumeName } from '@berth/core';
import { unwrapDataKey } from '@berth/crypto';
import {
  agentBackupDataKeyAad,
  BackupTree,
  BerthError,
  type BackupView,
  type VolumeRestoreResult,
} from '@berth/protocol';
import type { BackupRow, BackupTargetRow, ServerRow, Store, TeamRow, VolumeRow } from '@berth/store';
import type { SealForAgent } from '../agents/work-calls.js';
import type { AgentGateway } from '../agents/gateway.js';
import type { AuditIntent } from '../audit/intent.js';
import { createId } from '../ids.js';
import type { KeyHolder } from '../secrets/keys.js';
import { currentBackupKey, openPrivateKey } from './backup-key.js';
import type { BackupTargets } from './targets.js';

/**
 * Backups of a source (a volume now; a database is one more source kind: its agent call makes
 * the stream, the rest is this flow). One backup, start to end, in the request that asks for it:
 *
 * 1. a `running` row, before anything reaches the target;
 * 2. the source's agent archives, compresses, encrypts to berthd's public backup key, hashes and
 *    puts the object (the target's put is whole or nothing);
 * 3. verification: berthd opens this backup's data key and seals it to that agent for this
 *    backup only; the agent reads the object back, compares the hash, decrypts, restores into a
 *    scratch volume and compares the tree with the one it archived, then removes the scratch;
 * 4. `verified` with the check's output, or `failed` with the reason, audit-logged either way.
 *
 * A berthd killed in between leaves `running`, which its next start marks failed
 * (failInterrupted): nothing is `verified` that was not checked.
 */
export interface BackupsServiceDeps {
  store: Store;
  keys: KeyHolder;
  clock: () => number;
  targets: BackupTargets;
  agents: Pick<AgentGateway, 'backupCreate' | 'backupRestore'>;
}

export type BackupsService = ReturnType<typeof createBackupsService>;

const compactTime = (ms: number): string =>
  new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');

export function createBackupsService({ store, keys, clock, targets, agents }: BackupsServiceDeps) {
  const requireVolume = async (team: TeamRow, name: string): Promise<VolumeRow> => {
    const row = await store.volumes.getByName(team.id, name);
    if (!row)
      throw new BerthError('VOLUME_NOT_FOUND', `There is no volume named "${name}" in team ${team.name}`, {
        hint: 'List volumes with: berth volumes list',
      });
    return row;
  };

  const serverOf = async (volume: VolumeRow): Promise<ServerRow> => {
    const server = await store.servers.get(volume.serverId);
    if (!server || server.state === 'removed')
      throw new BerthError('AGENT_UNAVAILABLE', `The server of volume ${volume.name} was removed`);
    return server;
  };

  const audit = (intent: AuditIntent, outcome: 'ok' | 'failed', detail: AuditIntent['detail']) =>
    store.transaction((tx) =>
      tx.audit.append({ ...intent, detail: { ...intent.detail, ...detail }, at: clock(), outcome }),
    );

  /** Steps 3: restores the object into a scratch volume (or `into`) on the server and compares. */
  const restoreOn = async (
    server: ServerRow,
    backup: BackupRow,
    target: BackupTargetRow,
    into: VolumeRow | null,
  ): Promise<{ output: string }> => {
    if (
      backup.sha256 === null ||
      backup.wrappedKey === null ||
      backup.recipientKeyId === null ||
      backup.tree === null
    )
      throw new BerthError('BACKUP_VERIFY_FAILED', `backup ${backup.id} was never completely made`);
    const expected = BackupTree.parse(JSON.parse(backup.tree));
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
        };
      });
    } finally {
      (dataKey as Buffer | null)?.fill(0);
    }
  };

  return {
    /** Backs up a volume to a target and verifies it. The row says how it went; a failure also comes back as `error`. */
    async runVolume(
      team: TeamRow,
      volumeName: string,
      targetName: string,
      intent: AuditIntent,
    ): Promise<{ row: BackupRow; error: BerthError | null }> {
      const volume = await requireVolume(team, volumeName);
      const target = await targets.requireTarget(team, targetName);
      const server = await serverOf(volume);
      const key = await currentBackupKey(store, keys, clock());
      const id = createId('bak');
      const started = clock();
      const row: BackupRow = {
        id,
        teamId: team.id,
        sourceKind: 'volume',
        sourceId: volume.id,
        sourceName: volume.name,
        targetId: target.id,
        objectKey: `volumes/${volume.id}/${compactTime(started)}-${id}.berth`,
        bytes: null,
        sha256: null,
        wrappedKey: null,
        recipientKeyId: null,
        tree: null,
        status: 'running',
        verifyOutput: null,
        error: null,
        startedAt: started,
        finishedAt: null,
      };
      await store.backups.create(row);
      let made: BackupRow = row;
      try {
        const result = await agents.backupCreate(server, (seal) => ({
          backupId: id,
          source: {
            kind: 'volume',
            volume: { engineName: toEngineVolumeName(volume.id), volumeId: volume.id },
          },
          target: targets.forAgent(target, id, seal),
          objectKey: row.objectKey,
          recipientPublicKey: key.publicKey,
        }));
        const stored = {
          bytes: result.bytes,
          sha256: result.sha256,
          wrappedKey: result.wrappedKey,
          recipientKeyId: result.recipientKeyId,
          tree: JSON.stringify(result.tree),
        };
        await store.backups.update(id, stored);
        made = { ...row, ...stored };
        const verified = await restoreOn(server, made, target, null);
        const skipped = result.skipped.length === 0 ? [] : ['left out:', ...result.skipped];
        const done = {
          status: 'verified' as const,
          verifyOutput: [verified.output, ...skipped].join('\n'),
          finishedAt: clock(),
        };
        await store.backups.update(id, done);
        await audit(intent, 'ok', { backup: id, bytes: result.bytes, sha256: result.sha256 });
        return { row: { ...made, ...done }, error: null };
      } catch (e) {
        const error =
          e instanceof BerthError
            ? e
            : new BerthError('INTERNAL', e instanceof Error ? e.message : String(e));
        const failed = {
          status: 'failed' as const,
          error: `${error.code}: ${error.message}`,
          finishedAt: clock(),
        };
        await store.backups.update(id, failed);
        await audit(intent, 'failed', { backup: id, error: failed.error.slice(0, 500) });
        return { row: { ...made, ...failed }, error };
      }
    },

    async listVolume(team: TeamRow, volumeName: string): Promise<BackupRow[]> {
      const volume = await requireVolume(team, volumeName);
      return store.backups.listBySource(team.id, 'volume', volume.id);
    },

    /**
     * Restores a verified backup of this volume into it. Refused while an app that mounts it runs
     * replicas: a restore under a live writer would mix old and new files and the app could
     * write into a tree being replaced. Scale the app to 0, restore, scale it back.
     */
    async restoreVolume(
      team: TeamRow,
      volumeName: string,
      backupId: string,
      intent: AuditIntent,
    ): Promise<VolumeRestoreResult> {
      const volume = await requireVolume(team, volumeName);
      const backup = await store.backups.get(backupId);
      if (
        !backup ||
        backup.teamId !== team.id ||
        backup.sourceKind !== 'volume' ||
        backup.sourceId !== volume.id
      )
        throw new BerthError('BACKUP_NOT_FOUND', `Volume ${volumeName} has no backup ${backupId}`, {
          hint: `List them with: berth backups list ${volumeName}`,
        });
      if (backup.status !== 'verified')
        throw new BerthError(
          'BACKUP_VERIFY_FAILED',
          `Backup ${backupId} is ${backup.status}: only a verified backup is restored`,
          {
            hint: `Pick a verified one: berth backups list ${volumeName}`,
          },
        );
      const running: string[] = [];
      for (const use of await store.volumes.usesOf(volume.id)) {
        const app = await store.apps.getById(use.appId);
        if (app && app.currentReplicas > 0) running.push(app.name);
      }
      if (running.length > 0)
        throw new BerthError(
          'VOLUME_IN_USE',
          `The volume "${volumeName}" is mounted by running app(s) ${[...new Set(running)].map((a) => `"${a}"`).join(', ')}`,
          {
            hint: `Stop them first (berth scale ${running[0] ?? 'APP'} --replicas 0), restore, then scale them back`,
          },
        );
      const target = await store.backupTargets.get(backup.targetId);
      if (!target)
        throw new BerthError('BACKUP_TARGET_NOT_FOUND', `The target of backup ${backupId} is gone`);
      try {
        const { output } = await restoreOn(await serverOf(volume), backup, target, volume);
        await audit(intent, 'ok', { backup: backupId });
        return { volume: volume.name, backup: backupId, output };
      } catch (e) {
        await audit(intent, 'failed', {
          backup: backupId,
          error: (e instanceof Error ? e.message : String(e)).slice(0, 500),
        });
        throw e;
      }
    },

    /** At berthd's start: a backup still `running` was cut off by a stop or a kill; it never counts. */
    failInterrupted: (): Promise<number> =>
      store.backups.failRunning('berthd stopped while this backup ran: it was never verified', clock()),
  };
}

export async function backupView(store: Store, row: BackupRow, team: string): Promise<BackupView> {
  const target = await store.backupTargets.get(row.targetId);
  return {
    id: row.id,
    team,
    source: { kind: row.sourceKind, name: row.sourceName },
    target: target?.name ?? row.targetId,
    objectKey: row.objectKey,
    bytes: row.bytes,
    sha256: row.sha256,
    status: row.status,
    verifyOutput: row.verifyOutput,
    error: row.error,
    startedAt: new Date(row.startedAt).toISOString(),
    finishedAt: row.finishedAt === null ? null : new Date(row.finishedAt).toISOString(),
  };
}
