/**
 * The registry's htpasswd file. Debian's docker-registry (distribution 2.8) accepts bcrypt
 * entries only (`$2a$`/`$2b$`/`$2y$`); bcryptjs writes `$2b$` without apache2-utils.
 * distribution checks the password with bcrypt on EVERY request, and a push is dozens of
 * requests, so the cost is low on purpose: the passwords are long and random (made by Berth for
 * each agent, at least 16 characters enforced here), so the hash's work factor is not what keeps
 * them from being guessed.
 */
import bcrypt from 'bcryptjs';
import { BerthError } from '@berth/protocol';

export interface RegistryUser {
  name: string;
  password: string;
}

export const REGISTRY_USER_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const MIN_PASSWORD = 16;
/** bcrypt reads only the first 72 bytes: a longer password would be silently cut. */
const MAX_PASSWORD_BYTES = 72;
const BCRYPT_COST = 6;

export function checkRegistryUsers(users: readonly RegistryUser[]): void {
  const seen = new Set<string>();
  for (const user of users) {
    if (!REGISTRY_USER_NAME.test(user.name)) {
      throw new BerthError('VALIDATION_FAILED', `Invalid registry user name: ${JSON.stringify(user.name)}`, {
        hint: 'Use lowercase letters, digits, ".", "_" and "-" (at most 64).',
      });
    }
    if (seen.has(user.name)) {
      throw new BerthError('VALIDATION_FAILED', `Registry user ${user.name} is listed twice`);
    }
    seen.add(user.name);
    const bytes = Buffer.byteLength(user.password);
    if (user.password.length < MIN_PASSWORD || bytes > MAX_PASSWORD_BYTES || /[\0\r\n]/.test(user.password)) {
      throw new BerthError(
        'VALIDATION_FAILED',
        `The registry password of ${user.name} must be ${MIN_PASSWORD} to ${MAX_PASSWORD_BYTES} bytes on one line`,
      );
    }
  }
}

/**
 * `name:bcrypt-hash` lines. `hashed` (kept by the caller across calls) holds each user's line for
 * the password it was made from, so rewriting the file for one new server hashes only that one.
 */
export async function renderHtpasswd(
  users: readonly RegistryUser[],
  hashed: Map<string, { password: string; line: string }> = new Map(),
): Promise<string> {
  checkRegistryUsers(users);
  const lines = await Promise.all(
    users.map(async (user) => {
      const known = hashed.get(user.name);
      if (known?.password === user.password) return known.line;
      const line = `${user.name}:${await bcrypt.hash(user.password, BCRYPT_COST)}`;
      hashed.set(user.name, { password: user.password, line });
      return line;
    }),
  );
  return lines.map((line) => `${line}\n`).join('');
}
