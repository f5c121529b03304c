/**
 * Config versions on disk, under nginx's prefix:
 *
 *   versions/v000007/nginx.conf, certs/…   what nginx reads (the managed files)
 *   versions/v000007/state.json            the EdgeState it was rendered from (published() reads it)
 *   versions/v000007/meta.json             number, hash of the managed files, time, cause
 *   versions/v000007/loaded                there once a reload of it was confirmed (or nginx started on it)
 *   current -> versions/v000007            the version nginx runs, swapped by rename
 *
 * A version directory is written whole before `current` points at it, and never changed after,
 * so a hash of its managed files tells a hand edit (drift) from what Berth wrote.
 */

import { createHash } from 'node:crypto';
import {
  lstat,
  mkdir,
  readdir,
  readFile,
  readlink,
  rename,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@berth/io';
import type { EdgeState } from '../types.js';
import type { RenderedFile } from './config.js';

export interface VersionMeta {
  version: number;
  /** sha256 of the managed files (paths, modes, contents). */
  hash: string;
  /** ISO time it was written. */
  createdAt: string;
  /** Why: `publish`, `rollback to 3`, `drift: restored 5`… */
  cause: string;
}

export const CURRENT_LINK = 'current';
export const VERSIONS_DIR = 'versions';
const META = 'meta.json';
const STATE = 'state.json';
const LOADED = 'loaded';
const VERSION_DIR = /^v(\d{6,})$/;

export const versionDirName = (version: number): string => `v${String(version).padStart(6, '0')}`;

/** The hash of a version's managed files, the same whether taken from the renderer or the disk. */
export function hashFiles(files: readonly RenderedFile[]): string {
  const h = createHash('sha256');
  for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    h.update(`${f.path}\0${(f.mode & 0o777).toString(8)}\0${Buffer.byteLength(f.content)}\0`);
    h.update(f.content);
  }
  return h.digest('hex');
}

export interface VersionStore {
  readonly prefix: string;
  dirOf(version: number): string;
  list(): Promise<VersionMeta[]>;
  /** The version `current` points at, or null (none yet, or `current` is not one of ours). */
  currentVersion(): Promise<number | null>;
  meta(version: number): Promise<VersionMeta>;
  state(version: number): Promise<EdgeState>;
  /** The managed files as they are on disk now. */
  filesOnDisk(version: number): Promise<RenderedFile[]>;
  /** Writes a new version directory (the next number) and returns its meta; `current` is untouched. */
  write(files: readonly RenderedFile[], state: EdgeState, cause: string, now: Date): Promise<VersionMeta>;
  /**
   * Marks the version as what nginx runs. A version `current` points at without the mark was
   * swapped in but its reload never confirmed (the agent died in between): it needs a reload.
   */
  markLoaded(version: number): Promise<void>;
  isLoaded(version: number): Promise<boolean>;
  /** Points `current` at the version, atomically (a new symlink renamed over the old one). */
  activate(version: number): Promise<void>;
  remove(version: number): Promise<void>;
  /** Removes the oldest versions beyond `keep`, never the current one. */
  prune(keep: number): Promise<void>;
}

export function createVersionStore(prefix: string): VersionStore {
  const versionsDir = join(prefix, VERSIONS_DIR);
  const dirOf = (version: number): string => join(versionsDir, versionDirName(version));

  async function numbers(): Promise<number[]> {
    const names = await readdir(versionsDir).catch(() => [] as string[]);
    return names
      .map((n) => VERSION_DIR.exec(n))
      .flatMap((m) => (m === null ? [] : [Number(m[1])]))
      .sort((a, b) => a - b);
  }

  async function meta(version: number): Promise<VersionMeta> {
    return JSON.parse(await readFile(join(dirOf(version), META), 'utf8')) as VersionMeta;
  }

  async function filesOnDisk(version: number): Promise<RenderedFile[]> {
    const root = dirOf(version);
    const out: RenderedFile[] = [];
    const walk = async (rel: string): Promise<void> => {
      for (const entry of await readdir(join(root, rel), { withFileTypes: true })) {
        const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
        if (rel === '' && [META, STATE, LOADED].includes(entry.name)) continue;
        if (entry.isDirectory()) await walk(path);
        else {
          // A symlink or device put in by hand is not followed: it hashes as a marker, so it shows as drift.
          const st = await lstat(join(root, path));
          const content = st.isFile()
            ? await readFile(join(root, path), 'utf8')
            : `<${entry.isSymbolicLink() ? 'symlink' : 'special'}>`;
          out.push({ path, content, mode: st.isFile() ? st.mode & 0o777 : 0 });
        }
      }
    };
    await walk('');
    return out;
  }

  async function currentVersion(): Promise<number | null> {
    const target = await readlink(join(prefix, CURRENT_LINK)).catch(() => null);
    const m = target === null ? null : /^versions\/v(\d{6,})$/.exec(target);
    return m === null ? null : Number(m[1]);
  }

  const remove = (version: number): Promise<void> => rm(dirOf(version), { recursive: true, force: true });

  return {
    prefix,
    dirOf,
    async list() {
      const out: VersionMeta[] = [];
      for (const n of await numbers()) {
        // A directory whose meta is unreadable (half-written before a crash) is not a version.
        const m = await meta(n).catch(() => null);
        if (m !== null) out.push(m);
      }
      return out;
    },
    currentVersion,
    meta,
    async state(version) {
      return JSON.parse(await readFile(join(dirOf(version), STATE), 'utf8')) as EdgeState;
    },
    filesOnDisk,
    async write(files, state, cause, now) {
      await mkdir(versionsDir, { recursive: true, mode: 0o700 });
      const existing = await numbers();
      const version = (existing.at(-1) ?? 0) + 1;
      const dir = dirOf(version);
      // A leftover of a crashed write under the same number is not a version: start it afresh.
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { mode: 0o700 });
      for (const f of files) {
        const path = join(dir, f.path);
        await mkdir(join(path, '..'), { recursive: true, mode: 0o700 });
        await writeFile(path, f.content, { mode: f.mode, flag: 'wx' });
      }
      await writeFile(join(dir, STATE), `${JSON.stringify(state)}\n`, { mode: 0o600, flag: 'wx' });
      const m: VersionMeta = { version, hash: hashFiles(files), createdAt: now.toISOString(), cause };
      // meta.json last: a directory without it is not a version (list() skips it).
      await writeFileAtomic(join(dir, META), `${JSON.stringify(m)}\n`);
      return m;
    },
    async activate(version) {
      await stat(dirOf(version));
      const tmp = join(prefix, `.${CURRENT_LINK}.${process.pid}.tmp`);
      await rm(tmp, { force: true });
      await symlink(`${VERSIONS_DIR}/${versionDirName(version)}`, tmp);
      await rename(tmp, join(prefix, CURRENT_LINK));
    },
    remove,
    async markLoaded(version) {
      await writeFile(join(dirOf(version), LOADED), '', { mode: 0o600 });
    },
    async isLoaded(version) {
      return stat(join(dirOf(version), LOADED)).then(
        () => true,
        () => false,
      );
    },
    async prune(keep) {
      const current = await currentVersion();
      const all = await numbers();
      for (const n of all.slice(0, Math.max(0, all.length - keep))) if (n !== current) await remove(n);
    },
  };
}
