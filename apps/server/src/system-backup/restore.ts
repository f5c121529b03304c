import { chmod, mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { openSystemBackup, unpackSystemBackup, type SystemBackupFile } from '@berth/crypto';
import { BerthError } from '@berth/protocol';
import { checkSqliteIntegrity } from '@berth/store';
import { DATABASE_FILE, STATE_FILES } from './state-files.js';

/**
 * `berthd restore` (and `berth system restore`, which runs it): a system backup written into a
 * data dir before berthd starts there. Everything is checked before the first byte is written:
 * the passphrase, every chunk, every file's sha256 and the database's PRAGMA integrity_check.
 * A data dir with anything in it is refused unless `force`; then the state files the backup
 * does not hold, and the old database's -wal and -shm (which SQLite would replay over the
 * restored file), are removed, so nothing of the old installation mixes with the restored one.
 */
export interface RestoreOptions {
  sealed: Buffer;
  passphrase: string;
  dataDir: string;
  force: boolean;
}

export interface RestoreResult {
  files: string[];
  masterKeyFromEnvironment: boolean;
  createdAt: number;
}

async function isEmptyDir(dir: string): Promise<boolean> {
  const entries = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
  return entries.length === 0;
}

/** Temp file, fsync, rename: a file appears whole, with its mode from the first byte. */
async function writeDurably(file: string, data: Buffer, mode: number): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.restore-${process.pid}.tmp`;
  const handle = await open(tmp, 'w', mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await chmod(tmp, mode);
  await rename(tmp, file);
}

export async function restoreSystemBackup(options: RestoreOptions): Promise<RestoreResult> {
  const { dataDir } = options;
  if (!options.force && !(await isEmptyDir(dataDir)))
    throw new BerthError('VALIDATION_FAILED', `The data dir ${dataDir} is not empty`, {
      hint: 'Restore into a new, empty data dir, or stop berthd and pass --force to replace its state',
      issues: [{ path: 'data-dir', message: 'is not empty' }],
    });
  const { manifest, files } = unpackSystemBackup(openSystemBackup(options.sealed, options.passphrase));
  const database = files.find((f) => f.path === DATABASE_FILE);
  if (!database) throw new BerthError('BACKUP_INTEGRITY_FAILED', 'the system backup holds no database');
  const allowed = new Set([DATABASE_FILE, ...STATE_FILES.map((f) => f.path)]);
  const unknown = files.filter((f) => !allowed.has(f.path));
  if (unknown.length > 0)
    throw new BerthError(
      'BACKUP_INTEGRITY_FAILED',
      `the system backup holds files Berth does not restore: ${unknown.map((f) => f.path).join(', ')}`,
    );

  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await chmod(dataDir, 0o700);
  // The database is checked in place under a temp name before it becomes berth.db.
  const checking = join(dataDir, `${DATABASE_FILE}.restore-check`);
  await writeDurably(checking, database.data, 0o600);
  const problems = checkSqliteIntegrity(checking);
  if (problems.length > 0) {
    await rm(checking, { force: true });
    throw new BerthError(
      'BACKUP_INTEGRITY_FAILED',
      `the database in the system backup fails PRAGMA integrity_check: ${problems.slice(0, 3).join('; ')}`,
    );
  }
  const present = new Set(files.map((f) => f.path));
  for (const { path } of STATE_FILES)
    if (!present.has(path)) await rm(join(dataDir, ...path.split('/')), { force: true });
  for (const suffix of ['-wal', '-shm', '-journal'])
    await rm(join(dataDir, `${DATABASE_FILE}${suffix}`), { force: true });
  for (const f of files.filter((x) => x.path !== DATABASE_FILE)) await writeFile(dataDir, f);
  await rename(checking, join(dataDir, DATABASE_FILE));
  return {
    files: files.map((f) => f.path),
    masterKeyFromEnvironment: manifest.masterKeyFromEnvironment === true,
    createdAt: manifest.createdAt,
  };
}

/** Key files stay owner-only whatever the backup says; certificates and public keys may be read. */
function writeFile(dataDir: string, f: SystemBackupFile): Promise<void> {
  return writeDurably(join(dataDir, ...f.path.split('/')), f.data, f.mode & 0o644);
}

export async function readBackupFile(file: string): Promise<Buffer> {
  return readFile(file).catch((err: NodeJS.ErrnoException) => {
    throw new BerthError(
      'VALIDATION_FAILED',
      `Cannot read the backup file ${file}: ${err.code ?? err.message}`,
      {
        issues: [{ path: 'from', message: 'cannot be read' }],
      },
    );
  });
}
