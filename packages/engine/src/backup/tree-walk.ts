/**
 * Walking a volume's tree on the host without ever following a symlink, even one a running
 * container swaps in while the walk goes (the agent runs as root: a symlink inside a volume must
 * never make it read a host file). Every step opens the next directory through the one before
 * (`/proc/self/fd/<dir fd>/<name>`, O_NOFOLLOW | O_DIRECTORY), so no path is resolved twice;
 * files are opened the same way with O_NOFOLLOW and checked with fstat to be regular files.
 * Symlinks are recorded as symlinks (their target text), never read through.
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, readdir, readlink, type FileHandle } from 'node:fs/promises';
import { BerthError } from '@berth/protocol';

export type TreeEntry =
  | { type: 'directory'; path: string; mode: number; uid: number; gid: number; mtime: Date }
  | { type: 'symlink'; path: string; mode: number; uid: number; gid: number; mtime: Date; linkname: string }
  | {
      type: 'file';
      path: string;
      mode: number;
      uid: number;
      gid: number;
      mtime: Date;
      size: number;
      /** Open, read-only; the caller reads it and closes it. */
      handle: FileHandle;
    };

const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
const FILE_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

const through = (dir: FileHandle, name: string): string => `/proc/self/fd/${dir.fd}/${name}`;

/** Opens the root of a tree: a real directory, not a symlink. */
export async function openTreeRoot(root: string): Promise<FileHandle> {
  try {
    return await open(root, DIR_FLAGS);
  } catch (cause) {
    throw new BerthError('INTERNAL', `cannot open ${root} as a directory: ${(cause as Error).message}`, {
      cause,
    });
  }
}

/**
 * Every entry beneath `dir` (not the root itself), directories before what they hold, names in
 * byte order. Sockets, fifos and devices are reported to `skip` and left out.
 */
export async function* walkTree(
  dir: FileHandle,
  skip: (path: string, why: string) => void,
  prefix = '',
): AsyncGenerator<TreeEntry> {
  const names = (await readdir(`/proc/self/fd/${dir.fd}`)).sort();
  for (const name of names) {
    const path = prefix === '' ? name : `${prefix}/${name}`;
    const st = await lstat(through(dir, name)).catch(() => null);
    if (st === null) continue; // removed while we walked
    const meta = { path, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: st.mtime };
    if (st.isSymbolicLink()) {
      const linkname = await readlink(through(dir, name)).catch(() => null);
      if (linkname !== null) yield { type: 'symlink', ...meta, linkname };
    } else if (st.isDirectory()) {
      const child = await open(through(dir, name), DIR_FLAGS).catch(() => null);
      if (child === null) {
        skip(path, 'changed into something else while it was read');
        continue;
      }
      try {
        const cst = await child.stat();
        yield { type: 'directory', ...meta, mode: cst.mode & 0o7777, uid: cst.uid, gid: cst.gid };
        yield* walkTree(child, skip, path);
      } finally {
        await child.close();
      }
    } else if (st.isFile()) {
      const handle = await open(through(dir, name), FILE_FLAGS).catch(() => null);
      if (handle === null) {
        skip(path, 'changed into something else while it was read');
        continue;
      }
      const fst = await handle.stat();
      if (!fst.isFile()) {
        await handle.close();
        skip(path, 'is not a regular file');
        continue;
      }
      yield {
        type: 'file',
        ...meta,
        mode: fst.mode & 0o7777,
        uid: fst.uid,
        gid: fst.gid,
        size: fst.size,
        handle,
      };
    } else {
      skip(path, 'is a socket, fifo or device (not backed up)');
    }
  }
}

/** The summary of a tree that a backup records and a restore must reproduce. */
export interface TreeSummary {
  entries: number;
  files: number;
  bytes: number;
  /** sha256 over one line per entry (type, path, mode, owner, size and content hash or link target), sorted by path. */
  hash: string;
}

/** Collects entry lines as they are seen; summary() sorts and hashes them. */
export class TreeHasher {
  private readonly lines: string[] = [];
  private files = 0;
  private bytes = 0;

  add(entry: TreeEntry & { contentSha256?: string }): void {
    const owner = `${entry.uid}:${entry.gid}`;
    const mode = entry.mode.toString(8);
    switch (entry.type) {
      case 'directory':
        this.lines.push(`d\0${entry.path}\0${mode}\0${owner}`);
        return;
      case 'symlink':
        this.lines.push(`l\0${entry.path}\0${owner}\0${entry.linkname}`);
        return;
      case 'file':
        this.files++;
        this.bytes += entry.size;
        this.lines.push(`f\0${entry.path}\0${mode}\0${owner}\0${entry.size}\0${entry.contentSha256 ?? ''}`);
    }
  }

  summary(): TreeSummary {
    const hash = createHash('sha256');
    for (const line of [...this.lines].sort()) hash.update(`${line}\n`);
    return { entries: this.lines.length, files: this.files, bytes: this.bytes, hash: hash.digest('hex') };
  }
}

/** Walks a tree only to summarise it (the scratch copy a verification restored). */
export async function summariseTree(root: string): Promise<{ summary: TreeSummary; skipped: string[] }> {
  const dir = await openTreeRoot(root);
  const hasher = new TreeHasher();
  const skipped: string[] = [];
  try {
    for await (const entry of walkTree(dir, (p, why) => skipped.push(`${p}: ${why}`))) {
      if (entry.type !== 'file') {
        hasher.add(entry);
        continue;
      }
      const hash = createHash('sha256');
      try {
        for await (const chunk of entry.handle.createReadStream({ autoClose: false }))
          hash.update(chunk as Buffer);
      } finally {
        await entry.handle.close();
      }
      hasher.add({ ...entry, contentSha256: hash.digest('hex') });
    }
  } finally {
    await dir.close();
  }
  return { summary: hasher.summary(), skipped };
}
