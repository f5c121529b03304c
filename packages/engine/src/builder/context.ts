/**
 * Build contexts as tar streams: the agent packs a fetched source (plus the generated
 * Dockerfile) for POST /build, and the CLI packs a local dir for `berth deploy --from-dir`,
 * which the server unpacks with ./context-unpack.ts.
 */
import { constants } from 'node:fs';
import { lstat, open } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { PassThrough } from 'node:stream';
import type { Readable } from 'node:stream';
import { BerthError, REL_PATH_PATTERN } from '@berth/protocol';
import { resolveBeneath } from './beneath.js';
import { walkContext } from './context-walk.js';
import type { WalkEntry } from './context-walk.js';
import { createTarPack } from './tar.js';
import type { TarHeader, TarPack } from './tar.js';

export { unpackArchive } from './context-unpack.js';
export type { UnpackOptions } from './context-unpack.js';

export interface PackOptions {
  /** Read from the dir's root, e.g. ['.gitignore', '.dockerignore']; gitignore semantics. */
  ignoreFiles: string[];
  /** Added last, e.g. the generated Dockerfile; a file of the same name in the dir is left out. */
  extraFiles?: Record<string, string>;
  /**
   * Files packed even when an ignore file excludes them, as Docker always sends the Dockerfile:
   * a `.dockerignore` listing `Dockerfile` must not break the build.
   */
  alwaysInclude?: string[];
  /** Limit on the bytes of file content; more fails the pack with VALIDATION_FAILED. */
  maxBytes?: number;
}

export interface PackStats {
  files: number;
  bytes: number;
}

/** Files are owned by root in the image, whoever owns them here. */
const OWNER = { uid: 0, gid: 0 };

export function packDirectory(dir: string, o: PackOptions): { stream: Readable; done: Promise<PackStats> } {
  const extra = Object.entries(o.extraFiles ?? {});
  for (const [name] of extra) {
    if (!REL_PATH_PATTERN.test(name)) {
      throw new BerthError(
        'VALIDATION_FAILED',
        `Invalid file name for a build context: ${JSON.stringify(name)}`,
      );
    }
  }
  const pack = createTarPack();
  // tar-stream's streams are readable-stream 3 objects, whose failure Node's stream.pipeline
  // does not notice once it happened; a core stream in front of it keeps its error (`errored`).
  const stream = new PassThrough();
  pack.pipe(stream);
  // A reader that gives up (a refused or cancelled build) stops the packing and its open files.
  stream.once('close', () => pack.destroy());
  // tar-stream fails the whole pack, not only the entry, when a file changes size while read.
  const packFailed = new Promise<never>((_, reject) => pack.once('error', reject));
  const done = Promise.race([fill(pack, dir, o, extra), packFailed]).then(
    (stats) => {
      pack.finalize();
      return stats;
    },
    (err: unknown) => {
      const error = toPackError(err);
      pack.unpipe(stream);
      stream.destroy(error);
      pack.destroy();
      throw error;
    },
  );
  // The stream reports the failure to its reader; `done` must not also be an unhandled rejection.
  done.catch(() => undefined);
  return { stream, done };
}

function toPackError(err: unknown): Error {
  if (err instanceof BerthError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (/size mismatch/.test(message)) {
    return new BerthError('INTERNAL', 'A file changed while the build context was packed; try again', {
      cause: err,
    });
  }
  return err instanceof Error ? err : new Error(message);
}

async function fill(
  pack: TarPack,
  dir: string,
  o: PackOptions,
  extra: [string, string][],
): Promise<PackStats> {
  const maxBytes = o.maxBytes ?? Number.POSITIVE_INFINITY;
  const stats: PackStats = { files: 0, bytes: 0 };
  const count = (size: number, name: string): void => {
    stats.files++;
    stats.bytes += size;
    if (stats.bytes > maxBytes) {
      throw new BerthError(
        'VALIDATION_FAILED',
        `The build context is larger than ${maxBytes} bytes (at ${name})`,
        {
          hint: 'List large files and directories you do not need in the build (node_modules, build output, data) in .dockerignore.',
        },
      );
    }
  };
  const exclude = new Set(extra.map(([name]) => name));
  const missing = new Set((o.alwaysInclude ?? []).filter((name) => !exclude.has(name)));
  for await (const entry of walkContext(dir, { ignoreFiles: o.ignoreFiles, exclude })) {
    if (entry.kind === 'file') count(entry.stats.size, entry.rel);
    missing.delete(entry.rel);
    await addEntry(pack, dir, entry);
  }
  for (const wanted of missing) {
    // Resolved beneath the root: a path through links leads to the file they name inside, never out.
    const rel = REL_PATH_PATTERN.test(wanted) ? await resolveBeneath(dir, wanted) : null;
    const stats = rel === null ? null : await lstat(`${dir}/${rel}`).catch(() => null);
    if (rel === null || !stats?.isFile()) continue;
    count(stats.size, rel);
    await addEntry(pack, dir, { kind: 'file', rel, stats });
  }
  for (const [name, content] of extra) {
    const body = Buffer.from(content, 'utf8');
    count(body.length, name);
    await addBuffer(pack, { name, type: 'file', mode: 0o644, mtime: new Date(0), ...OWNER }, body);
  }
  return stats;
}

async function addEntry(pack: TarPack, dir: string, entry: WalkEntry): Promise<void> {
  const base = { name: entry.rel, mode: entry.stats.mode & 0o777, mtime: entry.stats.mtime, ...OWNER };
  switch (entry.kind) {
    case 'dir':
      return addBuffer(pack, { ...base, type: 'directory' }, Buffer.alloc(0));
    case 'symlink':
      return addBuffer(pack, { ...base, type: 'symlink', linkname: entry.target }, Buffer.alloc(0));
    case 'file':
      // The entry's callback fires once `size` bytes went in (or with an error if the file changed).
      return new Promise((resolve, reject) => {
        const sink = pack.entry({ ...base, type: 'file', size: entry.stats.size }, (err) =>
          err ? reject(err) : resolve(),
        );
        // O_NOFOLLOW: the walk saw a file here; whatever replaced it since is not followed.
        open(`${dir}/${entry.rel}`, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK)
          .then((handle) => pipeline(handle.createReadStream(), sink))
          .catch(reject);
      });
  }
}

function addBuffer(pack: TarPack, header: TarHeader, body: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry(header, body, (err) => (err ? reject(err) : resolve()));
  });
}

/** Relative posix paths of the files (and contained symlinks) of a source tree, for detection. */
export async function listFiles(dir: string, o: { ignoreFiles: string[]; max: number }): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of walkContext(dir, { ignoreFiles: o.ignoreFiles })) {
    if (files.length >= o.max) break;
    if (entry.kind !== 'dir') files.push(entry.rel);
  }
  return files;
}
