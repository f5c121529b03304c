import { backupsToPrune } from '@berth/core';
import { BerthError, type BackupView, type VolumeRestoreResult } from '@berth/protocol';
import type {
  BackupRow,
  BackupScheduleRow,
  BackupTargetRow,
  DatabaseRow,
  Store,
  TeamRow,
  VolumeRow,
} from '@berth/store';
import type { AgentGateway } from '../agents/gateway.js';
import { recordDone, type AuditIntent } from '../audit/intent.js';
import { createId } from '../ids.js';
import type { KeyHolder } from '../secrets/keys.js';
import { currentBackupKey } from './backup-key.js';
import { createBackupAgentSide } from './agent-side.js';
import { restorableBackup } from './restorable.js';
import type { BackupTargets } from './targets.js';
import { refuseDatabaseVolume } from './sources.js';
import { requireDatabase } from '../databases/lookup.js';

/**
 * Backups of a source (a volume now; a database is one more source kind: its agent call makes
 * the stream, the rest is this flow). A backup is a durable job in berthd's queue (BACKUP_JOB),
 * queued by a request or a schedule; the caller follows its row:
 *
 * 1. a `running` row and its job, in one transaction, before anything reaches the target;
 * 2. the source's agent archives, compresses, encrypts to berthd's public backup key, hashes and
 *    puts the object (the target's put is whole or nothing);
 * 3. verification: berthd opens this backup's data key and seals it to that agent for this
 *    backup only; the agent reads the object back, compares the hash, decrypts, restores into a
 *    scratch volume and compares the tree with the one it archived, then removes the scratch;
 * 4. `verified` with the check's output, or `failed` with the reason, audit-logged either way.
 *
 * A berthd killed in between leaves `running`, which its next start marks failed and whose
 * partial object it deletes (failInterrupted): nothing is `verified` that was not checked. The
 * job is tried once: a failed backup is a result to show, not something to repeat by itself
 * (the schedule's next fire time is the retry). After a verified success, a schedule's `keep`
 * prunes older backups (applyRetention).
 */
export interface BackupsServiceDeps {
  store: Store;
  keys: KeyHolder;
  clock: () => number;
  targets: BackupTargets;
  agents: Pick<AgentGateway, 'backupCreate' | 'backupRestore' | 'backupDelete'>;
  log: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
  /** A backup job was queued: wake the worker. */
  onQueued: () => void;
}

/** The job kind of one backup; its payload is `{ backupId, intent }`. */
export const BACKUP_JOB = 'backup';

const INTERRUPTED = 'berthd stopped while this backup ran: it was never verified';

/** The audit intent of what berthd does by itself (a scheduled run, retention, a restart's clean-up). */
export const systemIntent = (teamId: string, action: string, target: string): AuditIntent => ({
  actorKind: 'system',
  actorId: null,
  actorName: 'berthd',
  requestId: null,
  action,
  target,
  teamId,
  detail: {},
});

/** The schedule a scheduled run was queued under, from its job's intent (a manual run has none). */
const scheduledUnder = (intent: AuditIntent): { schedule: string; keep: number } | null => {
  const { schedule, keep } = intent.detail;
  return typeof schedule === 'string' && typeof keep === 'number' ? { schedule, keep } : null;
};

export type BackupsService = ReturnType<typeof createBackupsService>;

/** What a backup is of: a volume, or a managed database (dumped by its engine's own tool). */
type Source = { kind: 'volume'; row: VolumeRow } | { kind: 'database'; row: DatabaseRow };

const compactTime = (ms: number): string =>
  new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');

