/**
 * The names the upstream DNS service answers. Only the Caddy adapter knows them: Caddy asks for an
 * app's SRV set and then for the A record of each target, because Go rejects IP literals as SRV
 * targets.
 */

export const UPSTREAM_ZONE = 'berth.internal';

const APPS_SUFFIX = `.apps.${UPSTREAM_ZONE}`;
const REPLICAS_SUFFIX = `.replicas.${UPSTREAM_ZONE}`;
const HOSTS_SUFFIX = `.hosts.${UPSTREAM_ZONE}`;
const PLAIN_HOSTS_SUFFIX = `.plain-hosts.${UPSTREAM_ZONE}`;
const INTERNAL_SET = new RegExp(
  `^(.+)\\.from-([0-9]{1,3}(?:\\.[0-9]{1,3}){3})${HOSTS_SUFFIX.replace(/\./g, '\\.')}$`,
);

/**
 * The edge service's own name: where the edge sends what no app serves (the 404, redirects,
 * HTTP-01 answers). Its A record is loopback and its SRV port the service's.
 */
export const EDGE_SERVICE_HOSTNAME = `edge.${UPSTREAM_ZONE}`;

/** SRV name listing an app's upstreams. */
export const toUpstreamSetName = (appName: string): string => `${appName}${APPS_SUFFIX}`;

/**
 * SRV name listing the upstreams that serve a hostname (issue 11's static edge builds it per
 * request from a placeholder of the request's host).
 */
export const toHostSetName = (hostname: string): string => `${hostname}${HOSTS_SUFFIX}`;

/** The same for a request that came over plain HTTP (where a host with a certificate redirects). */
export const toPlainHostSetName = (hostname: string): string => `${hostname}${PLAIN_HOSTS_SUFFIX}`;

/**
 * SRV name listing the upstreams that serve an `<app>.internal` hostname to one client address:
 * the DNS service answers it only for a client in the app's team subnet (IPv4: an IPv6 address's
 * colons cannot be part of a DNS name).
 */
export const toInternalSetName = (hostname: string, clientAddress: string): string =>
  `${hostname}.from-${clientAddress}${HOSTS_SUFFIX}`;

/** What an SRV name the edge asks for means; null for a name outside the zone's sets. */
export type SetQuery =
  | { kind: 'app'; appName: string }
  | { kind: 'host'; hostname: string; plain: boolean }
  | { kind: 'internal'; hostname: string; client: string };

/** Parses a lower-case name without its final dot. */
export function parseSetName(name: string): SetQuery | null {
  const appName = appNameOfSet(name);
  if (appName !== null) return { kind: 'app', appName };
  if (name.endsWith(PLAIN_HOSTS_SUFFIX))
    return { kind: 'host', hostname: name.slice(0, -PLAIN_HOSTS_SUFFIX.length), plain: true };
  const internal = INTERNAL_SET.exec(name);
  if (internal?.[1] !== undefined && internal[2] !== undefined)
    return { kind: 'internal', hostname: internal[1], client: internal[2] };
  if (name.endsWith(HOSTS_SUFFIX))
    return { kind: 'host', hostname: name.slice(0, -HOSTS_SUFFIX.length), plain: false };
  return null;
}

/** The app an SRV set belongs to; null for a name outside the zone's app sets. */
export function appNameOfSet(setName: string): string | null {
  if (!setName.endsWith(APPS_SUFFIX)) return null;
  const appName = setName.slice(0, -APPS_SUFFIX.length);
  return appName.length > 0 && !appName.includes('.') ? appName : null;
}

/** A name for one replica; its A record is the address the proxy dials. */
export const toReplicaHostname = (containerName: string): string => `${containerName}${REPLICAS_SUFFIX}`;

/**
 * The replica an upstream address (`host:port` as Caddy reports it, the host with or without its
 * final dot) dials; null for an address that is not one of ours.
 */
export function replicaOfAddress(address: string): string | null {
  const colon = address.lastIndexOf(':');
  const host = (colon < 0 ? address : address.slice(0, colon)).replace(/\.$/, '');
  if (!host.endsWith(REPLICAS_SUFFIX)) return null;
  const name = host.slice(0, -REPLICAS_SUFFIX.length);
  return name.length > 0 ? name : null;
}
