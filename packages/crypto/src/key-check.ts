/**
 * Key checks: how berthd tells at startup that its master key belongs to its database.
 *
 * Guarantees: a key check is a fixed MAC (HMAC-SHA256 of a constant label under a key derived
 * for `key-check`), stable for a key and different for every other key. It is safe to store
 * beside the data: it reveals nothing about the key. A mismatch is a clear startup error, so a
 * wrong key never shows up later as a pile of values that fail to open.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { BerthError } from '@berth/protocol';
import { deriveKey } from './kdf.js';
import type { Keyring } from './keyring.js';

const LABEL = 'berth master key check v1';

/** The check value for key `id` of the keyring: store it in the database beside the key id. */
export function keyCheck(keyring: Keyring, id: string): string {
  return createHmac('sha256', deriveKey(keyring.key(id), 'key-check'))
    .update(LABEL)
    .digest('hex');
}

/** True when the keyring holds key `id` and it produces the stored check. */
export function verifyKeyCheck(keyring: Keyring, id: string, stored: string): boolean {
  if (!keyring.has(id)) return false;
  const expected = Buffer.from(keyCheck(keyring, id), 'utf8');
  const actual = Buffer.from(stored, 'utf8');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

export interface StoredKeyCheck {
  keyId: string;
  check: string;
}

/**
 * Throws a clear error unless the keyring fits the database's stored checks: every stored key
 * the keyring holds must verify, and when the database has checks at all, the keyring must hold
 * at least one of those keys. An empty list (a new database) always fits.
 */
export function assertKeyringMatches(keyring: Keyring, stored: readonly StoredKeyCheck[]): void {
  if (stored.length === 0) return;
  const known = stored.filter((s) => keyring.has(s.keyId));
  const storedIds = stored.map((s) => s.keyId).join(', ');
  const hint =
    'start berthd with the master key this database was created with (the key file from your backup, or BERTH_MASTER_KEY)';
  if (known.length === 0) {
    throw new BerthError(
      'INTERNAL',
      `wrong master key: this database's values were sealed with ${storedIds}, but the keyring (${keyring.source}) holds ${keyring.ids().join(', ')}`,
      { hint },
    );
  }
  const bad = known.find((s) => !verifyKeyCheck(keyring, s.keyId, s.check));
  if (bad !== undefined) {
    throw new BerthError(
      'INTERNAL',
      `wrong master key: key ${bad.keyId} in the keyring does not match the key check stored in the database`,
      { hint },
    );
  }
}
