import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

/**
 * The path of an executable named `name` in the directories of `path` (a PATH value) and then in
 * `alsoIn`, or null: what a shell would run, found without a shell.
 */
export async function findExecutable(
  name: string,
  path: string,
  alsoIn: readonly string[] = [],
): Promise<string | null> {
  for (const dir of [...path.split(delimiter).filter(Boolean), ...alsoIn]) {
    const file = join(dir, name);
    try {
      await access(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return null;
}
