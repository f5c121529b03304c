/**
 * Signatures over the audit chain's anchors (its head, and checkpoints), so that deleting the
 * newest rows is as visible as editing one.
 *
 * Construction: Ed25519 with a private key whose 32-byte seed is HKDF-SHA256 of the master key
 * for `audit-signing` (one key pair per master key, named by the master key's id). Someone who
 * can write the database but not read the master key can delete anchors, never make or change
 * one. The public key verifies without any secret, so an exported log can be checked elsewhere.
 *
 * Guarantees: verifyAuditSignature returns a boolean for any input at all (a malformed key or
 * signature is `false`, never a throw); the master key and the seed never leave this module.
 */
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { decodeBase64Strict } from './encoding.js';
import { deriveKey } from './kdf.js';
import type { Keyring } from './keyring.js';

/** PKCS#8 DER of an Ed25519 private key is this prefix followed by the 32-byte seed (RFC 8410). */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export interface AuditSigningKey {
  /** The id of the master key it is derived from. */
  keyId: string;
  /** SPKI DER, base64. */
  publicKey: string;
}

export interface AuditSigner extends AuditSigningKey {
  /** base64 Ed25519 signature of the statement (UTF-8). */
  sign(statement: string): string;
}

function privateKeyFor(keyring: Keyring, keyId: string): KeyObject {
  const seed = deriveKey(keyring.key(keyId), 'audit-signing');
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

const publicKeyOf = (privateKey: KeyObject): string =>
  createPublicKey(privateKey).export({ type: 'spki', format: 'der' }).toString('base64');

/** Signs with the key derived from the keyring's current master key. */
export function createAuditSigner(keyring: Keyring): AuditSigner {
  const keyId = keyring.currentId;
  const privateKey = privateKeyFor(keyring, keyId);
  return {
    keyId,
    publicKey: publicKeyOf(privateKey),
    sign: (statement) => sign(null, Buffer.from(statement, 'utf8'), privateKey).toString('base64'),
  };
}

/** The public key of every master key in the keyring, to verify anchors signed under any of them. */
export function auditSigningKeys(keyring: Keyring): AuditSigningKey[] {
  return keyring.ids().map((keyId) => ({ keyId, publicKey: publicKeyOf(privateKeyFor(keyring, keyId)) }));
}

export function verifyAuditSignature(publicKey: string, statement: string, signature: string): boolean {
  const der = decodeBase64Strict(publicKey);
  const sig = decodeBase64Strict(signature);
  if (der === null || sig === null) return false;
  try {
    const key = createPublicKey({ key: der, format: 'der', type: 'spki' });
    if (key.asymmetricKeyType !== 'ed25519') return false;
    return verify(null, Buffer.from(statement, 'utf8'), key, sig);
  } catch {
    return false;
  }
}
