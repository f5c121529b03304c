/**
 * The egress guard (SSRF): before berthd or an agent sends a request to a URL a team admin gave
 * (a notification webhook, an S3 endpoint), the URL's host is resolved once and refused when any
 * of its addresses is loopback, private, link-local, CGNAT, multicast, unspecified or a cloud
 * metadata address, unless an installation owner allowed private destinations. The request then
 * connects to the address that was checked (pinnedLookup), never resolving the name again: a DNS
 * answer that changes between the check and the connect (rebinding) cannot redirect it.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import { BerthError } from '@berth/protocol';
import { ADDRESS_CLASS_TEXT, classifyAddress, type AddressClass } from './address-class.js';

export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Resolves a host name to all its addresses (the system resolver by default). */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export interface EgressOptions {
  /** An installation owner allowed private destinations (loopback, private, link-local, CGNAT, reserved). */
  allowPrivate?: boolean;
  /** The schemes allowed; default http: and https:. */
  protocols?: readonly string[];
  /** Names the URL in messages: "webhook URL", "S3 endpoint". */
  what?: string;
  resolve?: Resolver;
}

export interface CheckedEgress {
  url: URL;
  /** The host to send in Host and TLS SNI (no brackets around IPv6). */
  hostname: string;
  /** The address to connect to: pass pinnedLookup(checked) as the request's `lookup`. */
  address: string;
  family: 4 | 6;
  /** null for a public address; the class an owner allowed otherwise. */
  addressClass: AddressClass | null;
}

export const MAX_EGRESS_URL_LENGTH = 2048;

// Never a webhook receiver or a storage endpoint, even when private destinations are allowed:
// the metadata service hands out the machine's cloud credentials.
const ALWAYS_REFUSED: ReadonlySet<AddressClass> = new Set(['unspecified', 'multicast', 'metadata']);

const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/**
 * Parses and checks an outgoing URL. Throws BerthError VALIDATION_FAILED (not a usable URL),
 * DESTINATION_NOT_ALLOWED (an address it must not reach) or DESTINATION_UNRESOLVABLE (no
 * address now; worth retrying later).
 */
export async function checkEgressUrl(raw: string | URL, options: EgressOptions = {}): Promise<CheckedEgress> {
  const what = options.what ?? 'URL';
  const url = parseEgressUrl(raw, what, options.protocols ?? ['http:', 'https:']);
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;

  let addresses: ResolvedAddress[];
  if (isIP(hostname) !== 0) {
    addresses = [{ address: hostname, family: isIP(hostname) }];
  } else {
    try {
      addresses = await (options.resolve ?? systemResolver)(hostname);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
      throw new BerthError(
        'DESTINATION_UNRESOLVABLE',
        `The ${what}'s host ${hostname} does not resolve (${code})`,
        {
          hint: 'Check the name; if it is new, DNS may not have it yet.',
          cause: err,
        },
      );
    }
    if (addresses.length === 0)
      throw new BerthError('DESTINATION_UNRESOLVABLE', `The ${what}'s host ${hostname} has no address`);
  }

  // Every address is checked, not only the one used: a name that answers both a public and a
  // private address would otherwise pass half the time.
  let chosen: { address: string; family: 4 | 6; cls: AddressClass | null } | undefined;
  for (const { address } of addresses) {
    const family = isIP(address);
    if (family !== 4 && family !== 6)
      throw new BerthError('DESTINATION_UNRESOLVABLE', `The resolver answered ${address} for ${hostname}`);
    const cls = classifyAddress(address);
    if (cls !== null && (ALWAYS_REFUSED.has(cls) || !options.allowPrivate)) {
      const via = address === hostname ? '' : ` (${hostname} resolves to ${address})`;
      throw new BerthError(
        'DESTINATION_NOT_ALLOWED',
        `The ${what} ${url.origin} points to ${ADDRESS_CLASS_TEXT[cls]}${via}; Berth refuses it so that nobody can reach internal services through Berth`,
        {
          hint: ALWAYS_REFUSED.has(cls)
            ? 'No setting allows this address.'
            : 'Use a public address, or ask an installation owner to allow private destinations.',
        },
      );
    }
    chosen ??= { address, family, cls };
  }
  if (!chosen)
    throw new BerthError('DESTINATION_UNRESOLVABLE', `The ${what}'s host ${hostname} has no address`);
  return { url, hostname, address: chosen.address, family: chosen.family, addressClass: chosen.cls };
}

/**
 * A `lookup` for node:http/https/net that answers the checked address whatever name it is
 * asked about, so the connection goes where the guard looked.
 */
export function pinnedLookup(checked: Pick<CheckedEgress, 'address' | 'family'>): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address: checked.address, family: checked.family }]);
    else callback(null, checked.address, checked.family);
  };
}

function parseEgressUrl(raw: string | URL, what: string, protocols: readonly string[]): URL {
  const text = typeof raw === 'string' ? raw.trim() : raw.href;
  const invalid = (message: string): BerthError =>
    new BerthError('VALIDATION_FAILED', message, { issues: [{ path: 'url', message }] });
  if (text.length > MAX_EGRESS_URL_LENGTH)
    throw invalid(`The ${what} is longer than ${MAX_EGRESS_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid(`The ${what} is not a URL: give it whole, such as https://hooks.example.com/berth`);
  }
  if (!protocols.includes(url.protocol))
    throw invalid(
      `The ${what} must start with ${protocols.map((p) => `${p}//`).join(' or ')}, not ${url.protocol}//`,
    );
  // Credentials in a URL end up in logs and in `list` output; a webhook has its own secret.
  if (url.username !== '' || url.password !== '')
    throw invalid(`The ${what} must not contain a user name or password`);
  if (url.hostname === '') throw invalid(`The ${what} has no host`);
  return url;
}
