/**
 * Opening files of a source tree (a git checkout, an unpacked upload) beneath its root, the way
 * openat2(RESOLVE_BENEATH) does: one path component at a time, each directory opened with
 * O_NOFOLLOW and the next looked up inside that open directory (through /proc/self/fd, as Node
 * has no openat), symlinks followed only while they stay beneath the root. A chain of `../`
 * links that a lexical check of each link passes (`a/b/up -> ../..`, then `x -> a/b/up/..`) is
 * caught at the step that would leave the root; an absolute target always leaves it. String
 * prefix checks are what such chains defeat, so there are none here.
 */
import { constants } from 'node:fs';
import { lstat, open, readlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';

/** Linux gives up after 40 links; so do we. */
const MAX_LINKS = 40;
const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
const FILE_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

type Found =
  | { kind: 'file'; handle: FileHandle; rel: string }
  | { kind: 'dir'; rel: string }
  | { kind: 'other'; rel: string }
  /** Nothing there, without having left the root on the way. */
  | { kind: 'missing' }
  /** A step would leave the root (or the links loop): never followed. */
  | { kind: 'escape' };

/**
 * The path of `rel` beneath `root` with every symlink resolved (so it names only real
 * directories and an entry), or null when it does not exist, leaves the root, or loops.
 */
export async function resolveBeneath(root: string, rel: string): Promise<string | null> {
  const found = await walkBeneath(root, rel);
  if (found.kind === 'file') await found.handle.close();
  return 'rel' in found ? found.rel : null;
}

/** Whether following `rel` (a symlink, say) ever steps out of the root; a dangling link inside does not. */
export async function leavesRoot(root: string, rel: string): Promise<boolean> {
  const found = await walkBeneath(root, rel);
  if (found.kind === 'file') await found.handle.close();
  return found.kind === 'escape';
}

/**
 * The content of a regular file beneath the root (following in-root links), or null when there
 * is none there: missing, outside the root, a directory or a device, or larger than maxBytes.
 */
export async function readFileBeneath(root: string, rel: string, maxBytes: number): Promise<string | null> {
  const found = await walkBeneath(root, rel);
  if (found.kind !== 'file') return null;
  try {
    const s = await found.handle.stat();
    if (!s.isFile() || s.size > maxBytes) return null;
    return await found.handle.readFile('utf8');
  } finally {
    await found.handle.close();
  }
}

async function walkBeneath(root: string, rel: string): Promise<Found> {
  const dirs: FileHandle[] = [await open(root, DIR_FLAGS)];
  const names: string[] = [];
  const pending = split(rel);
  let links = 0;
  try {
    for (let name = pending.shift(); name !== undefined; name = pending.shift()) {
      if (name === '..') {
        if (names.length === 0) return ESCAPE;
        names.pop();
        await dirs.pop()?.close();
        continue;
      }
      const here = `/proc/self/fd/${(dirs.at(-1) as FileHandle).fd}/${name}`;
      const s = await lstat(here).catch(() => null);
      if (s === null) return MISSING;
      if (s.isSymbolicLink()) {
        const target = await readlink(here);
        if (++links > MAX_LINKS || target.startsWith('/') || target.includes('\0')) return ESCAPE;
        pending.unshift(...split(target));
        continue;
      }
      const last = pending.length === 0;
      if (s.isDirectory()) {
        const dir = await open(here, DIR_FLAGS).catch(() => null);
        if (dir === null) return MISSING;
        dirs.push(dir);
        names.push(name);
        if (last) return { kind: 'dir', rel: names.join('/') };
        continue;
      }
      if (!last) return MISSING; // a file used as a directory
      names.push(name);
      if (!s.isFile()) return { kind: 'other', rel: names.join('/') };
      const handle = await open(here, FILE_FLAGS).catch(() => null);
      return handle === null ? MISSING : { kind: 'file', handle, rel: names.join('/') };
    }
    return { kind: 'dir', rel: names.join('/') };
  } finally {
    for (const dir of dirs) await dir.close();
  }
}

const MISSING: Found = { kind: 'missing' };
const ESCAPE: Found = { kind: 'escape' };

function split(path: string): string[] {
  return path.split('/').filter((part) => part !== '' && part !== '.');
}
