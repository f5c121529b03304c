/**
 * Unpacking a backup's tar into a fresh, empty directory (a scratch volume no container uses).
 * The archive is treated as hostile even though it was authenticated: only files, directories
 * and symlinks; no absolute path, no `..`; an entry is written only into a directory this
 * unpack made itself, so a symlink in the archive can never have a later entry written through
 * it. Symlinks are made as they were (their targets are text: inside the volume's containers
 * they resolve in the container, and the agent never follows them). Modes and owners are set
 * as recorded, so an app running as a non-root user reads its restored files.
 */
import { constants } from 'node:fs';
import { chmod, chown, lchown, mkdir, open, symlink, utimes } from 'node:fs/promises';
import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BerthError } from '@berth/protocol';
import { createTarExtract, type TarEntryListener, type TarHeader } from '../builder/tar.js';

const refuse = (why: string): never => {
  throw new BerthError('BACKUP_INTEGRITY_FAILED', `the backup's archive ${why}`);
};

function entryPath(name: string): string {
  if (name.includes('\0')) refuse('has an entry name with a NUL byte');
  if (name.startsWith('/')) refuse(`has an absolute entry ${JSON.stringify(name)}`);
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length === 0 || parts.includes('..'))
    refuse(`has an entry ${JSON.stringify(name)} outside its root`);
  return parts.join('/');
}

export async function unpackTree(archive: Readable, root: string): Promise<void> {
  const dirs = new Set<string>(['']);
  const extract = createTarExtract();
  const write = async (header: TarHeader, stream: Readable): Promise<void> => {
    const rel = entryPath(header.name);
    const parent = posix.dirname(rel) === '.' ? '' : posix.dirname(rel);
    if (!dirs.has(parent)) refuse(`puts ${rel} in a directory it did not make first`);
    const path = posix.join(root, rel);
    const mode = (header.mode ?? 0o644) & 0o7777;
    const uid = header.uid ?? 0;
    const gid = header.gid ?? 0;
    switch (header.type ?? 'file') {
      case 'directory':
        stream.resume();
        if (dirs.has(rel)) refuse(`holds ${rel} twice`);
        await mkdir(path, { mode: 0o700 });
        dirs.add(rel);
        await chown(path, uid, gid);
        await chmod(path, mode);
        return;
      case 'file': {
        // O_EXCL | O_NOFOLLOW: never reuses or follows whatever is at the path.
        const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
        const handle = await open(path, flags, 0o600);
        // The write stream closes the handle when it ends or fails.
        await pipeline(stream, handle.createWriteStream());
        // The parents are directories this unpack made and the file is its own: nothing to race.
        await chown(path, uid, gid);
        await chmod(path, mode);
        if (header.mtime) await utimes(path, header.mtime, header.mtime);
        return;
      }
      case 'symlink':
        stream.resume();
        await symlink(header.linkname ?? '', path);
        await lchown(path, uid, gid);
        return;
      case 'link':
      case 'character-device':
      case 'block-device':
      case 'fifo':
      case 'contiguous-file':
      // tar-stream folds these into the entries they describe; one reaching here is malformed.
      case 'pax-header':
      case 'pax-global-header':
      case 'gnu-long-path':
      case 'gnu-long-link-path':
        stream.resume();
        refuse(`holds ${rel}, a ${header.type}: only files, directories and symlinks are restored`);
    }
  };
  const onEntry: TarEntryListener = (header, stream, next) => {
    write(header, stream).then(
      () => next(),
      (err: unknown) => {
        stream.resume();
        next(err);
      },
    );
  };
  extract.on('entry', onEntry);
  try {
    await pipeline(archive, extract);
  } catch (e) {
    if (e instanceof BerthError) throw e;
    throw new BerthError(
      'BACKUP_INTEGRITY_FAILED',
      `the backup's archive could not be unpacked: ${(e as Error).message}`,
      { cause: e },
    );
  }
}
