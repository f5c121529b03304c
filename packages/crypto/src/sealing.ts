/**
 * Sealed boxes for secrets on their way to an agent: never plaintext on the wire or in the
 * agent's on-disk cache, and only the agent holding the private key can open them.
 *
 * Construction (ECIES-style): a fresh ephemeral X25519 key pair per call; shared secret =
 * X25519(ephemeral, recipient); key = HKDF-SHA256(shared, salt = ephemeral pub ‖ recipient pub,
 * info `berth/sealed-box/x25519v1`); AES-256-GCM with a random 96-bit nonce and the caller's
 * aad. Format: `x25519v1.<ephemeral pub>.<nonce>.<ciphertext+tag>`, each part base64url.
 *
 * Guarantees: openSealed returns the plaintext or throws a BerthError, for any input at all
 * (a wrong key, a changed byte, a different aad, a malformed string). Binding both public keys
 * into the KDF means a box made for one agent cannot be re-targeted to another.
 */
import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
} from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { BerthError } from '@berth/protocol';
import { decodeBase64Strict, decodeBase64UrlStrict } from './encoding.js';

const VERSION = 'x25519v1';
const INFO = 'berth/sealed-box/x25519v1';
const RAW_KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export interface SealingKeyPair {
  /** SPKI DER, base64: what an agent sends berthd. */
  publicKey: string;
  /** PKCS#8 PEM: stays on the agent, in a 0600 file. */
  privateKeyPem: string;
}

export function generateSealingKeyPair(): SealingKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  return {
    publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

function toPublicKey(value: unknown): KeyObject | null {
  if (typeof value !== 'string') return null;
  const der = decodeBase64Strict(value);
  if (der === null) return null;
  try {
    const key = createPublicKey({ key: der, format: 'der', type: 'spki' });
    return key.asymmetricKeyType === 'x25519' ? key : null;
  } catch {
    return null;
  }
}

function invalidPublicKey(path: string): never {
  const message = 'is not an X25519 public key (SPKI DER, base64)';
  throw new BerthError('VALIDATION_FAILED', `${path} ${message}`, { issues: [{ path, message }] });
}

/** An agent's sealing public key (SPKI DER base64 of an X25519 key), checked at the boundary. */
export function parseSealingPublicKey(value: unknown, path = 'publicKey'): string {
  if (typeof value !== 'string' || toPublicKey(value) === null) invalidPublicKey(path);
  return value;
}

/** The 32 raw bytes of an X25519 public key (JWK `x`), for the KDF salt and the wire format. */
const rawPublicKey = (key: KeyObject): Buffer => {
  const { x } = key.export({ format: 'jwk' });
  return Buffer.from(x ?? '', 'base64url');
};

function boxKey(shared: Buffer, ephemeralPub: Buffer, recipientPub: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', shared, Buffer.concat([ephemeralPub, recipientPub]), INFO, 32));
}

/** Seals `plaintext` so only the holder of the matching private key can open it, with this aad. */
export function sealFor(recipientPublicKey: string, plaintext: string, aad: string): string {
  const recipientKey = toPublicKey(recipientPublicKey) ?? invalidPublicKey('recipientPublicKey');
  const ephemeral = generateKeyPairSync('x25519');
  const ephemeralPub = rawPublicKey(ephemeral.publicKey);
  const shared = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: recipientKey });
  const key = boxKey(shared, ephemeralPub, rawPublicKey(recipientKey));
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return [VERSION, ephemeralPub, nonce, body]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join('.');
}

interface SealedParts {
  ephemeralPub: Buffer;
  nonce: Buffer;
  body: Buffer;
}

function parseSealed(sealed: unknown): SealedParts {
  const malformed = (what: string): BerthError =>
    new BerthError('INTERNAL', `cannot open a sealed value: it is malformed (${what})`, {
      hint: `expected ${VERSION}.<ephemeral key>.<nonce>.<ciphertext>, as made by sealFor`,
    });
  if (typeof sealed !== 'string') throw malformed('not a string');
  const parts = sealed.split('.');
  if (parts.length !== 4) throw malformed(`${parts.length} parts instead of 4`);
  const [version = '', pub = '', nonce = '', body = ''] = parts;
  if (version !== VERSION) throw malformed('unknown version');
  const ephemeralPub = decodeBase64UrlStrict(pub);
  if (ephemeralPub === null || ephemeralPub.length !== RAW_KEY_BYTES) throw malformed('bad ephemeral key');
  const nonceBytes = decodeBase64UrlStrict(nonce);
  if (nonceBytes === null || nonceBytes.length !== NONCE_BYTES) throw malformed('bad nonce');
  const bodyBytes = decodeBase64UrlStrict(body);
  if (bodyBytes === null || bodyBytes.length < TAG_BYTES) throw malformed('bad ciphertext');
  return { ephemeralPub, nonce: nonceBytes, body: bodyBytes };
}

// Parsing a PEM costs ~0.5 ms, more than the X25519 and AES work together, and an agent opens a
// release's secrets in a burst with its one key: remember the last key parsed.
let lastKey: { pem: string; key: KeyObject } | undefined;

function toPrivateKey(privateKeyPem: unknown): KeyObject {
  if (lastKey !== undefined && lastKey.pem === privateKeyPem) return lastKey.key;
  try {
    if (typeof privateKeyPem !== 'string') throw new TypeError('not a string');
    const key = createPrivateKey({ key: privateKeyPem, format: 'pem' });
    if (key.asymmetricKeyType === 'x25519') {
      lastKey = { pem: privateKeyPem, key };
      return key;
    }
  } catch {
    // Falls through to the one clear error below; the parser's message could quote the key.
  }
  throw new BerthError('INTERNAL', 'the sealing private key is not an X25519 private key (PKCS#8 PEM)', {
    hint: "regenerate the agent's sealing key pair and register its new public key",
  });
}

/** The public key (SPKI DER, base64) of a stored sealing private key; a wrong key is a BerthError. */
export function sealingPublicKeyOf(privateKeyPem: string): string {
  return createPublicKey(toPrivateKey(privateKeyPem))
    .export({ type: 'spki', format: 'der' })
    .toString('base64');
}

/** Opens a box made by sealFor for this private key and aad; any other input is a BerthError. */
export function openSealed(privateKeyPem: string, sealed: string, aad: string): string {
  const { ephemeralPub, nonce, body } = parseSealed(sealed);
  const privateKey = toPrivateKey(privateKeyPem);
  try {
    const ephemeral = createPublicKey({
      key: { kty: 'OKP', crv: 'X25519', x: ephemeralPub.toString('base64url') },
      format: 'jwk',
    });
    // X25519 with a low-order point yields all zeros; OpenSSL refuses it, and we catch that.
    const shared = diffieHellman({ privateKey, publicKey: ephemeral });
    const key = boxKey(shared, ephemeralPub, rawPublicKey(createPublicKey(privateKey)));
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    const plain = Buffer.concat([
      decipher.update(body.subarray(0, body.length - TAG_BYTES)),
      decipher.final(),
    ]);
    return plain.toString('utf8');
  } catch {
    throw new BerthError(
      'INTERNAL',
      'cannot open a sealed value: it was sealed for another key, altered, or bound to a different place (aad)',
      { hint: "if the agent's sealing key changed, make sure berthd has its current public key" },
    );
  }
}
