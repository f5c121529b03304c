import { APP_NAME_PATTERN } from '@berth/protocol';

/**
 * Why `name` cannot name a database, in words a person can act on; null when it can. A
 * database's name is a DNS label like an app's: it is shown, stored and used to find the row,
 * never put into a shell, a SQL string, an engine name or a path (those are Berth's own words),
 * but it is checked as strictly as if it were, so `x; rm -rf /`, `../`, `$(…)` and quotes are
 * refused before anything is written.
 */
export function databaseNameProblem(name: string): string | null {
  if (name.length === 0) return 'must not be empty';
  if (name.length > 32) return 'must be at most 32 characters';
  if (!APP_NAME_PATTERN.test(name))
    return 'must be lowercase letters, digits and hyphens, start with a letter and not end with a hyphen';
  if (name.includes('--')) return 'must not contain two hyphens in a row';
  return null;
}
