import type { SecretBox } from '@berth/crypto';
import type { DatabaseCredentials } from '@berth/core';
import { DATABASE_PASSWORD_PATTERN } from '@berth/core';
import { BerthError } from '@berth/protocol';

/**
 * A database's credentials as one value sealed under the master key, bound to the database's
 * id (the AAD), so a sealed value copied onto another row does not open.
 */
export const databaseCredentialsAad = (databaseId: string): string =>
  `berth/database-credentials:${databaseId}`;

export function sealCredentials(
  box: SecretBox,
  databaseId: string,
  credentials: DatabaseCredentials,
): { value: string; keyId: string } {
  return box.seal('database-credentials', JSON.stringify(credentials), databaseCredentialsAad(databaseId));
}

export function openCredentials(
  box: SecretBox,
  databaseId: string,
  sealed: { value: string; keyId: string },
): DatabaseCredentials {
  const parsed: unknown = JSON.parse(
    box.open('database-credentials', sealed, databaseCredentialsAad(databaseId)),
  );
  if (
    typeof parsed === 'object' &&
    parsed !== null &&
    'user' in parsed &&
    'password' in parsed &&
    'database' in parsed &&
    typeof parsed.user === 'string' &&
    typeof parsed.database === 'string' &&
    typeof parsed.password === 'string' &&
    DATABASE_PASSWORD_PATTERN.test(parsed.password)
  )
    return { user: parsed.user, password: parsed.password, database: parsed.database };
  throw new BerthError('INTERNAL', `The credentials of database ${databaseId} do not open as credentials`);
}
