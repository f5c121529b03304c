/**
 * How notification requests are signed (the Stripe pattern, GitHub's is close):
 * `Berth-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
 * The timestamp inside the MAC lets a receiver refuse replays of an old request; several v1
 * values may appear (one per secret while a secret is being rotated). Receivers verify over the
 * exact bytes received, never over re-serialised JSON.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Five minutes either way, as Stripe: enough for clock skew and retries in flight. */
export const DEFAULT_SIGNATURE_TOLERANCE_MS = 5 * 60_000;

/** A new per-webhook signing secret: 32 random bytes, shown once when the webhook is added. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

const mac = (secret: string, timestamp: number, body: string | Uint8Array): string =>
  createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');

/** The Berth-Signature header for a body sent at nowMs, signed with each secret given. */
export function signNotification(
  secrets: string | readonly string[],
  body: string | Uint8Array,
  nowMs: number,
): string {
  const t = Math.floor(nowMs / 1000);
  const list = typeof secrets === 'string' ? [secrets] : secrets;
  if (list.length === 0) throw new TypeError('signNotification needs at least one secret');
  return [`t=${t}`, ...list.map((s) => `v1=${mac(s, t, body)}`)].join(',');
}

export type SignatureCheck =
  | { ok: true; timestampMs: number }
  | { ok: false; reason: 'malformed' | 'stale' | 'mismatch'; message: string };

/**
 * For receivers: is this request from Berth, and recent? `header` is Berth-Signature as
 * received, `body` the raw body bytes. The MAC is checked before the age, so a forged request
 * learns nothing from the answer about the clock.
 */
export function verifyNotificationSignature(
  secret: string,
  header: string | undefined,
  body: string | Uint8Array,
  nowMs: number,
  toleranceMs: number = DEFAULT_SIGNATURE_TOLERANCE_MS,
): SignatureCheck {
  const parsed = parseSignatureHeader(header);
  if (!parsed)
    return { ok: false, reason: 'malformed', message: 'Berth-Signature is missing or not t=…,v1=…' };
  const want = Buffer.from(mac(secret, parsed.t, body), 'hex');
  // Every candidate is compared in full, in constant time: the time taken says nothing about
  // how much of a guess was right.
  let match = false;
  for (const v1 of parsed.v1) match = safeEqualHex(want, v1) || match;
  if (!match)
    return { ok: false, reason: 'mismatch', message: 'Berth-Signature does not match this body and secret' };
  const timestampMs = parsed.t * 1000;
  if (!(Math.abs(nowMs - timestampMs) <= toleranceMs))
    return {
      ok: false,
      reason: 'stale',
      message: `Berth-Signature was made at ${new Date(timestampMs).toISOString()}, outside the ${Math.round(toleranceMs / 1000)} s tolerance`,
    };
  return { ok: true, timestampMs };
}

/** Constant-time comparison of a MAC with a 64-digit hex candidate (checked by the parser). */
export function safeEqualHex(want: Buffer, candidateHex: string): boolean {
  const got = Buffer.from(candidateHex, 'hex');
  return got.length === want.length && timingSafeEqual(got, want);
}

const MAX_HEADER_LENGTH = 1024;

function parseSignatureHeader(header: string | undefined): { t: number; v1: string[] } | null {
  if (!header || header.length > MAX_HEADER_LENGTH) return null;
  let t: number | null = null;
  const v1: string[] = [];
  for (const part of header.split(',')) {
    const [key, value, extra] = part.trim().split('=');
    if (value === undefined || extra !== undefined) return null;
    if (key === 't') {
      if (t !== null || !/^\d{1,12}$/.test(value)) return null;
      t = Number(value);
    } else if (key === 'v1') {
      if (!/^[0-9a-f]{64}$/.test(value)) return null;
      v1.push(value);
    }
    // Other schemes (a future v2) are skipped, so receivers keep working when one is added.
  }
  return t === null || v1.length === 0 ? null : { t, v1 };
}
