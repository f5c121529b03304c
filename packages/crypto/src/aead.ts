/**
 * Secrets at rest: AES-256-GCM under per-purpose keys derived from the master keyring.
 *
 * Guarantees:
 * - a fresh random 96-bit nonce per value; `value` = base64(nonce ‖ ciphertext ‖ 16-byte tag);
 * - the key is HKDF-SHA256(master key, HKDF_SALT, `berth/<purpose>/v1`): a value sealed for one
 *   purpose never opens for another;
 * - `aad` binds a value to its place (e.g. `app:<id>:<KEY>`): copied to another row, it does
 *   not open;
 * - the sealing key's id is returned beside the value, so old values open after a rotation;
 * - open() returns the original plaintext or throws a BerthError: any changed bit, a wrong key,
 *   purpose or aad fails the tag check. It never returns garbage.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { BerthError } from '@berth/protocol';
import { decodeBase64Strict } from './encoding.js';
import { deriveKey } from './kdf.js';
import type { SecretPurpose } from './kdf.js';
import type { Keyring } from './keyring.js';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** A sealed value as stored: which master key sealed it, and the sealed bytes. */
export interface SealedValue {
  keyId: string;
  value: string;
}

export interface SecretBox {
  /** Seals under the keyring's current key. */
  seal(purpose: SecretPurpose, plaintext: string, aad: string): SealedValue;
  /** Opens a value sealed by seal() with the same purpose and aad, under any key of the keyring. */
  open(purpose: SecretPurpose, sealed: SealedValue, aad: string): string;
}

export function createSecretBox(keyring: Keyring): SecretBox {
  // HKDF is cheap, but a rotation re-seals every value: derive each (key, purpose) once.
  const derived = new Map<string, Buffer>();
  const keyFor = (keyId: string, purpose: SecretPurpose): Buffer => {
    const cacheKey = `${keyId}/${purpose}`;
    let key = derived.get(cacheKey);
    if (key === undefined) {
      key = deriveKey(keyring.key(keyId), purpose);
      derived.set(cacheKey, key);
    }
    return key;
  };

  return {
    seal(purpose, plaintext, aad) {
      const keyId = keyring.currentId;
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv('aes-256-gcm', keyFor(keyId, purpose), nonce, {
        authTagLength: TAG_BYTES,
      });
      cipher.setAAD(Buffer.from(aad, 'utf8'));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return { keyId, value: Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64') };
    },

    open(purpose, sealed, aad) {
      const { keyId, value } = sealed;
      if (!keyring.has(keyId)) {
        throw new BerthError(
          'INTERNAL',
          `cannot decrypt a ${purpose} value: it was sealed with master key ${keyId}, which is missing from the keyring (${keyring.ids().join(', ')})`,
          { hint: `restore the key file that holds ${keyId} from your backup` },
        );
      }
      const bytes = decodeBase64Strict(value);
      if (bytes === null || bytes.length < NONCE_BYTES + TAG_BYTES) throw cannotDecrypt(purpose, keyId);
      const nonce = bytes.subarray(0, NONCE_BYTES);
      const body = bytes.subarray(NONCE_BYTES, bytes.length - TAG_BYTES);
      const tag = bytes.subarray(bytes.length - TAG_BYTES);
      const decipher = createDecipheriv('aes-256-gcm', keyFor(keyId, purpose), nonce, {
        authTagLength: TAG_BYTES,
      });
      decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(tag);
      try {
        // final() checks the tag; nothing from update() is used unless it passes.
        const plain = Buffer.concat([decipher.update(body), decipher.final()]);
        return plain.toString('utf8');
      } catch {
        throw cannotDecrypt(purpose, keyId);
      }
    },
  };
}

function cannotDecrypt(purpose: SecretPurpose, keyId: string): BerthError {
  return new BerthError(
    'INTERNAL',
    `cannot decrypt a ${purpose} value sealed with master key ${keyId} (wrong master key or the value was altered)`,
    { hint: 'check that berthd runs with the master key this database was created with' },
  );
}
