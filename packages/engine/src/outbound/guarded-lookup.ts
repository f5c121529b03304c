/**
 * The SSRF guard's I/O half: resolving a destination's name and refusing it when any answer is
 * an address Berth must not reach (core's address classes decide). Used twice:
 *
 * - checkDestination(): once, when a URL is given (a target added), for a clear early error;
 * - createGuardedAgents(): at every connection, as the HTTP agents' `lookup`, so a name that
 *   answered with a public address when it was checked and with 127.0.0.1 later (DNS
 *   rebinding) is still refused. IP literals never reach `lookup`; parseOutboundUrl has
 *   checked those already.
 */
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import {
  checkResolvedAddresses,
  isIpLiteral,
  parseOutboundUrl,
  type DestinationPolicy,
  type OutboundUrl,
} from '@berth/core';
import { BerthError } from '@berth/protocol';

export type ResolveAll = (host: string) => Promise<string[]>;

const systemResolveAll: ResolveAll = async (host) =>
  (await dns.promises.lookup(host, { all: true, verbatim: true })).map((a) => a.address);

export interface CheckedDestination extends OutboundUrl {
  /** What the name resolved to when checked (the literal itself for an IP address). */
  addresses: string[];
}

/**
 * Parses `raw` and resolves its host: VALIDATION_FAILED for a malformed URL or a name that does
 * not resolve, DESTINATION_NOT_ALLOWED for one that leads where Berth must not go.
 */
export async function checkDestination(
  raw: unknown,
  what: string,
  policy: DestinationPolicy,
  resolveAll: ResolveAll = systemResolveAll,
): Promise<CheckedDestination> {
  const url = parseOutboundUrl(raw, what, policy);
  if (isIpLiteral(url.host)) return { ...url, addresses: [url.host] };
  let addresses: string[];
  try {
    addresses = await resolveAll(url.host);
  } catch (e) {
    const code = e instanceof Error && 'code' in e ? String(e.code) : String(e);
    throw new BerthError('VALIDATION_FAILED', `${what} ${url.host} does not resolve (${code})`, {
      issues: [{ path: what, message: `${url.host} does not resolve` }],
      hint: 'check the host name, and that this server can resolve it',
    });
  }
  checkResolvedAddresses(what, url.host, addresses, policy);
  return { ...url, addresses };
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
