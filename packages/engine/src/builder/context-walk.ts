/**
 * Walking a source tree the way a build context sees it: ignore files with gitignore semantics
 * (the `ignore` package), never `.git/`, only regular files, directories and symlinks that stay
 * inside the tree, followed to the end of their chain (./beneath.ts): a link that is fine on
 * its own but leads out through another link is left out. Breadth first, each directory sorted, so the top-level files a detector looks
 * for come first and the order is the same every time.
 */
import type { Stats } from 'node:fs';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { posix } from 'node:path';
import ignoreModule from 'ignore';
import { leavesRoot } from './beneath.js';
import type { Ignore } from 'ignore';

export type WalkEntry =
  | { kind: 'file'; rel: string; stats: Stats }
  | { kind: 'dir'; rel: string; stats: Stats }
  | { kind: 'symlink'; rel: string; stats: Stats; target: string };

export interface WalkOptions {
  ignoreFiles: readonly string[];
  /** Relative paths left out as if ignored (files the caller adds itself). */
  exclude?: ReadonlySet<string>;
}

export async function* walkContext(root: string, o: WalkOptions): AsyncGenerator<WalkEntry> {
  const rules = await loadIgnoreRules(root, o.ignoreFiles);
  const queue: string[] = [''];
  for (let dir = queue.shift(); dir !== undefined; dir = queue.shift()) {
    const names = (await readdir(posix.join(root, dir))).sort();
    for (const name of names) {
      const rel = dir === '' ? name : `${dir}/${name}`;
      if (rel === '.git' || o.exclude?.has(rel)) continue;
      const stats = await lstat(posix.join(root, rel));
      if (stats.isDirectory()) {
        if (rules.ignores(`${rel}/`)) continue;
        queue.push(rel);
        yield { kind: 'dir', rel, stats };
      } else if (rules.ignores(rel)) {
        continue;
      } else if (stats.isFile()) {
        yield { kind: 'file', rel, stats };
      } else if (stats.isSymbolicLink()) {
        const target = await readlink(posix.join(root, rel));
        if (isContainedLink(rel, target) && !(await leavesRoot(root, rel)))
          yield { kind: 'symlink', rel, stats, target };
      }
      // Sockets, fifos and devices have no place in a build context.
    }
  }
}

async function loadIgnoreRules(root: string, files: readonly string[]): Promise<Ignore> {
  // A CommonJS module typed as ESM: under NodeNext its default import is `module.exports`.
  const rules = ignoreModule.default();
  for (const file of files) {
    try {
      rules.add(await readFile(posix.join(root, file), 'utf8'));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  return rules;
}

/**
 * A symlink at `rel` pointing to `target` is contained on its own: the target is relative and,
 * resolved from the link's directory without following other links, does not climb out. Only a
 * first filter (the unpacker writes links before their targets exist): a chain of such links
 * can still lead out, which ./beneath.ts catches when a link is followed.
 */
export function isContainedLink(rel: string, target: string): boolean {
  if (target === '' || target.startsWith('/') || target.includes('\0')) return false;
  const resolved = posix.normalize(posix.join(posix.dirname(rel), target));
  return resolved !== '..' && !resolved.startsWith('../') && !posix.isAbsolute(resolved);
}

function isNotFound(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && err.code === 'ENOENT';
}
