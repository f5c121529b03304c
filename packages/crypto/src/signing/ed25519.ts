/**
 * Ed25519 signatures: the agent's identity key, its signed handshake, and the audit chain's
 * anchors all go through here, so there is one implementation to review.
 *
 * Formats (stored on disk and sent on the wire; keep them byte-identical, existing data dirs and
 * agents depend on them):
 * - public key: SPKI DER of the Ed25519 key (RFC 8410), base64 with padding;
 * - private key: PKCS#8 PEM;
 * - signature: the 64-byte Ed25519 signature, base64 with padding;
 * - message: the UTF-8 bytes of a string, or the bytes given.
 *
 * Guarantees: verifyEd25519 returns a boolean for any input at all (a malformed, non-canonical or
 * non-Ed25519 key, or a malformed signature, is `false`, never a throw); a public key string is
 * accepted only in its one canonical encoding, so equal keys are equal strings (berthd finds a
 * server by the string).
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { BerthError } from '@berth/protocol';
import { decodeBase64Strict } from '../encoding.js';

/** PKCS#8 DER of an Ed25519 private key is this prefix followed by the 32-byte seed (RFC 8410). */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
/** SPKI DER of an Ed25519 public key is this prefix followed by the 32-byte key (RFC 8410). */
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const KEY_BYTES = 32;
const SIGNATURE_BYTES = 64;

export type SignedMessage = string | Uint8Array;

export interface Ed25519Signer {
  /** SPKI DER, base64. */
  publicKey: string;
  /** base64 Ed25519 signature of the message. */
  sign(message: SignedMessage): string;
}

export interface Ed25519KeyPair {
  /** SPKI DER, base64. */
  publicKey: string;
  /** PKCS#8 PEM: keep it 0600, it never leaves the machine that made it. */
  privateKeyPem: string;
}

const toBytes = (message: SignedMessage): Buffer =>
  typeof message === 'string' ? Buffer.from(message, 'utf8') : Buffer.from(message);

const exportPublicKey = (key: KeyObject): string =>
  createPublicKey(key).export({ type: 'spki', format: 'der' }).toString('base64');

function signerFor(privateKey: KeyObject): Ed25519Signer {
  return {
    publicKey: exportPublicKey(privateKey),
    sign: (message) => sign(null, toBytes(message), privateKey).toString('base64'),
  };
}

export function generateEd25519KeyPair(): Ed25519KeyPair {
  const { privateKey } = generateKeyPairSync('ed25519');
  return {
    publicKey: exportPublicKey(privateKey),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/** A signer for a stored private key; anything but an Ed25519 PKCS#8 PEM key is a BerthError. */
export function loadEd25519Signer(privateKeyPem: string): Ed25519Signer {
  let key: KeyObject | null = null;
  try {
    key = createPrivateKey({ key: privateKeyPem, format: 'pem' });
  } catch {
    // Falls through to the one clear error below; the parser's message could quote the key.
  }
  if (key === null || key.asymmetricKeyType !== 'ed25519') {
    throw new BerthError('INTERNAL', 'the signing key is not an Ed25519 private key (PKCS#8 PEM)', {
      hint: 'move the key file away to make a new identity; its server must then be approved again',
    });
  }
  return signerFor(key);
}

/** A signer whose key is derived from a 32-byte seed (RFC 8032 §5.1.5), e.g. from a KDF. */
export function ed25519SignerFromSeed(seed: Uint8Array): Ed25519Signer {
  if (seed.length !== KEY_BYTES) throw new RangeError(`an Ed25519 seed is ${KEY_BYTES} bytes`);
  const der = Buffer.concat([PKCS8_ED25519_PREFIX, seed]);
  return signerFor(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }));
}

/** The raw 32-byte key of a canonical Ed25519 public key string, or null for anything else. */
export function decodeEd25519PublicKey(publicKey: string): Buffer | null {
  const der = decodeBase64Strict(publicKey);
  if (der === null || der.length !== SPKI_ED25519_PREFIX.length + KEY_BYTES) return null;
  if (!der.subarray(0, SPKI_ED25519_PREFIX.length).equals(SPKI_ED25519_PREFIX)) return null;
  return der.subarray(SPKI_ED25519_PREFIX.length);
}

/** The stored and wire form (SPKI DER, base64) of a raw 32-byte Ed25519 public key. */
export function encodeEd25519PublicKey(raw: Uint8Array): string {
  if (raw.length !== KEY_BYTES) throw new RangeError(`an Ed25519 public key is ${KEY_BYTES} bytes`);
  return Buffer.concat([SPKI_ED25519_PREFIX, raw]).toString('base64');
}

export function verifyEd25519(publicKey: string, message: SignedMessage, signature: string): boolean {
  return ed25519Verifier(publicKey)(message, signature);
}

/**
 * A check of signatures by one key, which parses the key once: berthd checks every message of an
 * agent's link with it (parsing the key each time cost ~70 µs of ~170 µs per check, measured).
 * An unusable key gives a check that is always false.
 */
export function ed25519Verifier(publicKey: string): (message: SignedMessage, signature: string) => boolean {
  const key = publicKeyObject(publicKey);
  if (key === null) return () => false;
  return (message, signature) => {
    const sig = decodeBase64Strict(signature);
    if (sig === null || sig.length !== SIGNATURE_BYTES) return false;
    try {
      return verify(null, toBytes(message), key, sig);
    } catch {
      return false;
    }
  };
}

function publicKeyObject(publicKey: string): KeyObject | null {
  const raw = decodeEd25519PublicKey(publicKey);
  if (raw === null) return null;
  try {
    return createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, raw]), format: 'der', type: 'spki' });
  } catch {
    // A 32-byte string that is not a point on the curve (OpenSSL may instead refuse at verify).
    return null;
  }
}
