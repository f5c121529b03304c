import { BerthError, type DatabaseEngine } from '@berth/protocol';
import { DATABASE_PASSWORD_PATTERN, type DatabaseCredentials } from './credentials.js';
import { DATABASE_ENGINE_INFO } from './engines.js';

/** A host name of DNS labels, or an IPv4 address: what berthd gives as a database's private host. */
const HOST_PATTERN =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/**
 * The URL an app connects with (what `berth db link` puts into the app as a secret):
 * `postgres://app:…@host:5432/app`, `mysql://app:…@host:3306/app`, `redis://default:…@host:6379/0`.
 * Every part is checked, so the URL cannot be bent by what it is made of.
 */
export function databaseConnectionUrl(
  engine: DatabaseEngine,
  credentials: DatabaseCredentials,
  address: { host: string; port?: number },
): string {
  const info = DATABASE_ENGINE_INFO[engine];
  if (!HOST_PATTERN.test(address.host))
    throw new BerthError(
      'INTERNAL',
      `A database host must be a DNS name or IPv4 address, got "${address.host}"`,
    );
  const port = address.port ?? info.port;
  if (!Number.isInteger(port) || port < 1 || port > 65_535)
    throw new BerthError('INTERNAL', `A database port must be 1-65535, got ${port}`);
  if (!DATABASE_PASSWORD_PATTERN.test(credentials.password))
    throw new BerthError('INTERNAL', 'A database password must be 32 letters and digits');
  const password = encodeURIComponent(credentials.password);
  if (engine === 'redis') return `redis://default:${password}@${address.host}:${port}/0`;
  const user = encodeURIComponent(credentials.user);
  const database = encodeURIComponent(credentials.database);
  return `${info.scheme}://${user}:${password}@${address.host}:${port}/${database}`;
}
