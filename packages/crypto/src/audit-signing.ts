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
import { deriveKey } from './kdf.js';
import type { Keyring } from './keyring.js';
import { ed25519SignerFromSeed, verifyEd25519, type Ed25519Signer } from './signing/ed25519.js';

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

const signerFor = (keyring: Keyring, keyId: string): Ed25519Signer =>
  ed25519SignerFromSeed(deriveKey(keyring.key(keyId), 'audit-signing'));

/** Signs with the key derived from the keyring's current master key. */
export function createAuditSigner(keyring: Keyring): AuditSigner {
  const keyId = keyring.currentId;
  const signer = signerFor(keyring, keyId);
  return { keyId, publicKey: signer.publicKey, sign: (statement) => signer.sign(statement) };
}

/** The public key of every master key in the keyring, to verify anchors signed under any of them. */
export function auditSigningKeys(keyring: Keyring): AuditSigningKey[] {
  return keyring.ids().map((keyId) => ({ keyId, publicKey: signerFor(keyring, keyId).publicKey }));
}

export function verifyAuditSignature(publicKey: string, statement: string, signature: string): boolean {
  return verifyEd25519(publicKey, statement, signature);
}
