/**
 * How a backup's data key reaches the one party that may decrypt it. Agents make backups but
 * must never read one back (a compromised server would otherwise read every backup of the fleet
 * on the target), so:
 *
 * - berthd holds one X25519 "backup key" pair. Its public key goes to agents; its private key
 *   (PKCS#8 PEM) is stored only sealed under the master key (secret box, purpose `backup-key`,
 *   aad `backup-key:<recipient key id>`), so rotating the master key re-seals it like any secret.
 * - Each backup gets a fresh random 256-bit data key, wrapped with sealFor (ephemeral X25519 +
 *   HKDF + AES-256-GCM) to berthd's public key, with aad `berth/backup-key/v1:<backup id>`: a
 *   wrapped key copied into another backup's header does not open for that backup.
 * - The recipient key id (8 bytes of sha256 of the public key's SPKI DER) is written beside the
 *   wrapped key, so after berthd replaces its backup key it still knows which key opens an old
 *   backup.
 */
import { createHash, randomBytes } from 'node:crypto';
import { BerthError } from '@berth/protocol';
import type { SealedValue, SecretBox } from '../aead.js';
import { decodeBase64Strict } from '../encoding.js';
import {
  generateSealingKeyPair,
  openSealed,
  parseSealingPublicKey,
  sealFor,
  sealingPublicKeyOf,
} from '../sealing.js';

export const DATA_KEY_BYTES = 32;

const wrapAad = (backupId: string): string => `berth/backup-key/v1:${backupId}`;
const privateKeyAad = (recipientKeyId: string): string => `backup-key:${recipientKeyId}`;

/** Hex of the first 8 bytes of sha256 over the SPKI DER of a backup public key. */
export function backupRecipientKeyId(publicKey: string): string {
  const der = Buffer.from(parseSealingPublicKey(publicKey, 'recipientPublicKey'), 'base64');
  return createHash('sha256').update(der).digest().subarray(0, 8).toString('hex');
}

export const newDataKey = (): Buffer => randomBytes(DATA_KEY_BYTES);

export function wrapDataKey(recipientPublicKey: string, backupId: string, dataKey: Buffer): string {
  return sealFor(recipientPublicKey, dataKey.toString('base64'), wrapAad(backupId));
}

/** The data key of a backup, or BACKUP_INTEGRITY_FAILED when this private key cannot open it. */
export function unwrapDataKey(privateKeyPem: string, backupId: string, wrappedKey: string): Buffer {
  let encoded: string;
  try {
    encoded = openSealed(privateKeyPem, wrappedKey, wrapAad(backupId));
  } catch (cause) {
    throw new BerthError(
      'BACKUP_INTEGRITY_FAILED',
      `the data key of backup ${backupId} does not open with this backup key: the object was altered, belongs to another backup, or was made for another key`,
      { cause, hint: "compare the backup's recipient key id with berthd's backup keys" },
    );
  }
  const key = decodeBase64Strict(encoded);
  if (key === null || key.length !== DATA_KEY_BYTES) {
    throw new BerthError('BACKUP_INTEGRITY_FAILED', `the data key of backup ${backupId} is malformed`);
  }
  return key;
}

/** berthd's backup key pair as it is stored: the public key in the clear, the private key sealed. */
export interface StoredBackupKey {
  recipientKeyId: string;
  publicKey: string;
  sealedPrivateKey: SealedValue;
}

export function createBackupKey(box: SecretBox): StoredBackupKey {
  const pair = generateSealingKeyPair();
  const recipientKeyId = backupRecipientKeyId(pair.publicKey);
  return {
    recipientKeyId,
    publicKey: pair.publicKey,
    sealedPrivateKey: box.seal('backup-key', pair.privateKeyPem, privateKeyAad(recipientKeyId)),
  };
}

/** The private key PEM of a stored backup key, checked to belong to its public key. */
export function openBackupKey(box: SecretBox, stored: StoredBackupKey): string {
  const pem = box.open('backup-key', stored.sealedPrivateKey, privateKeyAad(stored.recipientKeyId));
  if (sealingPublicKeyOf(pem) !== stored.publicKey) {
    throw new BerthError(
      'INTERNAL',
      `backup key ${stored.recipientKeyId}: its private key does not match its public key`,
    );
  }
  return pem;
}

/** The stored key sealed again under `to` (a master key rotation), checked to open first. */
export function resealBackupKey(from: SecretBox, to: SecretBox, stored: StoredBackupKey): SealedValue {
  const pem = openBackupKey(from, stored);
  return to.seal('backup-key', pem, privateKeyAad(stored.recipientKeyId));
}
