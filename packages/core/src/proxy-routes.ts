/**
 * The proxy's model, independent of Caddy or nginx: each app has hostnames and a set of
 * upstreams. Upstreams are published through a small DNS service (SRV for the set, A for each
 * replica), so the proxy picks up a rollout step without reloading its config: a Caddy 2.6
 * reload resets a few connections under load, a DNS change resets none.
 */

export const UPSTREAM_ZONE = 'berth.internal';

/** SRV name listing an app's upstreams. */
export const toUpstreamSetName = (appName: string): string => `${appName}.apps.${UPSTREAM_ZONE}`;

/** A name for one replica; its A record is the address the proxy dials. */
export const toReplicaHostname = (containerName: string): string =>
  `${containerName}.replicas.${UPSTREAM_ZONE}`;

export interface Upstream {
  /** The replica's container name. */
  name: string;
  host: string;
  port: number;
}

export interface AppRoute {
  appId: string;
  appName: string;
  hostnames: string[];
  upstreamSet: string;
}

/** What the proxy serves: the routes change only when apps or hostnames change. */
export function toAppRoutes(
  apps: readonly { appId: string; appName: string; hostnames: string[] }[],
): AppRoute[] {
  return [...apps]
    .sort((a, b) => (a.appName < b.appName ? -1 : a.appName > b.appName ? 1 : 0))
    .map((a) => ({
      appId: a.appId,
      appName: a.appName,
      hostnames: [...a.hostnames].sort(),
      upstreamSet: toUpstreamSetName(a.appName),
    }));
}

/** The published upstream sets: SRV name → upstreams, A name → address. */
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
