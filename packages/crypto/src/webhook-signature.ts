import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * GitHub's webhook signature (`X-Hub-Signature-256: sha256=<hex>`): HMAC-SHA256 of the raw body
 * with the shared secret. Compared in constant time, and over the exact bytes received: a body
 * re-serialised from parsed JSON would not match.
 */
export function webhookSignature(secret: string, body: Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export function verifyWebhookSignature(secret: string, body: Buffer, header: string | undefined): boolean {
  if (!header || !/^sha256=[0-9a-f]{64}$/.test(header)) return false;
  const want = Buffer.from(webhookSignature(secret, body));
  const got = Buffer.from(header);
  return want.length === got.length && timingSafeEqual(want, got);
}
