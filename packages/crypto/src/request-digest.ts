/**
 * Keyed digests of requests that carry secrets (for idempotency: is a retry the same request?).
 *
 * Guarantees: the digest is HMAC-SHA256 under a key derived for `request-digest` from the current
 * master key, so a digest stored in the database cannot be brute-forced offline to recover a
 * low-entropy secret the request carried, as a plain hash could.
 */
import { createHmac } from 'node:crypto';
import { deriveKey } from './kdf.js';
import type { Keyring } from './keyring.js';

export function requestDigest(keyring: Keyring, data: string): string {
  return createHmac('sha256', deriveKey(keyring.key(keyring.currentId), 'request-digest'))
    .update(data)
    .digest('hex');
}
