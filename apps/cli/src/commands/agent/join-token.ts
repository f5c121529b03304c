/**
 * The join token `berth servers add` prints: `bj1.<secret>.<fp>`, the secret 32 random bytes in
 * base64url, `<fp>` the SHA-256 of berthd's CA public key in lowercase hex (what `berth up`
 * prints as `sha256:<hex>`), or `none` for plain HTTP to berthd on this machine.
 *
 * A private parser until @berth/protocol's parseJoinToken (join-token.ts, written beside
 * berthd's side of joining) is merged; then this file goes and the CLI uses that one.
 */
import { BerthError } from '@berth/protocol';

export interface JoinToken {
  /** The whole token, as berthd checks it. */
  text: string;
  /** `sha256:<hex>` of the CA to trust, as parseCaFingerprint returns it; null: plain HTTP, loopback only. */
  fingerprint: string | null;
}

const TOKEN = /^bj1\.([A-Za-z0-9_-]{43})\.([0-9a-f]{64}|none)$/;

export function parseJoinTokenText(raw: string): JoinToken {
  const text = raw.trim();
  const match = TOKEN.exec(text);
  if (!match?.[2])
    throw new BerthError('VALIDATION_FAILED', 'The join token is not one berth servers add printed', {
      issues: [{ path: 'token', message: 'must be bj1.<secret>.<fingerprint>' }],
      hint: 'Copy the whole berth agent join line that berth servers add NAME printed, or ask an admin for a new one',
    });
  return { text, fingerprint: match[2] === 'none' ? null : `sha256:${match[2]}` };
}
