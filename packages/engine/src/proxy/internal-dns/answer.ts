/**
 * What the DNS server on a team network's gateway says (docs/security.md, "Apps reach their own
 * team by name"). Pure: the team's names in, the decision out; ./server.ts does the sockets.
 */

import { isIPv4, isIPv6 } from 'node:net';
import type { DnsAnswer } from '../upstream-dns/answer.js';

/** What one team's replicas on this server may reach by name. */
export interface TeamNames {
  /** The team network's gateway on this server: every name points there, at the local edge. */
  gateway: string;
  /** Names of the team's apps this server's edge serves (placed here or served from elsewhere). */
  apps: ReadonlySet<string>;
  /**
   * The team's managed databases running on this server: name → the replica's own address on
   * the team network (`<name>.db.internal`, reached over TCP directly, not through the edge).
   */
  databases?: ReadonlyMap<string, string>;
}

/** The label under INTERNAL_ZONE that databases' names sit in (`main.db.internal`). */
export const DATABASE_LABEL = 'db';

export const INTERNAL_ZONE = 'internal';

export type InternalDecision =
  /** Answer from here; `answer` null is NXDOMAIN. */
  | { kind: 'answer'; answer: DnsAnswer | null }
  /** Not ours: relay it to the host's resolvers. */
  | { kind: 'forward' };

/**
 * `<app>.internal` of the team: A is the gateway, any other type an empty answer (the name
 * exists). `<db>.db.internal` of the team: A is the database replica's own address (TTL 0, as
 * every answer here: a recreate changes it). Every other `.internal` name, another team's app among them, does not exist: a
 * client cannot tell another team's app from no app. The rest of the world is forwarded.
 */
export function decideInternalQuery(
  names: TeamNames,
  name: string,
  type: 'SRV' | 'A' | 'OTHER',
): InternalDecision {
  const q = name.toLowerCase().replace(/\.$/, '');
  if (q !== INTERNAL_ZONE && !q.endsWith(`.${INTERNAL_ZONE}`)) return { kind: 'forward' };
  const labels = q.split('.');
  if (labels.length === 3 && labels[1] === DATABASE_LABEL) {
    const address = labels[0] === undefined ? undefined : names.databases?.get(labels[0]);
    if (address === undefined) return { kind: 'answer', answer: null };
    return { kind: 'answer', answer: type === 'A' ? { a: [address] } : {} };
  }
  const app = labels.length === 2 ? labels[0] : undefined;
  if (app === undefined || !names.apps.has(app)) return { kind: 'answer', answer: null };
  return { kind: 'answer', answer: type === 'A' ? { a: [names.gateway] } : {} };
}

/**
 * The nameservers of a resolv.conf, in order: IPv4 and IPv6 (a link-local one may carry its
 * `%interface`). Anything else on a nameserver line is not an address and is skipped.
 */
export function parseResolvConf(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const address = /^\s*nameserver\s+(\S+)\s*(?:[#;].*)?$/.exec(line)?.[1];
    if (address !== undefined && isResolverAddress(address)) out.push(address);
  }
  return out;
}

const ZONE = /^[A-Za-z0-9_.-]{1,15}$/;

function isResolverAddress(address: string): boolean {
  if (isIPv4(address)) return true;
  const [ip = '', zone, ...rest] = address.split('%');
  return isIPv6(ip) && rest.length === 0 && (zone === undefined || ZONE.test(zone));
}
