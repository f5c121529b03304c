/**
 * Key derivation: one master key, a different working key per purpose.
 *
 * Guarantees: a key derived for one purpose is useless for any other (HKDF-SHA256 with the
 * purpose in `info`), so a ciphertext of one kind never opens as another, and the master key
 * itself is never used directly to encrypt or MAC anything.
 */
import { createHash, hkdfSync } from 'node:crypto';

/**
 * What a sealed value is for. Closed on purpose: a new kind of secret is a deliberate change
 * here, never a free-form string that a typo could turn into a different key.
 */
export type SecretPurpose =
  | 'app-secret'
  | 'registry-credential'
  | 'git-credential'
  | 'webhook-secret'
  | 'certificate-key'
  | 'backup-key'
  | 'notification-secret'
  | 'backup-target-credential'
  | 'database-credentials';

export const SECRET_PURPOSES: readonly SecretPurpose[] = [
  'app-secret',
  'registry-credential',
  'git-credential',
  'webhook-secret',
  'certificate-key',
  'backup-key',
  'notification-secret',
  'backup-target-credential',
  'database-credentials',
];

/**
 * Every purpose a key is derived for: the sealing ones, the startup key check, request digests,
 * and the seed of the Ed25519 key that signs the audit chain's head and checkpoints.
 */
export type KeyPurpose = SecretPurpose | 'key-check' | 'request-digest' | 'audit-signing';

/**
 * The HKDF salt: one constant for every Berth installation. Master keys are 32 uniformly random
 * bytes, so HKDF's extract step needs no secret or per-install salt (RFC 5869 §3.1); a fixed,
 * Berth-specific value still separates our derivations from anyone else's use of the same key.
 * It is sha256 of a versioned label so it has the hash's length and is easy to reproduce.
 */
export const HKDF_SALT: Buffer = createHash('sha256').update('berth/hkdf-salt/v1').digest();

export const hkdfInfo = (purpose: KeyPurpose): string => `berth/${purpose}/v1`;

/** A 32-byte working key for `purpose`, derived from a master key. */
export function deriveKey(masterKey: Buffer, purpose: KeyPurpose): Buffer {
  return Buffer.from(hkdfSync('sha256', masterKey, HKDF_SALT, hkdfInfo(purpose), 32));
}
