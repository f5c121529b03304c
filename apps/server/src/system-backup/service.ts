import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  openSystemBackup,
  packSystemBackup,
  sealSystemBackup,
  unpackSystemBackup,
  type SealOptions,
} from '@berth/crypto';
import { createDirectoryTarget, createS3Target, type BackupTarget } from '@berth/engine';
import { BerthError, type SystemBackupView } from '@berth/protocol';
import {
  checkSqliteIntegrity,
  snapshotSqlite,
  type BackupTargetRow,
  type Repos,
  type Store,
} from '@berth/store';
import { recordDone, type AuditIntent } from '../audit/intent.js';
import { targetSecretAad } from '../backups/targets.js';
import { createId } from '../ids.js';
import type { KeyHolder } from '../secrets/keys.js';
import { VERSION } from '../http/routes/system.js';
import { DATABASE_FILE, readStateFiles } from './state-files.js';

/**
 * `berth system backup`: berthd's own state to a backup target, sealed under a passphrase.
 * berthd writes it itself (no agent): the snapshot and the keys never leave this process
 * unsealed. It counts only once read back from the target, decrypted with the same passphrase
 * and its database has passed PRAGMA integrity_check; the record (meta `system_backups`) and the
 * audit row are written in one transaction after that.
 */

const RECORDS_KEY = 'system_backups';
const KEEP_RECORDS = 200;
export const SYSTEM_BACKUP_PREFIX = 'berth-system/';

interface Record_ extends Omit<SystemBackupView, 'createdAt' | 'verifiedAt'> {
  createdAt: number;
  verifiedAt: number;
}

export interface SystemBackupDeps {
  store: Store;
  keys: KeyHolder;
  dataDir: string;
  clock: () => number;
  /** Only tests lower the scrypt cost. */
  seal?: SealOptions;
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

async function readAll(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(Buffer.from(part));
  return Buffer.concat(parts);
}

/** berthd's own adapter for a team's target (agents get theirs through forAgent). */
export async function openTarget(row: BackupTargetRow, keys: KeyHolder): Promise<BackupTarget> {
  const s = row.settings;
  if (s.kind === 'dir') return createDirectoryTarget({ root: s.root });
  if (!row.secretSealed)
    throw new BerthError('INTERNAL', `backup target ${row.name} has no sealed secret key`);
  return createS3Target({
    endpoint: s.endpoint,
    bucket: s.bucket,
    prefix: s.prefix,
    region: s.region,
    accessKeyId: s.accessKeyId,
    secretAccessKey: keys.box.open('backup-target-credential', row.secretSealed, targetSecretAad(row.id)),
    allowPrivate: row.allowPrivate,
  });
}

/** `2026-12-04T02-40-00Z`: sorts by time, and every character is one parseObjectKey takes. */
const stamp = (at: number): string =>
  new Date(at)
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replaceAll(':', '-');

export function createSystemBackups(deps: SystemBackupDeps) {
  const { store, keys, dataDir, clock } = deps;

  async function records(repos: Pick<Repos, 'meta'> = store): Promise<Record_[]> {
    const raw = await repos.meta.get(RECORDS_KEY);
    if (!raw) return [];
    const parsed = JSON.parse(raw) as unknown;
    return Array.isArray(parsed) ? (parsed as Record_[]) : [];
  }

  /** Reads the object back and checks it as a restore would, before it counts. */
  async function verify(
    target: BackupTarget,
    key: string,
    sealed: Buffer,
    passphrase: string,
  ): Promise<void> {
    const back = await readAll(await target.get(key));
    if (sha256(back) !== sha256(sealed))
      throw new BerthError(
        'BACKUP_VERIFY_FAILED',
        `the system backup read back from ${target.description} (${key}) differs from what was written`,
      );
    const { files } = unpackSystemBackup(openSystemBackup(back, passphrase));
    const db = files.find((f) => f.path === DATABASE_FILE);
    if (!db) throw new BerthError('BACKUP_VERIFY_FAILED', 'the system backup read back holds no database');
    const dir = await mkdtemp(join(tmpdir(), 'berth-system-verify-'));
    try {
      await writeFile(join(dir, DATABASE_FILE), db.data, { mode: 0o600 });
      const problems = checkSqliteIntegrity(join(dir, DATABASE_FILE));
      if (problems.length > 0)
        throw new BerthError(
          'BACKUP_VERIFY_FAILED',
          `the database in the system backup fails PRAGMA integrity_check: ${problems.slice(0, 3).join('; ')}`,
        );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async function snapshot(): Promise<Buffer> {
    const dir = await mkdtemp(join(tmpdir(), 'berth-system-snapshot-'));
    try {
      const copy = join(dir, DATABASE_FILE);
      snapshotSqlite(join(dataDir, DATABASE_FILE), copy);
      const problems = checkSqliteIntegrity(copy);
      if (problems.length > 0)
        throw new BerthError(
          'BACKUP_VERIFY_FAILED',
          `berthd's database fails PRAGMA integrity_check: ${problems.slice(0, 3).join('; ')}`,
          { hint: 'Stop and repair the database before backing it up (see docs/architecture.md)' },
        );
      return await readFile(copy);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  return {
    async run(
      row: BackupTargetRow,
      teamName: string,
      passphrase: string,
      intent: AuditIntent,
    ): Promise<SystemBackupView> {
      const id = createId('sbk');
      const createdAt = clock();
      const database = await snapshot();
      const files = await readStateFiles(dataDir);
      const fromEnv = keys.keyring.source === 'env';
      const packed = packSystemBackup(
        { createdAt, berthVersion: VERSION, masterKeyFromEnvironment: fromEnv },
        [{ path: DATABASE_FILE, mode: 0o600, data: database }, ...files],
      );
      const sealed = sealSystemBackup(packed, passphrase, deps.seal);
      const key = `${SYSTEM_BACKUP_PREFIX}${stamp(createdAt)}-${id}.berthsb`;
      const target = await openTarget(row, keys);
      try {
        const stored = await target.put(key, Readable.from([sealed]));
        if (stored.sha256 !== sha256(sealed))
          throw new BerthError(
            'BACKUP_VERIFY_FAILED',
            `the target stored other bytes than berthd sent (${key})`,
          );
        await verify(target, key, sealed, passphrase);
        const record: Record_ = {
          id,
          target: row.name,
          team: teamName,
          key,
          location: target.description,
          bytes: sealed.length,
          sha256: stored.sha256,
          files: files.map((f) => f.path),
          masterKeyFromEnvironment: fromEnv,
          createdAt,
          verifiedAt: clock(),
        };
        await store.transaction(async (tx) => {
          const kept = [record, ...(await records(tx))].slice(0, KEEP_RECORDS);
          await tx.meta.set(RECORDS_KEY, JSON.stringify(kept));
          await recordDone(
            tx,
            { ...intent, target: `system-backup:${id}`, detail: { key, bytes: sealed.length } },
            clock(),
          );
        });
        return toView(record);
      } catch (err) {
        // A copy that did not pass its checks must never be mistaken for a good one.
        await target.delete(key).catch(() => undefined);
        throw err;
      } finally {
        target.close();
      }
    },

    async list(): Promise<SystemBackupView[]> {
      return (await records()).map(toView);
    },
  };
}

export type SystemBackups = ReturnType<typeof createSystemBackups>;

const toView = (r: Record_): SystemBackupView => ({
  ...r,
  createdAt: new Date(r.createdAt).toISOString(),
  verifiedAt: new Date(r.verifiedAt).toISOString(),
});
