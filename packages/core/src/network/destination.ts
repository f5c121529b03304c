/**
 * URLs Berth sends requests to on a user's behalf (an S3 endpoint, later a webhook), checked at
 * the boundary: http or https only, no credentials in the URL, a DNS name or an IP address, and
 * an address that is public unless an installation owner allowed private ones. The engine checks
 * again every address a name resolves to, at connect time (a name can change its answer).
 */
import { BerthError } from '@berth/protocol';
import { HOST_NAME_PATTERN, parseIpAddress } from './addresses.js';
import { classifyIpAddress, isAllowedAddressClass, type AddressClass } from './address-class.js';

export interface DestinationPolicy {
  /** Loopback, RFC 1918 / ULA and CGNAT addresses too (an owner's choice: a LAN MinIO, tests). */
  allowPrivate: boolean;
}

export interface OutboundUrl {
  /** The URL as the WHATWG parser prints it (host lowercased, IPv4 in dotted form). */
  href: string;
  secure: boolean;
  /** A DNS name or an IP address (IPv6 without brackets). */
  host: string;
  port: number;
  pathname: string;
  search: string;
}

const MAX_URL_LENGTH = 2048;

const CLASS_WORDS: Record<AddressClass, string> = {
  public: 'a public address',
  loopback: 'a loopback address (this machine)',
  private: 'a private network address',
  'link-local': 'a link-local address',
  cgnat: 'a carrier-grade NAT address',
  multicast: 'a multicast address',
  unspecified: 'the unspecified address',
  metadata: "a cloud metadata service's address",
  reserved: 'a reserved or special-purpose address',
};

/** The refusal for a destination at an address of this class (DESTINATION_NOT_ALLOWED). */
export function destinationRefused(
  what: string,
  host: string,
  address: string,
  kind: AddressClass,
): BerthError {
  const at = host === address ? address : `${host} (${address})`;
  const allowable = isAllowedAddressClass(kind, true);
  return new BerthError('DESTINATION_NOT_ALLOWED', `${what} ${at} is ${CLASS_WORDS[kind]}: refused`, {
    hint: allowable
      ? 'Berth sends requests only to public addresses unless an installation owner allows private ones for this'
      : 'Berth never sends requests to this kind of address',
  });
}

export function parseOutboundUrl(raw: unknown, what: string, policy: DestinationPolicy): OutboundUrl {
  const fail = (why: string): BerthError =>
    new BerthError('VALIDATION_FAILED', `${what} ${why}`, {
      issues: [{ path: what, message: why }],
      hint: 'For example: https://s3.example.com or https://minio.example.com:9000',
    });
  if (typeof raw !== 'string' || raw.length > MAX_URL_LENGTH || /[\s\u0000-\u001f\u007f]/.test(raw)) {
    throw fail(`must be an http(s) URL of at most ${MAX_URL_LENGTH} characters without spaces`);
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw fail('must be an http(s) URL like https://s3.example.com');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw fail('must use http or https');
  if (url.username !== '' || url.password !== '') throw fail('must not carry a user or a password');
  if (url.hash !== '' || raw.includes('#')) throw fail('must not carry a fragment');
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const kind = classifyIpAddress(host);
  if (kind !== null) {
    if (!isAllowedAddressClass(kind, policy.allowPrivate)) throw destinationRefused(what, host, host, kind);
  } else if (!HOST_NAME_PATTERN.test(host)) {
    throw fail('must name a DNS host or an IP address');
  } else if ((host === 'localhost' || host.endsWith('.localhost')) && !policy.allowPrivate) {
    throw destinationRefused(what, host, '127.0.0.1', 'loopback');
  }
  const secure = url.protocol === 'https:';
  return {
    href: url.href,
    secure,
    host,
    port: url.port === '' ? (secure ? 443 : 80) : Number(url.port),
    pathname: url.pathname,
    search: url.search,
  };
}

/** Throws DESTINATION_NOT_ALLOWED unless every address `host` resolved to may be reached. */
export function checkResolvedAddresses(
  what: string,
  host: string,
  addresses: readonly string[],
  policy: DestinationPolicy,
): void {
  for (const address of addresses) {
    const kind = classifyIpAddress(address) ?? 'reserved';
    if (!isAllowedAddressClass(kind, policy.allowPrivate))
      throw destinationRefused(what, host, address, kind);
  }
}

export const isIpLiteral = (host: string): boolean => parseIpAddress(host) !== null;
