import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fchmodSync,
  fchownSync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { link, mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Files that readers and crashes only ever see whole. Every write goes to a temp file of its own
 * beside the target (created exclusively, so two writers can never share one), which is fsynced,
 * then renamed over the target; the directory is fsynced last, because the rename itself is
 * durable only once the directory entry is on disk. A crash leaves the old file or the new one,
 * never half of one; a failed write leaves no temp file behind.
 */
export interface AtomicWriteOptions {
  /** The file's mode, exactly (not filtered by the umask). Default 0600: most of what Berth keeps is private. */
  mode?: number;
  /** Who owns the file; set before it takes its name, so it is never seen with the wrong owner. */
  owner?: { uid: number; gid: number };
  /** Creates the parent directory (and its parents) with this mode when it is missing. */
  dirMode?: number;
}

const DEFAULT_MODE = 0o600;

/** `.name.<pid>.<random>.tmp`: hidden, and never the same for two writes. */
function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/** Replaces (or creates) `path` with `data`, atomically and durably. */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  await publish(path, data, options, (tmp) => rename(tmp, path));
}

/**
 * Creates `path` with `data` unless it exists, atomically and durably; true when this call made
 * it. For files two processes may create at once where the first one must win (a key: each
 * writer would otherwise put its own in place).
 */
export async function createFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<boolean> {
  let created = true;
  await publish(path, data, options, async (tmp) => {
    // link() fails when the target exists, where rename() would silently replace it.
    await link(tmp, path).catch((e: unknown) => {
      if (!isErrno(e, 'EEXIST')) throw e;
      created = false;
    });
  });
  return created;
}

async function publish(
  path: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions,
  place: (tmp: string) => Promise<void>,
): Promise<void> {
  const dir = dirname(path);
  if (options.dirMode !== undefined) await mkdir(dir, { recursive: true, mode: options.dirMode });
  const tmp = tempPathFor(path);
  const mode = options.mode ?? DEFAULT_MODE;
  const handle = await open(tmp, 'wx', mode);
  try {
    try {
      await handle.writeFile(data);
      if (options.owner) await handle.chown(options.owner.uid, options.owner.gid);
      await handle.chmod(mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await place(tmp);
  } finally {
    // Gone already after a rename; after a link or a failure, the temp file must not stay.
    await rm(tmp, { force: true });
  }
  await syncDirectory(dir);
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** writeFileAtomic for synchronous callers (the CLI's small files). */
export function writeFileAtomicSync(
  path: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): void {
  const dir = dirname(path);
  if (options.dirMode !== undefined) mkdirSync(dir, { recursive: true, mode: options.dirMode });
  const tmp = tempPathFor(path);
  const mode = options.mode ?? DEFAULT_MODE;
  try {
    const fd = openSync(tmp, 'wx', mode);
    try {
      writeFileSync(fd, data);
      if (options.owner) fchownSync(fd, options.owner.uid, options.owner.gid);
      fchmodSync(fd, mode);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } finally {
    rmSync(tmp, { force: true });
  }
  const dirFd = openSync(dir, 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}

export interface AtomicFile {
  /** Writes land in call order, so what the last call wrote is what stays on disk. */
  write(data: string | Uint8Array): Promise<void>;
}

/**
 * One file a process rewrites often, from several places at once (the agent's memory). Unique
 * temp files alone would let an older write's rename land after a newer one's.
 */
export function createAtomicFile(path: string, options: AtomicWriteOptions = {}): AtomicFile {
  let previous: Promise<void> = Promise.resolve();
  return {
    write(data) {
      const next = previous.then(() => writeFileAtomic(path, data, options));
      previous = next.catch(() => undefined);
      return next;
    },
  };
}

function isErrno(e: unknown, code: string): boolean {
  return e instanceof Error && 'code' in e && e.code === code;
}
