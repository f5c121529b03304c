/**
 * Names of objects on a backup target, and the prefix a target keeps them under. The same rules
 * for a directory (where a key becomes a path) and for S3 (where a key is sent as a URL path):
 * segments of letters, digits, `.`, `_`, `-` joined by `/`, each starting with a letter or
 * digit. So no `..`, no `.` segment, no hidden file (the directory target's temp files start
 * with a dot and can never be taken for an object), no absolute path, no NUL, no percent,
 * space, quote or shell character, whatever the target does with it.
 */
import { BerthError } from '@berth/protocol';

const SEGMENT = '[A-Za-z0-9][A-Za-z0-9._-]{0,127}';
const KEY = new RegExp(`^${SEGMENT}(?:/${SEGMENT})*$`);
/** A prefix is empty, or segments each followed by `/` (`berth/`, `team-1/db/`). */
const PREFIX = new RegExp(`^(?:${SEGMENT}/)*$`);
const MAX_KEY_LENGTH = 512;
const MAX_PREFIX_LENGTH = 256;

const refuse = (path: string, message: string, value: unknown): BerthError =>
  new BerthError(
    'VALIDATION_FAILED',
    `${path} ${message}${typeof value === 'string' ? `, got ${JSON.stringify(value.slice(0, 80))}` : ''}`,
    { issues: [{ path, message }] },
  );

/** An object key: `db-main/2026-12-03T030000Z-bak_1.berth`. */
export function parseObjectKey(value: unknown, path = 'key'): string {
  if (typeof value === 'string' && value.length <= MAX_KEY_LENGTH && KEY.test(value)) return value;
  throw refuse(
    path,
    `must be up to ${MAX_KEY_LENGTH} characters of "/"-separated parts, each of letters, digits, ".", "_" or "-" starting with a letter or digit`,
    value,
  );
}

/** A target's prefix: empty or ending in `/` (`berth/`). */
export function parseObjectPrefix(value: unknown, path = 'prefix'): string {
  if (typeof value === 'string' && value.length <= MAX_PREFIX_LENGTH && PREFIX.test(value)) return value;
  throw refuse(
    path,
    `must be empty or up to ${MAX_PREFIX_LENGTH} characters of parts ending in "/" (like berth/ or team/db/), each of letters, digits, ".", "_" or "-" starting with a letter or digit`,
    value,
  );
}

/**
 * What list() may be asked for: a prefix of keys, ending anywhere (`db-main/2026-`), in the
 * same alphabet; empty lists everything.
 */
export function parseListPrefix(value: unknown, path = 'prefix'): string {
  if (
    typeof value === 'string' &&
    (value === '' ||
      (value.length <= MAX_KEY_LENGTH &&
        /^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(value) &&
        !value.includes('//') &&
        value.split('/').every((segment) => !segment.startsWith('.'))))
  ) {
    return value;
  }
  throw refuse(path, 'must be the start of an object key (letters, digits, ".", "_", "-", "/")', value);
}
