/**
 * The SSRF guard's I/O half: resolving a destination's name and refusing it when any answer is
 * an address Berth must not reach (core's address classes and parseOutboundUrl decide; this
 * file only resolves and connects). Two ways to use it:
 *
 * - checkEgressUrl() + pinnedLookup(): resolve once, check every answer, then connect to the
 *   address that was checked, never resolving again (notification webhooks: one request each);
 * - createGuardedAgents(): check at every connection, as the HTTP agents' `lookup` (the S3
 *   client, which opens many connections over a long upload), so a name that answered a public
 *   address first and 127.0.0.1 later (DNS rebinding) is still refused.
 *
 * IP literals never reach a `lookup`; parseOutboundUrl has checked those already.
 */
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import {
  checkResolvedAddresses,
  classifyIpAddress,
  isIpLiteral,
  parseOutboundUrl,
  type AddressClass,
  type DestinationPolicy,
  type OutboundUrl,
} from '@berth/core';
import { BerthError } from '@berth/protocol';

export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Resolves a host name to all its addresses (the system resolver by default). */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

const systemResolver: Resolver = (hostname) => dns.promises.lookup(hostname, { all: true, verbatim: true });

export interface EgressOptions extends Partial<DestinationPolicy> {
  /** Names the URL in messages: "webhook URL", "S3 endpoint". */
  what?: string;
  resolve?: Resolver;
}

export interface CheckedEgress extends OutboundUrl {
  url: URL;
  /** Every address the name resolved to when checked (the literal itself for an IP address). */
  addresses: string[];
  /** The address to connect to: pass pinnedLookup(checked) as the request's `lookup`. */
  address: string;
  family: 4 | 6;
  /** 'public', or the class an owner allowed. */
  addressClass: AddressClass;
}

/**
 * Parses and checks an outgoing URL. Throws BerthError VALIDATION_FAILED (not a usable URL),
 * DESTINATION_NOT_ALLOWED (an address it must not reach) or DESTINATION_UNRESOLVABLE (no
 * address now; worth retrying later).
 */
export async function checkEgressUrl(raw: unknown, options: EgressOptions = {}): Promise<CheckedEgress> {
  const what = options.what ?? 'URL';
  const policy: DestinationPolicy = { allowPrivate: options.allowPrivate === true };
  const parsed = parseOutboundUrl(raw, what, policy);
  let answers: ResolvedAddress[];
  if (isIpLiteral(parsed.host)) {
    answers = [{ address: parsed.host, family: isIP(parsed.host) }];
  } else {
    try {
      answers = await (options.resolve ?? systemResolver)(parsed.host);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
      throw new BerthError('DESTINATION_UNRESOLVABLE', `${what} ${parsed.host} does not resolve (${code})`, {
        hint: 'Check the name, and that this server can resolve it; a new name may not be in DNS yet.',
        cause: err,
      });
    }
  }
  const addresses = answers.map((a) => a.address);
  // Every address is checked, not only the one used: a name that answers both a public and a
  // private address would otherwise pass half the time.
  checkResolvedAddresses(what, parsed.host, addresses, policy);
  const first = answers[0];
  const family = first === undefined ? 0 : isIP(first.address);
  if (first === undefined || (family !== 4 && family !== 6))
    throw new BerthError('DESTINATION_UNRESOLVABLE', `${what} ${parsed.host} has no address`);
  return {
    ...parsed,
    url: new URL(parsed.href),
    addresses,
    address: first.address,
    family,
    addressClass: classifyIpAddress(first.address) ?? 'reserved',
  };
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

/** A `lookup` for net/http that resolves as usual, then refuses any answer the policy forbids. */
export function createGuardedLookup(what: string, policy: DestinationPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, answers) => {
      if (err) {
        callback(err, []);
        return;
      }
      try {
        checkResolvedAddresses(
          what,
          hostname,
          answers.map((a) => a.address),
          policy,
        );
      } catch (refusal) {
        callback(refusal as NodeJS.ErrnoException, []);
        return;
      }
      if (options.all === true) {
        callback(null, answers);
        return;
      }
      const first = answers[0];
      if (first === undefined)
        callback(Object.assign(new Error(`${hostname}: no address`), { code: 'ENOTFOUND' }), []);
      else callback(null, first.address, first.family);
    });
  };
}

export interface GuardedAgents {
  httpAgent: http.Agent;
  httpsAgent: https.Agent;
  destroy(): void;
}

export function createGuardedAgents(what: string, policy: DestinationPolicy): GuardedAgents {
  const lookup = createGuardedLookup(what, policy);
  const httpAgent = new http.Agent({ keepAlive: true, lookup });
  const httpsAgent = new https.Agent({ keepAlive: true, lookup });
  return {
    httpAgent,
    httpsAgent,
    destroy: () => {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}
