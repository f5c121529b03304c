/**
 * @berth/crypto: the one place Berth does cryptography. Everything else calls these functions
 * and never touches node:crypto for secrets, passwords or tokens, so there is exactly one
 * implementation to review.
 */
export { HKDF_SALT, SECRET_PURPOSES } from './kdf.js';
export type { SecretPurpose } from './kdf.js';
export { loadKeyring, parseEnvMasterKey, retireKey, rotateKeyring } from './keyring.js';
export type { Keyring, KeyringSource, LoadKeyringOptions } from './keyring.js';
export type { KeyringFile, KeyringFileKey } from './keyring-file.js';
export { assertKeyringMatches, keyCheck, verifyKeyCheck } from './key-check.js';
export type { StoredKeyCheck } from './key-check.js';
export { createSecretBox } from './aead.js';
export type { SealedValue, SecretBox } from './aead.js';
export {
  generateSealingKeyPair,
  openSealed,
  parseSealingPublicKey,
  sealFor,
  sealingPublicKeyOf,
} from './sealing.js';
export type { SealingKeyPair } from './sealing.js';
export {
  PASSWORD_HASH_PARAMS,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  checkPasswordRules,
  dummyPasswordHash,
  hashPassword,
  needsRehash,
  verifyPassword,
} from './passwords.js';
export {
  csrfTokenFor,
  generateToken,
  hashToken,
  hmacSha256Hex,
  randomSecret,
  sha3_256Hex,
  timingSafeEqualStrings,
  verifyCsrfToken,
} from './tokens.js';
export { requestDigest } from './request-digest.js';
export { auditSigningKeys, createAuditSigner, verifyAuditSignature } from './audit-signing.js';
export type { AuditSigner, AuditSigningKey } from './audit-signing.js';
export {
  decodeEd25519PublicKey,
  ed25519SignerFromSeed,
  ed25519Verifier,
  encodeEd25519PublicKey,
  generateEd25519KeyPair,
  loadEd25519Signer,
  verifyEd25519,
} from './signing/ed25519.js';
export type { Ed25519KeyPair, Ed25519Signer, SignedMessage } from './signing/ed25519.js';
export { verifyWebhookSignature, webhookSignature } from './webhook-signature.js';
export { parseCaFingerprint, publicKeyFingerprint } from './tls/fingerprint.js';
export { createCertificateAuthority, issueServerCertificate } from './tls/certificates.js';
export type { IssuedCertificate, PemCertificate } from './tls/certificates.js';
export { fetchPinnedCa, PinnedCaError } from './tls/pinned-ca.js';
export type { PinnedCaTarget } from './tls/pinned-ca.js';
export { loadOrCreateIdentity } from './agent-identity.js';
export type { AgentIdentity } from './agent-identity.js';
export * from './backup/index.js';
export * from './system-backup/index.js';
