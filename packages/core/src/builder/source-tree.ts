import { BerthError } from '@berth/protocol';
import type { SourceTree } from './build-plan.js';

export const hasFile = (tree: SourceTree, path: string): boolean =>
  tree.files.has(path) || tree.contents.has(path);

/** The contents of a detection file, or null when the tree has no such file. */
export function readDetectionFile(tree: SourceTree, path: string): string | null {
  const text = tree.contents.get(path);
  if (text !== undefined) return text;
  if (!tree.files.has(path)) return null;
  // Listed but not read means the caller skipped it (too large, unreadable): guessing would mislead.
  throw new BerthError('BUILD_DETECTION_FAILED', `${path} is in the source but its contents were not read`, {
    hint: `Make sure ${path} is a regular file of reasonable size.`,
  });
}

/** `./src/./a.js` and `src/a.js` name the same file; the tree lists the second form. */
export const normalizeRelPath = (path: string): string =>
  path
    .split('/')
    .filter((segment) => segment !== '.' && segment !== '')
    .join('/');