export function createBackupsService({
  store,
  keys,
  clock,
  targets,
  agents,
  log,
  onQueued,
}: BackupsServiceDeps) {
  const requireVolume = async (team: TeamRow, name: string): Promise<VolumeRow> => {
    const row = await store.volumes.getByName(team.id, name);
    if (!row)
      throw new BerthError('VOLUME_NOT_FOUND', `There is no volume named "${name}" in team ${team.name}`, {
        hint: 'List volumes with: berth volumes list',
      });
    return row;
  };

  const { serverOf, agentSourceOf, restoreOn, removeObject } = createBackupAgentSide({
    store,
    keys,
    targets,
    agents,
  });

  const audit = (intent: AuditIntent, outcome: 'ok' | 'failed', detail: AuditIntent['detail']) =>
    store.transaction((tx) =>
      tx.audit.append({ ...intent, detail: { ...intent.detail, ...detail }, at: clock(), outcome }),
    );

  /**
   * `queued`: the request's own audit row (`backup.queue`), in the same transaction; the job's
   * outcome is audited as `backup.run` (ok or failed: what notifications hear) under `intent`.
   */
  const enqueue = async (
    source: Source,
    target: BackupTargetRow,
    intent: AuditIntent,
    queued: AuditIntent | null,
  ): Promise<BackupRow> => {
    const id = createId('bak');
    const started = clock();
    const folder = source.kind === 'volume' ? 'volumes' : 'databases';
    const row: BackupRow = {
      id,
      teamId: source.row.teamId,
      sourceKind: source.kind,
      sourceId: source.row.id,
      sourceName: source.row.name,
      targetId: target.id,
      objectKey: `${folder}/${source.row.id}/${compactTime(started)}-${id}.berth`,
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
    await store.transaction(async (tx) => {
      await tx.backups.create(row);
      await tx.jobs.enqueue(
        { id: createId('job'), kind: BACKUP_JOB, payload: { backupId: id, intent }, maxAttempts: 1 },
        started,
      );
      if (queued)
        await recordDone(
          tx,
          { ...queued, detail: { ...queued.detail, backup: id, target: target.name } },
          started,
        );
    });
    onQueued();
    return row;
  };

  const fail = async (
    row: BackupRow,
    e: unknown,
    intent: AuditIntent,
    objectMayBePartial: boolean,
  ): Promise<BackupRow> => {
    const error =
      e instanceof BerthError ? e : new BerthError('INTERNAL', e instanceof Error ? e.message : String(e));
    const failed = {
      status: 'failed' as const,
      error: `${error.code}: ${error.message}`,
      finishedAt: clock(),
    };
    await store.backups.update(row.id, failed);
    // A put cut off midway may have left part of an object: it goes. A complete object that
    // failed its check stays (the row says why) until retention supersedes it.
    if (objectMayBePartial) await removeQuietly(row);
    await audit(intent, 'failed', { backup: row.id, error: failed.error.slice(0, 500) });
    return { ...row, ...failed };
  };

  const removeQuietly = async (row: BackupRow): Promise<boolean> => {
    const target = await store.backupTargets.get(row.targetId);
    if (!target) return false;
    try {
      return await removeObject(row, target);
    } catch (err) {
      log.warn({ err, backup: row.id }, 'could not delete a backup object from its target');
      return false;
    }
  };

  /**
   * After a verified success, with a schedule on that source and target: core's backupsToPrune
   * says which older backups go (objects first, then rows; a row whose object could not be
   * deleted stays for the next pass; a directory target's object is deleted by the agent of the
   * server that wrote it, and stays, listed in the audit row, only when that source is gone).
   * A scheduled backup that ends after its schedule was removed still keeps to the `keep` it was
   * queued under (`madeUnder`): otherwise unscheduling mid-run left one backup more than asked.
   */
  const applyRetention = async (
    made: BackupRow,
    madeUnder: { schedule: string; keep: number } | null,
  ): Promise<void> => {
    const current = await store.backupSchedules.get(
      made.teamId,
      made.sourceKind,
      made.sourceId,
      made.targetId,
    );
    const schedule = current ? { schedule: current.id, keep: current.keep } : madeUnder;
    if (!schedule) return;
    const rows = await store.backups.listBySourceTarget(
      made.teamId,
      made.sourceKind,
      made.sourceId,
      made.targetId,
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    const deleted: string[] = [];
    const leftOnServer: string[] = [];
    const target = await store.backupTargets.get(made.targetId);
    for (const id of backupsToPrune(rows, schedule.keep)) {
      const row = byId.get(id);
      if (!row || !target) continue;
      let removed: boolean;
      try {
        removed = await removeObject(row, target);
      } catch (err) {
        log.warn({ err, backup: id }, 'retention could not delete a backup object; trying again next time');
        continue;
      }
      if (!removed) leftOnServer.push(row.objectKey);
      await store.backups.delete(id);
      deleted.push(id);
    }
    if (deleted.length === 0) return;
    await audit(
      {
        ...systemIntent(made.teamId, 'backup.prune', `${made.sourceKind}:${made.sourceName}`),
        detail: schedule,
      },
      'ok',
      {
        deleted: deleted.join(' ').slice(0, 2000),
        leftOnServer: leftOnServer.length === 0 ? null : leftOnServer.join(' ').slice(0, 2000),
      },
    );
  };

  /** The job's body: makes and verifies the object of a `running` row. Never throws for the backup's own failure. */
  const execute = async (backupId: string, intent: AuditIntent): Promise<void> => {
    const row = await store.backups.get(backupId);
    // Marked failed by a restart in between, or done by an earlier attempt.
    if (!row || row.status !== 'running') return;
    let made: BackupRow = row;
    let partial = true;
    try {
      const { server, source } = await agentSourceOf(row);
      const target = await store.backupTargets.get(row.targetId);
      if (!target) throw new BerthError('BACKUP_TARGET_NOT_FOUND', 'The backup target was removed');
      const key = await currentBackupKey(store, keys, clock());
      const result = await agents.backupCreate(server, (seal) => ({
        backupId,
        source,
        target: targets.forAgent(target, backupId, seal),
        objectKey: row.objectKey,
        recipientPublicKey: key.publicKey,
      }));
      partial = false;
      const stored = {
        bytes: result.bytes,
        sha256: result.sha256,
        wrappedKey: result.wrappedKey,
        recipientKeyId: result.recipientKeyId,
        // What the check compares against: the tree of a volume, the dump-time counts of a database.
        tree: JSON.stringify(result.tree ?? result.database),
      };
      await store.backups.update(backupId, stored);
      made = { ...row, ...stored };
      const verified = await restoreOn(server, made, target, null);
      const skipped = result.skipped.length === 0 ? [] : ['left out:', ...result.skipped];
      const done = {
        status: 'verified' as const,
        verifyOutput: [verified.output, ...skipped].join('\n'),
        finishedAt: clock(),
      };
      await store.backups.update(backupId, done);
      await audit(intent, 'ok', { backup: backupId, bytes: result.bytes, sha256: result.sha256 });
      made = { ...made, ...done };
    } catch (e) {
      await fail(made, e, intent, partial);
      return;
    }
    await applyRetention(made, scheduledUnder(intent)).catch((err: unknown) =>
      log.error({ err, backup: backupId }, 'applying backup retention failed'),
    );
  };

  return {
    execute,

    /**
     * Queues a backup of a volume to a target: its `running` row and its job in one transaction
     * (berthd's job queue runs it; the caller follows the row). `intent` (the request's, action
     * `backup.queue`) is audited now; the outcome later as `backup.run` by the same actor.
     */
    async enqueueVolume(
      team: TeamRow,
      volumeName: string,
      targetName: string,
      intent: AuditIntent,
    ): Promise<BackupRow> {
      const volume = await requireVolume(team, volumeName);
      const target = await targets.requireTarget(team, targetName);
      await refuseDatabaseVolume(store, volume);
      await serverOf(volume);
      return enqueue({ kind: 'volume', row: volume }, target, { ...intent, action: 'backup.run' }, intent);
    },

    /** The same for a managed database: its engine's dump, checked by a restore into a scratch one. */
    async enqueueDatabase(
      team: TeamRow,
      name: string,
      targetName: string,
      intent: AuditIntent,
    ): Promise<BackupRow> {
      const database = await requireDatabase(store, team, name);
      const target = await targets.requireTarget(team, targetName);
      return enqueue(
        { kind: 'database', row: database },
        target,
        { ...intent, action: 'backup.run' },
        intent,
      );
    },

    /** A schedule's run (the scheduler): the same job, under berthd's name. */
    async enqueueScheduled(schedule: BackupScheduleRow): Promise<BackupRow | null> {
      const source: Source | null =
        schedule.sourceKind === 'volume'
          ? await store.volumes.get(schedule.sourceId).then((row) => row && { kind: 'volume' as const, row })
          : await store.databases
              .get(schedule.sourceId)
              .then((row) => row && { kind: 'database' as const, row });
      const target = await store.backupTargets.get(schedule.targetId);
      if (!source || !target) return null;
      return enqueue(
        source,
        target,
        {
          ...systemIntent(schedule.teamId, 'backup.run', `${source.kind}:${source.row.name}`),
          detail: { schedule: schedule.id, keep: schedule.keep },
        },
        null,
      );
    },

    async get(team: TeamRow, id: string): Promise<BackupRow> {
      const row = await store.backups.get(id);
      if (!row || row.teamId !== team.id)
        throw new BerthError('BACKUP_NOT_FOUND', `There is no backup ${id} in team ${team.name}`, {
          hint: 'List them with: berth backups list SOURCE',
        });
      return row;
    },

    async listDatabase(team: TeamRow, name: string): Promise<BackupRow[]> {
      const database = await requireDatabase(store, team, name);
      return store.backups.listBySource(team.id, 'database', database.id);
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
      const { backup, target } = await restorableBackup(
        store,
        team,
        { kind: 'volume', id: volume.id, name: volume.name },
        backupId,
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

    /**
     * At berthd's start, before the job queue runs: a backup still `running` was cut off by a
     * stop or a kill (of berthd, or of its agent with it). It never counts: failed with the
     * reason, whatever part of its object reached the target deleted, and the failure audited
     * (so the team's webhooks hear of it). Its job, claimed again, finds it failed and ends.
     */
    /** For databases/restore.ts: a verified database backup into a new database's volume. */
    restoreObject: restoreOn,
    audit,

    async failInterrupted(): Promise<number> {
      const rows = await store.backups.failRunning(INTERRUPTED, clock());
      for (const row of rows) {
        await removeQuietly(row);
        await audit(systemIntent(row.teamId, 'backup.run', `${row.sourceKind}:${row.sourceName}`), 'failed', {
          backup: row.id,
          error: INTERRUPTED,
        });
      }
      return rows.length;
    },
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
