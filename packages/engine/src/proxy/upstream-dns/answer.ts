/**
 * What the upstream DNS service answers, from the table the Caddy adapter publishes: SRV for an
 * app's set, A for each replica. Upstreams go through DNS rather than Caddy's config because a
 * Caddy 2.6 config change resets client connections under load; a changed DNS answer resets none.
 */

import type { Upstream } from '@berth/core';
import { toReplicaHostname } from './zone.js';

/** The published upstream sets: SRV name → upstreams (each with its replica's A record). */
export interface UpstreamTable {
  sets: Record<string, Upstream[]>;
}

export interface DnsAnswer {
  srv?: { target: string; port: number }[];
  a?: string[];
}

/** Answers a DNS question from the table; null means the name does not exist (NXDOMAIN). */
export function answerUpstreamQuery(
  table: UpstreamTable,
  name: string,
  type: 'SRV' | 'A' | 'OTHER',
): DnsAnswer | null {
  const q = name.toLowerCase().replace(/\.$/, '');
  const set = table.sets[q];
  if (set) {
    return type === 'SRV'
      ? { srv: set.map((u) => ({ target: toReplicaHostname(u.name), port: u.port })) }
      : {};
  }
  for (const ups of Object.values(table.sets)) {
    const hit = ups.find((u) => toReplicaHostname(u.name) === q);
    if (hit) return type === 'A' ? { a: [hit.host] } : {};
  }
  return null;
}
