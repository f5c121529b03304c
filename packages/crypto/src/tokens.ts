/**
 * Bearer tokens, digests, MACs and constant-time comparison.
 *
 * Guarantees: tokens carry 256 bits from the OS CSPRNG behind a readable prefix (`berth_…` API
 * tokens, `bs_…` sessions, `bot_…` one-time tokens), so a leaked one is recognisable in logs and
 * secret scanners. Only hashToken(token) is ever stored: a database leak yields no usable token,
 * and since tokens are high-entropy a plain sha256 is enough (no slow hash needed). Comparisons
 * of secrets take time independent of where the inputs differ.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { BinaryLike } from 'node:crypto';
import { BerthError } from '@berth/protocol';

const TOKEN_BYTES = 32;
const PREFIX = /^[a-z][a-z0-9]{0,15}$/;

/** `<prefix>_<32 random bytes, base64url>`; the prefix is lowercase letters and digits. */
export function generateToken(prefix: string): string {
  // '_' separates prefix and body, and the body's base64url alphabet contains '_' too, so the
  // prefix must not: the first '_' is always the separator.
  if (!PREFIX.test(prefix)) {
    throw new BerthError('INTERNAL', `token prefix ${JSON.stringify(prefix)} is not [a-z][a-z0-9]{0,15}`);
  }
  return `${prefix}_${randomBytes(TOKEN_BYTES).toString('base64url')}`;
}

/** 32 bytes from the OS CSPRNG, base64url, no prefix: the secret of a join token (bj1.<secret>.<fp>). */
export const randomSecret = (): string => randomBytes(TOKEN_BYTES).toString('base64url');

/** What is stored for a token: sha256, hex. */
export const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/** sha3-256, hex: the audit chain's hash. */
export const sha3_256Hex = (input: BinaryLike): string => createHash('sha3-256').update(input).digest('hex');

export const hmacSha256Hex = (key: BinaryLike, data: BinaryLike): string =>
  createHmac('sha256', key).update(data).digest('hex');

/**
 * Equal strings → true, in time that depends only on the lengths. Different lengths → false,
 * still after a full comparison (both are padded to the longer), never an early exit.
 */
export function timingSafeEqualStrings(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  const n = Math.max(x.length, y.length);
  const px = Buffer.alloc(n);
  const py = Buffer.alloc(n);
  x.copy(px);
  y.copy(py);
  // Evaluated first and unconditionally; the length check only combines the results.
  const same = timingSafeEqual(px, py);
  return same && x.length === y.length;
}

const CSRF_MIN_KEY_BYTES = 32;

function csrfMac(secretKey: Buffer, sessionId: string): string {
  if (secretKey.length < CSRF_MIN_KEY_BYTES) {
    throw new BerthError('INTERNAL', `the CSRF secret key must be at least ${CSRF_MIN_KEY_BYTES} bytes`);
  }
  // Versioned label: these MACs can never collide with another use of the same key.
  return createHmac('sha256', secretKey).update(`berth/csrf/v1\0${sessionId}`, 'utf8').digest('base64url');
}

/**
 * The CSRF token of a session: an HMAC of its id, so berthd needs no extra state and a token
 * from one session is worthless in another. Send it in a header on every unsafe request.
 */
export const csrfTokenFor = (secretKey: Buffer, sessionId: string): string => csrfMac(secretKey, sessionId);

export function verifyCsrfToken(secretKey: Buffer, sessionId: string, token: unknown): boolean {
  if (typeof token !== 'string') return false;
  return timingSafeEqualStrings(csrfMac(secretKey, sessionId), token);
}
