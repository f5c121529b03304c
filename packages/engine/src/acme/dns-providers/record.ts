/**
 * The one record a DNS-01 provider ever writes: a TXT `_acme-challenge.<name>` holding the
 * challenge's digest. Both come from the issuer, but they are checked again here, at the edge of
 * every provider, because they reach a DNS message, an HTTP body or another program's arguments.
 */
import { BerthError } from '@berth/protocol';

/** Lower-case LDH; the first label alone may start with `_` (`_acme-challenge`). */
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const FIRST_LABEL = /^_?[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** An ACME DNS-01 value is base64url of a SHA-256 digest (43 characters); a little slack, nothing else. */
const VALUE = /^[A-Za-z0-9_-]{1,255}$/;

export interface TxtRecord {
  /** Lower-case, no final dot. */
  fqdn: string;
  value: string;
}

export function toTxtRecord(fqdn: string, value: string): TxtRecord {
  const name = fqdn.toLowerCase();
  const labels = name.split('.');
  if (
    name.length > 253 ||
    labels.length < 2 ||
    !labels.every((l, i) => l.length <= 63 && (i === 0 ? FIRST_LABEL : LABEL).test(l))
  )
    throw new BerthError(
      'VALIDATION_FAILED',
      `Not a DNS name a DNS-01 record can have: ${JSON.stringify(fqdn.slice(0, 300))}`,
    );
  if (!VALUE.test(value))
    throw new BerthError('VALIDATION_FAILED', `A DNS-01 value must be base64url text (for ${name}).`);
  return { fqdn: name, value };
}

/** `a.b.example.com` → [`a.b.example.com`, `b.example.com`, `example.com`, `com`]. */
export const selfAndAncestors = (fqdn: string): string[] =>
  fqdn.split('.').map((_, i, labels) => labels.slice(i).join('.'));
