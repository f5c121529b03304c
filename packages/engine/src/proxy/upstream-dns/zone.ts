/**
 * The names the upstream DNS service answers. Only the Caddy adapter knows them: Caddy asks for an
 * app's SRV set and then for the A record of each target, because Go rejects IP literals as SRV
 * targets.
 */

export const UPSTREAM_ZONE = 'berth.internal';

const APPS_SUFFIX = `.apps.${UPSTREAM_ZONE}`;
const REPLICAS_SUFFIX = `.replicas.${UPSTREAM_ZONE}`;
const HOSTS_SUFFIX = `.hosts.${UPSTREAM_ZONE}`;

/** SRV name listing an app's upstreams. */
export const toUpstreamSetName = (appName: string): string => `${appName}${APPS_SUFFIX}`;

/**
 * SRV name listing the upstreams that serve a hostname (issue 11's static edge builds it per
 * request from a placeholder of the request's host).
 */
export const toHostSetName = (hostname: string): string => `${hostname}${HOSTS_SUFFIX}`;

/**
 * SRV name listing the upstreams that serve an `<app>.internal` hostname to one client address:
 * the DNS service answers it only for a client in the app's team subnet (IPv4: an IPv6 address's
 * colons cannot be part of a DNS name).
 */
export const toInternalSetName = (hostname: string, clientAddress: string): string =>
  `${hostname}.from-${clientAddress}${HOSTS_SUFFIX}`;

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
