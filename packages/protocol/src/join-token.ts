import { BerthError } from './errors.js';

/**
 * A server's one-time join token: `bj1.<secret>.<fp>`.
 *
 * - `bj1`: the format's name and version.
 * - `<secret>`: 32 random bytes, base64url (43 characters). berthd keeps only its SHA-256.
 * - `<fp>`: the 64 lowercase hex digits of the SHA-256 of berthd's internal CA public key (what
 *   `berth up` prints as `sha256:…`), which the joining agent pins as `kubeadm join` pins the
 *   cluster CA; or `none` when there is no CA to pin (berthd on plain HTTP, or serving a
 *   certificate that system CAs verify).
 *
 * Pure: berthd and the agent parse and print it with this one code.
 */
export const JOIN_TOKEN_PREFIX = 'bj1';
const SECRET = /^[A-Za-z0-9_-]{43}$/;
const HEX_FINGERPRINT = /^(?:sha256:)?([0-9a-fA-F]{64})$/;
const TOKEN = /^bj1\.([A-Za-z0-9_-]{43})\.([0-9a-f]{64}|none)$/;

export interface JoinToken {
  secret: string;
  /** `sha256:<64 lowercase hex>`, the form `--fingerprint` takes; null: nothing to pin. */
  caFingerprint: string | null;
}

/** The token's text; `caFingerprint` as `sha256:<hex>` or bare hex, null for `none`. */
export function formatJoinToken({ secret, caFingerprint }: JoinToken): string {
  if (!SECRET.test(secret))
    throw new BerthError('INTERNAL', 'a join token secret is 43 base64url characters');
  const fp = caFingerprint === null ? 'none' : HEX_FINGERPRINT.exec(caFingerprint)?.[1]?.toLowerCase();
  if (fp === undefined) throw new BerthError('INTERNAL', 'a CA fingerprint is sha256: and 64 hex digits');
  return `${JOIN_TOKEN_PREFIX}.${secret}.${fp}`;
}

/** A join token's parts; anything else is JOIN_TOKEN_INVALID (which never echoes the text). */
export function parseJoinToken(text: string): JoinToken {
  const match = TOKEN.exec(text.trim());
  const secret = match?.[1];
  const fp = match?.[2];
  if (secret === undefined || fp === undefined)
    throw new BerthError(
      'JOIN_TOKEN_INVALID',
      'This is not a join token: it looks like bj1.<secret>.<fingerprint or none>',
      { hint: 'Copy the whole command that berth servers add printed' },
    );
  return { secret, caFingerprint: fp === 'none' ? null : `sha256:${fp}` };
}
