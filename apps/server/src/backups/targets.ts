import { isAbsolute, normalize } from 'node:path';
import { parseObjectPrefix } from '@berth/core';
import { createS3Target } from '@berth/engine';
import {
  BerthError,
  type AgentBackupTarget,
  type BackupTargetCreate,
  type BackupTargetView,
} from '@berth/protocol';
import type { BackupTargetRow, BackupTargetSettings, Store, TeamRow } from '@berth/store';
import { recordDone, type AuditIntent } from '../audit/intent.js';
import { createId } from '../ids.js';
import type { KeyHolder } from '../secrets/keys.js';
import type { SealForAgent } from '../agents/work-calls.js';
import { agentBackupSecretAad } from '@berth/protocol';

/**
 * Backup targets (`berth backups targets add|list|remove`). Who may point an agent where: agents
 * run as root, so a directory target (written by root on the server) and an S3 endpoint on a
 * loopback or private address (the server's own network) are for installation owners only; a
 * team admin may name public S3 endpoints, checked by the SSRF guard here and again by the agent
 * at every connection. The S3 secret key is sealed the moment it arrives and leaves berthd only
 * sealed to the one agent that uses it, for one backup; no view carries a credential.
 */

export const targetSecretAad = (targetId: string): string => `backup-target:${targetId}`;

const invalid = (path: string, message: string): BerthError =>
  new BerthError('VALIDATION_FAILED', `Invalid ${path}: ${message}`, { issues: [{ path, message }] });

export function checkTargetInput(
  input: BackupTargetCreate,
  installationOwner: boolean,
): BackupTargetSettings & { secret: string | null } {
  if ((input.dir === undefined) === (input.s3 === undefined))
    throw invalid('body', 'give exactly one of dir (a directory on the server) or s3');
  if (input.dir !== undefined) {
    if (!installationOwner)
      throw new BerthError(
        'DESTINATION_NOT_ALLOWED',
        'Only installation owners may make directory backup targets (the agent writes them as root)',
        {
          hint: 'Use an S3-compatible target, or ask an installation owner',
        },
      );
    const dir = input.dir;
    if (!isAbsolute(dir) || normalize(dir) !== dir || dir === '/' || dir.endsWith('/'))
      throw invalid('dir', 'must be an absolute path without "..", "." or a trailing "/", and not /');
    return { kind: 'dir', root: dir, secret: null };
  }
  const s3 = input.s3 as NonNullable<BackupTargetCreate['s3']>;
  if (input.allowPrivate === true && !installationOwner)
    throw new BerthError(
      'DESTINATION_NOT_ALLOWED',
      'Only installation owners may allow S3 endpoints on private or loopback addresses',
      {
        hint: 'Use a public endpoint, or ask an installation owner',
      },
    );
  const prefix = parseObjectPrefix(s3.prefix ?? '', 's3.prefix');
  // The adapter holds every other rule (endpoint through the SSRF guard, bucket, region, keys):
  // made once here to check them, closed at once.
  createS3Target({
    endpoint: s3.endpoint,
    bucket: s3.bucket,
    prefix,
    ...(s3.region !== undefined && { region: s3.region }),
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
    allowPrivate: input.allowPrivate === true,
  }).close();
  return {
    kind: 's3',
    endpoint: s3.endpoint,
    bucket: s3.bucket,
    prefix,
    region: s3.region ?? 'us-east-1',
    accessKeyId: s3.accessKeyId,
    secret: s3.secretAccessKey,
  };
}

export function createBackupTargets(deps: { store: Store; keys: KeyHolder; clock: () => number }) {
  const { store, keys, clock } = deps;
  const requireTarget = async (team: TeamRow, name: string): Promise<BackupTargetRow> => {
    const row = await store.backupTargets.getByName(team.id, name);
    if (!row)
      throw new BerthError(
        'BACKUP_TARGET_NOT_FOUND',
        `There is no backup target named "${name}" in team ${team.name}`,
        {
          hint: 'List them with: berth backups targets list',
        },
      );
    return row;
  };
  return {
    requireTarget,

    async create(
      input: BackupTargetCreate,
      team: TeamRow,
      installationOwner: boolean,
      intent: AuditIntent,
    ): Promise<BackupTargetRow> {
      const { secret, ...settings } = checkTargetInput(input, installationOwner);
      const id = createId('bkt');
      const row: BackupTargetRow = {
        id,
        teamId: team.id,
        name: input.name,
        settings,
        secretSealed:
          secret === null ? null : keys.box.seal('backup-target-credential', secret, targetSecretAad(id)),
        allowPrivate: input.allowPrivate === true,
        createdAt: clock(),
      };
      await store.transaction(async (tx) => {
        await tx.backupTargets.create(row);
        await recordDone(tx, intent, clock());
      });
      return row;
    },

    async list(team: TeamRow): Promise<BackupTargetRow[]> {
      return store.backupTargets.list(team.id);
    },

    async remove(team: TeamRow, name: string, intent: AuditIntent): Promise<void> {
      const row = await requireTarget(team, name);
      await store.transaction(async (tx) => {
        await tx.backupTargets.delete(row.id);
        await recordDone(tx, intent, clock());
      });
    },

    /**
     * Deletes one object (retention, a backup cut off by a kill). S3 objects berthd deletes
     * itself, through the adapter's SSRF guard; a directory target is on the source's server,
     * which only its agent reaches, and the agent has no delete call yet: such an object is left
     * (`false`), and the caller says so.
     */
    async removeObject(row: BackupTargetRow, objectKey: string): Promise<boolean> {
      const s = row.settings;
      if (s.kind === 'dir') return false;
      if (!row.secretSealed)
        throw new BerthError('INTERNAL', `backup target ${row.name} has no sealed secret key`);
      const target = createS3Target({
        endpoint: s.endpoint,
        bucket: s.bucket,
        prefix: s.prefix,
        region: s.region,
        accessKeyId: s.accessKeyId,
        secretAccessKey: keys.box.open('backup-target-credential', row.secretSealed, targetSecretAad(row.id)),
        allowPrivate: row.allowPrivate,
      });
      try {
        await target.delete(objectKey);
        return true;
      } finally {
        target.close();
      }
    },

    /** The target as one agent gets it for one backup: the secret key sealed to that agent. */
    forAgent(row: BackupTargetRow, backupId: string, seal: SealForAgent): AgentBackupTarget {
      const s = row.settings;
      if (s.kind === 'dir') return { kind: 'dir', root: s.root };
      if (!row.secretSealed)
        throw new BerthError('INTERNAL', `backup target ${row.name} has no sealed secret key`);
      const secret = keys.box.open('backup-target-credential', row.secretSealed, targetSecretAad(row.id));
      return {
        kind: 's3',
        endpoint: s.endpoint,
        bucket: s.bucket,
        prefix: s.prefix,
        region: s.region,
        accessKeyId: s.accessKeyId,
        secretAccessKeySealed: seal(secret, agentBackupSecretAad(backupId)),
        allowPrivate: row.allowPrivate,
      };
    },
  };
}

export type BackupTargets = ReturnType<typeof createBackupTargets>;

export function targetView(row: BackupTargetRow, team: string): BackupTargetView {
  const s = row.settings;
  return {
    id: row.id,
    name: row.name,
    team,
    kind: s.kind,
    location: s.kind === 'dir' ? `directory ${s.root}` : `s3 ${s.endpoint}/${s.bucket}/${s.prefix}`,
    allowPrivate: row.allowPrivate,
    createdAt: new Date(row.createdAt).toISOString(),
  };
}
