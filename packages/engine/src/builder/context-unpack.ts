/**
 * Unpacking an uploaded build context (`berth deploy --from-dir`) into a dir of the server. The
 * archive comes from a client and is treated as hostile: every entry must land inside the dir
 * (no absolute paths, no `..`, never written through a symlink), only files, directories and
 * symlinks that stay inside are created, and the total size and entry count are bounded.
 */
import { createWriteStream } from 'node:fs';
import { chmod, lstat, mkdir, symlink, unlink } from 'node:fs/promises';
import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BerthError } from '@berth/protocol';
import { isContainedLink } from './context-walk.js';
import { createTarExtract } from './tar.js';
import type { TarEntryListener, TarHeader } from './tar.js';

export interface UnpackOptions {
  /** Limit on the bytes of file content. */
  maxBytes: number;
  /** Limit on entries of any kind (files, directories, symlinks). */
  maxFiles: number;
}

interface Unpacking {
  root: string;
  o: UnpackOptions;
  entries: number;
  files: number;
  bytes: number;
  /** Directories known to be real directories inside root (created or checked). */
  dirs: Set<string>;
}

/**
 * Unpacks a tar stream into `dir` (created if missing). On failure the dir holds what was written
 * so far: unpack into a fresh dir and remove it on error.
 */
export async function unpackArchive(
  archive: Readable,
  dir: string,
  o: UnpackOptions,
): Promise<{ files: number; bytes: number }> {
  await mkdir(dir, { recursive: true });
  const u: Unpacking = { root: dir, o, entries: 0, files: 0, bytes: 0, dirs: new Set(['']) };
  const extract = createTarExtract();
  const onEntry: TarEntryListener = (header, stream, next) => {
    writeEntry(u, header, stream).then(
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
  } catch (err) {
    throw toUnpackError(err);
  }
  return { files: u.files, bytes: u.bytes };
}

async function writeEntry(u: Unpacking, header: TarHeader, stream: Readable): Promise<void> {
  const rel = toEntryPath(header.name);
  if (rel === null) {
    stream.resume(); // the archive's root, `./`
    return;
  }
  if (++u.entries > u.o.maxFiles) refuse(`it has more than ${u.o.maxFiles} entries`);
  const type = header.type ?? 'file';
  const mode = (header.mode ?? 0o644) & 0o777;
  await ensureParents(u, rel);
  const path = posix.join(u.root, rel);
  switch (type) {
    case 'directory':
      stream.resume();
      await makeDir(u, rel, mode);
      return;
    case 'file': {
      const size = header.size ?? 0;
      if (u.bytes + size > u.o.maxBytes)
        refuse(`its files are larger than ${u.o.maxBytes} bytes (at ${rel})`);
      u.bytes += size;
      u.files++;
      await clearForReplacement(path, rel);
      // 'wx' (O_EXCL): never follows or reuses whatever might be at the path.
      await pipeline(stream, createWriteStream(path, { flags: 'wx', mode: 0o600 }));
      await chmod(path, mode);
      return;
    }
    case 'symlink': {
      stream.resume();
      const target = header.linkname ?? '';
      if (!isContainedLink(rel, target)) refuse(`symlink ${rel} points outside it (${target})`);
      await clearForReplacement(path, rel);
      await symlink(target, path);
      return;
    }
    case 'link':
      return refuse(`${rel} is a hard link; only files, directories and symlinks are allowed`);
    case 'character-device':
    case 'block-device':
    case 'fifo':
    case 'contiguous-file':
    // tar-stream folds these into the entries they describe; one reaching here is malformed.
    case 'pax-header':
    case 'pax-global-header':
    case 'gnu-long-path':
    case 'gnu-long-link-path':
      return refuse(`${rel} is a ${type}; only files, directories and symlinks are allowed`);
  }
}

/** The entry's relative path, null for the root itself; refuses absolute paths and `..`. */
export function toEntryPath(name: string): string | null {
  if (name.includes('\0')) refuse(`an entry name contains a NUL byte`);
  if (name.startsWith('/')) refuse(`entry ${JSON.stringify(name)} has an absolute path`);
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) refuse(`entry ${JSON.stringify(name)} climbs out with ".."`);
  return parts.length === 0 ? null : parts.join('/');
}

/** Every parent of `rel` is a real directory inside root (created when missing), never a symlink. */
async function ensureParents(u: Unpacking, rel: string): Promise<void> {
  const parts = rel.split('/').slice(0, -1);
  for (let i = 1; i <= parts.length; i++) {
    await makeDir(u, parts.slice(0, i).join('/'), 0o755, true);
  }
}

async function makeDir(u: Unpacking, rel: string, mode: number, asParent = false): Promise<void> {
  if (asParent && u.dirs.has(rel)) return;
  const path = posix.join(u.root, rel);
  const existing = await lstatOrNull(path);
  if (existing === null) {
    await mkdir(path, { mode: mode | 0o700 });
  } else if (existing.isSymbolicLink()) {
    refuse(`${rel} is a symlink, and entries may not be written through symlinks`);
  } else if (!existing.isDirectory()) {
    refuse(`${rel} is both a file and a directory`);
  } else if (!asParent) {
    await chmod(path, mode | 0o700);
  }
  u.dirs.add(rel);
}

/** A later entry may replace a file or symlink of the same name, never a directory. */
async function clearForReplacement(path: string, rel: string): Promise<void> {
  const existing = await lstatOrNull(path);
  if (existing === null) return;
  if (existing.isDirectory()) refuse(`${rel} is both a directory and a file or symlink`);
  await unlink(path);
}

async function lstatOrNull(path: string): Promise<Awaited<ReturnType<typeof lstat>> | null> {
  try {
    return await lstat(path);
  } catch (err) {
    if (typeof err === 'object' && err !== null && 'code' in err && err.code === 'ENOENT') return null;
    throw err;
  }
}

function refuse(why: string): never {
  throw new BerthError('VALIDATION_FAILED', `The uploaded archive was refused: ${why}`, {
    hint: 'Upload a plain tar of the source directory, as `berth deploy --from-dir` makes it.',
  });
}

function toUnpackError(err: unknown): unknown {
  if (err instanceof BerthError) return err;
  const message = err instanceof Error ? err.message : String(err);
  // tar-stream's parse errors, and names the file system cannot hold.
  if (/tar|header|unexpected end|ENAMETOOLONG|premature/i.test(message)) {
    return new BerthError('VALIDATION_FAILED', `The uploaded archive could not be read: ${message}`, {
      hint: 'Upload a plain (uncompressed) tar of the source directory.',
      cause: err,
    });
  }
  return err;
}
