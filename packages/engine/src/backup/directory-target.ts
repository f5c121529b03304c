/**
 * A backup target that is a directory on the agent's server (a mounted disk, an NFS share).
 *
 * - The root is an absolute, normalised path to an existing directory that is not a symlink;
 *   who may name one is decided by berthd (installation owners only: the agent runs as root).
 * - A key becomes a path beneath the root only after parseObjectKey (no `..`, no dot-files, no
 *   absolute path), and every directory on the way is checked to be a real directory, never a
 *   symlink, so nothing placed inside the root can redirect a write elsewhere.
 * - put() writes `.<name>.<pid>.<random>.tmp` beside the final name (created exclusively, 0600),
 *   fsyncs it, renames it into place and fsyncs the directory: a SIGKILL at any point leaves
 *   either no object or the whole one. A leftover temp file starts with a dot, which no key
 *   can, so it is never listed or read as an object.
 */
import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { isAbsolute, join, normalize } from 'node:path';
import type { Readable } from 'node:stream';
import { parseListPrefix, parseObjectKey } from '@berth/core';
import { BerthError } from '@berth/protocol';
import type { BackupTarget, ListedObject, StoredObject } from './target.js';

export interface DirectoryTargetOptions {
  root: string;
}

const DIR_MODE = 0o700;
const FILE_MODE = 0o600;

const errnoOf = (e: unknown): string | undefined =>
  e instanceof Error && 'code' in e && typeof e.code === 'string' ? e.code : undefined;

export async function createDirectoryTarget(options: DirectoryTargetOptions): Promise<BackupTarget> {
  const root = options.root;
  const invalid = (why: string): BerthError =>
    new BerthError('VALIDATION_FAILED', `the backup directory ${JSON.stringify(root)} ${why}`, {
      issues: [{ path: 'dir', message: why }],
    });
  if (typeof root !== 'string' || !isAbsolute(root) || root.includes('\0'))
    throw invalid('must be an absolute path');
  if (normalize(root) !== root || (root.endsWith('/') && root !== '/')) {
    throw invalid('must be written without "..", "." or a trailing "/"');
  }
  if (root === '/') throw invalid('must not be the root of the file system');
  const stats = await lstat(root).catch(() => null);
  if (stats === null || !stats.isDirectory()) {
    throw invalid(
      stats?.isSymbolicLink() === true ? 'is a symlink: give its real path' : 'must be an existing directory',
    );
  }
  return new DirectoryTarget(root);
}

class DirectoryTarget implements BackupTarget {
  readonly description: string;

  constructor(private readonly root: string) {
    this.description = `directory ${root}`;
  }

  private failed(what: string, key: string, e: unknown): BerthError {
    if (e instanceof BerthError) return e;
    const reason = e instanceof Error ? e.message : String(e);
    return new BerthError('BACKUP_TARGET_FAILED', `${this.description}: cannot ${what} ${key}: ${reason}`, {
      cause: e,
    });
  }

  /** The directories of `key` under the root, each made (0700) when missing and checked to be a real directory. */
  private async directoriesOf(key: string, create: boolean): Promise<string> {
    let dir = this.root;
    for (const segment of key.split('/').slice(0, -1)) {
      dir = join(dir, segment);
      if (create) {
        const made = await mkdir(dir, { mode: DIR_MODE }).then(
          () => true,
          (e: unknown) => {
            if (errnoOf(e) !== 'EEXIST') throw e;
            return false;
          },
        );
        // The new entry is durable only once its parent directory is synced.
        if (made) await syncDirectory(join(dir, '..'));
      }
      const stats = await lstat(dir);
      if (!stats.isDirectory()) {
        throw new BerthError(
          'BACKUP_TARGET_FAILED',
          `${this.description}: ${dir} is not a directory (a symlink or a file): refused`,
        );
      }
    }
    return dir;
  }

  async put(rawKey: string, body: AsyncIterable<Uint8Array>): Promise<StoredObject> {
    const key = parseObjectKey(rawKey);
    const name = key.split('/').at(-1) ?? key;
    let temp: string | undefined;
    try {
      const dir = await this.directoriesOf(key, true);
      temp = join(dir, `.${name}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
      const handle = await open(
        temp,
        constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
        FILE_MODE,
      );
      const hash = createHash('sha256');
      let bytes = 0;
      try {
        for await (const piece of body) {
          const chunk = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
          hash.update(chunk);
          bytes += chunk.length;
          for (let at = 0; at < chunk.length;) at += (await handle.write(chunk, at)).bytesWritten;
        }
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, join(dir, name));
      temp = undefined;
      await syncDirectory(dir);
      return { bytes, sha256: hash.digest('hex') };
    } catch (e) {
      throw this.failed('write', key, e);
    } finally {
      if (temp !== undefined) await rm(temp, { force: true });
    }
  }

  async get(rawKey: string): Promise<Readable> {
    const key = parseObjectKey(rawKey);
    try {
      const dir = await this.directoriesOf(key, false);
      const handle = await open(
        join(dir, key.split('/').at(-1) ?? key),
        constants.O_RDONLY | constants.O_NOFOLLOW,
      );
      const stats = await handle.stat();
      if (!stats.isFile()) {
        await handle.close();
        throw new BerthError('BACKUP_TARGET_FAILED', `${this.description}: ${key} is not a regular file`);
      }
      return handle.createReadStream();
    } catch (e) {
      if (errnoOf(e) === 'ENOENT' || errnoOf(e) === 'ENOTDIR') {
        throw new BerthError('BACKUP_OBJECT_NOT_FOUND', `${this.description} has no object ${key}`);
      }
      throw this.failed('read', key, e);
    }
  }

  async delete(rawKey: string): Promise<void> {
    const key = parseObjectKey(rawKey);
    try {
      const dir = await this.directoriesOf(key, false);
      await rm(join(dir, key.split('/').at(-1) ?? key), { force: true });
      await syncDirectory(dir);
    } catch (e) {
      if (errnoOf(e) === 'ENOENT') return;
      throw this.failed('delete', key, e);
    }
  }

  async list(rawPrefix = ''): Promise<ListedObject[]> {
    const prefix = parseListPrefix(rawPrefix);
    // Start at the deepest directory the prefix names whole: no need to walk the others.
    const base = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/') + 1) : '';
    const found: ListedObject[] = [];
    try {
      await this.walk(base, prefix, found);
    } catch (e) {
      throw this.failed('list', prefix === '' ? '(everything)' : `${prefix}*`, e);
    }
    return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  private async walk(relative: string, prefix: string, found: ListedObject[]): Promise<void> {
    const entries = await readdir(join(this.root, relative), { withFileTypes: true }).catch((e: unknown) => {
      if (errnoOf(e) === 'ENOENT' || errnoOf(e) === 'ENOTDIR') return [];
      throw e;
    });
    for (const entry of entries) {
      // Dot-names are temp files of writers (or not Berth's); symlinks are never followed.
      if (entry.name.startsWith('.')) continue;
      const key = `${relative}${entry.name}`;
      if (entry.isDirectory()) {
        if (prefix.startsWith(`${key}/`) || `${key}/`.startsWith(prefix))
          await this.walk(`${key}/`, prefix, found);
      } else if (entry.isFile() && key.startsWith(prefix)) {
        const stats = await lstat(join(this.root, key)).catch(() => null);
        if (stats?.isFile() === true)
          found.push({ key, bytes: stats.size, modifiedAt: Math.floor(stats.mtimeMs) });
      }
    }
  }

  close(): void {
    // Nothing held open between calls.
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
