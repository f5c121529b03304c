/**
 * A volume's tree as a tar stream (files, directories and symlinks, with modes and owners), and
 * the summary of what went in, computed from the very bytes that were archived. A file that
 * shrinks while it is read fails the archive (its tar entry would be short); one that grows is
 * archived at the size it had when it was opened.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { BerthError } from '@berth/protocol';
import { createTarPack } from '../builder/tar.js';
import { openTreeRoot, TreeHasher, walkTree, type TreeSummary } from './tree-walk.js';

export interface TreeArchive {
  /** The tar stream; fails when the walk does. */
  stream: Readable;
  /** Settles once the stream has ended: what it holds, and what was left out (`path: why`). */
  done: Promise<{ summary: TreeSummary; skipped: string[] }>;
}

export function archiveTree(root: string): TreeArchive {
  const pack = createTarPack();
  const hasher = new TreeHasher();
  const skipped: string[] = [];
  const done = (async () => {
    const dir = await openTreeRoot(root);
    try {
      for await (const entry of walkTree(dir, (p, why) => skipped.push(`${p}: ${why}`))) {
        const header = {
          name: entry.path,
          mode: entry.mode,
          uid: entry.uid,
          gid: entry.gid,
          mtime: entry.mtime,
        };
        if (entry.type === 'directory') {
          await addEntry(pack, { ...header, type: 'directory' });
          hasher.add(entry);
        } else if (entry.type === 'symlink') {
          await addEntry(pack, { ...header, type: 'symlink', linkname: entry.linkname });
          hasher.add(entry);
        } else {
          const hash = createHash('sha256');
          try {
            const size = entry.size;
            let read = 0;
            const sink = pack.entry({ ...header, type: 'file', size }, () => undefined);
            const counted = new Transform({
              transform(chunk: Buffer, _enc, cb) {
                const part = chunk.subarray(0, Math.max(0, size - read));
                read += part.length;
                hash.update(part);
                cb(null, part);
              },
              flush(cb) {
                cb(
                  read === size
                    ? null
                    : new BerthError(
                        'INTERNAL',
                        `${entry.path} shrank while it was backed up (${read} of ${size} bytes)`,
                      ),
                );
              },
            });
            await pipeline(
              entry.handle.createReadStream({ autoClose: false, end: Math.max(0, size - 1), start: 0 }),
              counted,
              sink,
            );
          } finally {
            await entry.handle.close();
          }
          hasher.add({ ...entry, contentSha256: hash.digest('hex') });
        }
      }
      pack.finalize();
      return { summary: hasher.summary(), skipped };
    } catch (e) {
      pack.destroy(e instanceof Error ? e : new Error(String(e)));
      throw e;
    } finally {
      await dir.close();
    }
  })();
  done.catch(() => undefined);
  return { stream: pack, done };
}

function addEntry(
  pack: ReturnType<typeof createTarPack>,
  header: Parameters<ReturnType<typeof createTarPack>['entry']>[0],
) {
  return new Promise<void>((resolve, reject) => {
    pack.entry(header, '', (err) => (err ? reject(err) : resolve()));
  });
}
