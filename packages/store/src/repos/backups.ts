import { BerthError } from '@berth/protocol';
import { isUniqueViolation } from '../db-errors.js';
import type {
  BackupKeyRepo,
  BackupKeyRow,
  BackupKeysTable,
  BackupRepo,
  BackupRow,
  BackupsTable,
  BackupTargetRepo,
  BackupTargetRow,
  BackupTargetSettings,
  BackupTargetsTable,
} from '../types-backups.js';
import type { Db } from './db.js';

/** berthd's backup key pairs; the private keys stay sealed here. */
export function createBackupKeyRepo(db: Db): BackupKeyRepo {
  const toRow = (r: BackupKeysTable): BackupKeyRow => ({
    recipientKeyId: r.recipient_key_id,
    publicKey: r.public_key,
    sealedPrivateKey: { keyId: r.key_id, value: r.private_key_sealed },
    createdAt: Number(r.created_at),
  });
  return {
    async current() {
      const r = await db
        .selectFrom('backup_keys')
        .selectAll()
        .orderBy('created_at', 'desc')
        .orderBy('recipient_key_id')
        .executeTakeFirst();
      return r ? toRow(r) : null;
    },
    async get(id) {
      const r = await db
        .selectFrom('backup_keys')
        .selectAll()
        .where('recipient_key_id', '=', id)
        .executeTakeFirst();
      return r ? toRow(r) : null;
    },
    async list() {
      return (await db.selectFrom('backup_keys').selectAll().orderBy('created_at').execute()).map(toRow);
    },
    async create(row) {
      await db
        .insertInto('backup_keys')
        .values({
          recipient_key_id: row.recipientKeyId,
          public_key: row.publicKey,
          key_id: row.sealedPrivateKey.keyId,
          private_key_sealed: row.sealedPrivateKey.value,
          created_at: row.createdAt,
        })
        .execute();
    },
    async reseal(id, sealed) {
      await db
        .updateTable('backup_keys')
        .set({ key_id: sealed.keyId, private_key_sealed: sealed.value })
        .where('recipient_key_id', '=', id)
        .execute();
    },
  };
}

/** A team's backup targets; the unique constraint keeps one name per team under racing creates. */
export function createBackupTargetRepo(db: Db): BackupTargetRepo {
  return {
    async create(row) {
      try {
        await db.insertInto('backup_targets').values(targetRecord(row)).execute();
      } catch (err) {
        if (isUniqueViolation(err, 'backup_targets', ['team_id', 'name']))
          throw new BerthError(
            'BACKUP_TARGET_EXISTS',
            `A backup target named "${row.name}" already exists in this team`,
            {
              hint: 'Pick another name, or see them with: berth backups targets list',
              cause: err,
            },
          );
        throw err;
      }
    },
    async get(id) {
      const r = await db.selectFrom('backup_targets').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? targetRow(r) : null;
    },
    async getByName(teamId, name) {
      const r = await db
        .selectFrom('backup_targets')
        .selectAll()
        .where('team_id', '=', teamId)
        .where('name', '=', name)
        .executeTakeFirst();
      return r ? targetRow(r) : null;
    },
    async list(teamId) {
      const rows = await db
        .selectFrom('backup_targets')
        .selectAll()
        .where('team_id', '=', teamId)
        .orderBy('name')
        .execute();
      return rows.map(targetRow);
    },
    async listAll() {
      return (await db.selectFrom('backup_targets').selectAll().orderBy('id').execute()).map(targetRow);
    },
    async delete(id) {
      const used = await db
        .selectFrom('backups')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('target_id', '=', id)
        .executeTakeFirstOrThrow();
      if (Number(used.n) > 0)
        throw new BerthError('BACKUP_TARGET_IN_USE', `${Number(used.n)} backup(s) are on this target`, {
          hint: 'Backups on it could no longer be listed or restored; keep the target while you need them',
        });
      const scheduled = await db
        .selectFrom('backup_schedules')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('target_id', '=', id)
        .executeTakeFirstOrThrow();
      if (Number(scheduled.n) > 0)
        throw new BerthError(
          'BACKUP_TARGET_IN_USE',
          `${Number(scheduled.n)} backup schedule(s) use this target`,
          {
            hint: 'Remove them first: berth backups unschedule SOURCE --target NAME',
          },
        );
      await db.deleteFrom('backup_targets').where('id', '=', id).execute();
    },
    async reseal(id, sealed) {
      await db
        .updateTable('backup_targets')
        .set({ key_id: sealed.keyId, secret_sealed: sealed.value })
        .where('id', '=', id)
        .execute();
    },
  };
}

