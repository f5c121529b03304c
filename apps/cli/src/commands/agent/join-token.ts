/**
 * The join token as `berth agent join` uses it: the text to send, and the CA to pin. Its format
 * is @berth/protocol's (parseJoinToken, shared with berthd); a malformed one is the person's
 * input to fix (VALIDATION_FAILED, exit 2), not a token berthd refused.
 */
import { BerthError, parseJoinToken } from '@berth/protocol';

export interface JoinToken {
  /** The whole token, as berthd checks it. */
  text: string;
  /** `sha256:<hex>` of the CA to trust, as parseCaFingerprint returns it; null: plain HTTP, loopback only. */
  fingerprint: string | null;
}

export function parseJoinTokenText(raw: string): JoinToken {
  const text = raw.trim();
  try {
    return { text, fingerprint: parseJoinToken(text).caFingerprint };
  } catch {
    throw new BerthError('VALIDATION_FAILED', 'The join token is not one berth servers add printed', {
      issues: [{ path: 'token', message: 'must be bj1.<secret>.<fingerprint>' }],
      hint: 'Copy the whole berth agent join line that berth servers add NAME printed, or ask an admin for a new one',
    });
  }
}