function targetRecord(row: BackupTargetRow): BackupTargetsTable {
  return {
    id: row.id,
    team_id: row.teamId,
    name: row.name,
    kind: row.settings.kind,
    settings: JSON.stringify(row.settings),
    key_id: row.secretSealed?.keyId ?? null,
    secret_sealed: row.secretSealed?.value ?? null,
    allow_private: row.allowPrivate ? 1 : 0,
    created_at: row.createdAt,
  };
}

function targetRow(r: BackupTargetsTable): BackupTargetRow {
  return {
    id: r.id,
    teamId: r.team_id,
    name: r.name,
    settings: JSON.parse(r.settings) as BackupTargetSettings,
    secretSealed:
      r.key_id !== null && r.secret_sealed !== null ? { keyId: r.key_id, value: r.secret_sealed } : null,
    allowPrivate: Number(r.allow_private) === 1,
    createdAt: Number(r.created_at),
  };
}

export function createBackupRepo(db: Db): BackupRepo {
  return {
    async create(row) {
      await db.insertInto('backups').values(backupRecord(row)).execute();
    },
    async get(id) {
      const r = await db.selectFrom('backups').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? backupRow(r) : null;
    },
    async listBySource(teamId, kind, sourceId) {
      const rows = await db
        .selectFrom('backups')
        .selectAll()
        .where('team_id', '=', teamId)
        .where('source_kind', '=', kind)
        .where('source_id', '=', sourceId)
        .orderBy('started_at', 'desc')
        .orderBy('id', 'desc')
        .execute();
      return rows.map(backupRow);
    },
    async update(id, patch) {
      const full = backupRecord({
        id,
        teamId: '',
        sourceKind: 'volume',
        sourceId: '',
        sourceName: '',
        targetId: '',
        objectKey: '',
        bytes: null,
        sha256: null,
        wrappedKey: null,
        recipientKeyId: null,
        tree: null,
        status: 'running',
        verifyOutput: null,
        error: null,
        startedAt: 0,
        finishedAt: null,
        ...patch,
      });
      const set: Partial<BackupsTable> = {};
      const columns: Record<string, keyof BackupsTable> = {
        bytes: 'bytes',
        sha256: 'sha256',
        wrappedKey: 'wrapped_key',
        recipientKeyId: 'recipient_key_id',
        tree: 'tree',
        status: 'status',
        verifyOutput: 'verify_output',
        error: 'error',
        finishedAt: 'finished_at',
      };
      for (const [field, column] of Object.entries(columns))
        if (field in patch) Object.assign(set, { [column]: full[column] });
      if (Object.keys(set).length === 0) return;
      await db.updateTable('backups').set(set).where('id', '=', id).execute();
    },
    async failRunning(reason, now) {
      const rows = await db.selectFrom('backups').selectAll().where('status', '=', 'running').execute();
      await db
        .updateTable('backups')
        .set({ status: 'failed', error: reason, finished_at: now })
        .where('status', '=', 'running')
        .execute();
      return rows.map(backupRow);
    },
    async listBySourceTarget(teamId, kind, sourceId, targetId) {
      const rows = await db
        .selectFrom('backups')
        .selectAll()
        .where('team_id', '=', teamId)
        .where('source_kind', '=', kind)
        .where('source_id', '=', sourceId)
        .where('target_id', '=', targetId)
        .orderBy('started_at', 'desc')
        .orderBy('id', 'desc')
        .execute();
      return rows.map(backupRow);
    },
    async delete(id) {
      await db.deleteFrom('backups').where('id', '=', id).execute();
    },
  };
}

function backupRecord(row: BackupRow): BackupsTable {
  return {
    id: row.id,
    team_id: row.teamId,
    source_kind: row.sourceKind,
    source_id: row.sourceId,
    source_name: row.sourceName,
    target_id: row.targetId,
    object_key: row.objectKey,
    bytes: row.bytes,
    sha256: row.sha256,
    wrapped_key: row.wrappedKey,
    recipient_key_id: row.recipientKeyId,
    tree: row.tree,
    status: row.status,
    verify_output: row.verifyOutput,
    error: row.error,
    started_at: row.startedAt,
    finished_at: row.finishedAt,
  };
}

function backupRow(r: BackupsTable): BackupRow {
  return {
    id: r.id,
    teamId: r.team_id,
    sourceKind: r.source_kind,
    sourceId: r.source_id,
    sourceName: r.source_name,
    targetId: r.target_id,
    objectKey: r.object_key,
    bytes: r.bytes === null ? null : Number(r.bytes),
    sha256: r.sha256,
    wrappedKey: r.wrapped_key,
    recipientKeyId: r.recipient_key_id,
    tree: r.tree,
    status: r.status,
    verifyOutput: r.verify_output,
    error: r.error,
    startedAt: Number(r.started_at),
    finishedAt: r.finished_at === null ? null : Number(r.finished_at),
  };
}
