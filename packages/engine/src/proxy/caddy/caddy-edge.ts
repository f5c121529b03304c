/**
 * The Proxy port on Caddy. Caddy runs one config that never changes after start (edge-config.ts):
 * every publish goes to the edge service beside it instead, as two files it answers from: the
 * routing table (hosts, upstreams, redirects, HTTP-01 tokens; its DNS and responder) and the
 * certificate table (its handshake endpoint).
 *
 * Why, measured on Caddy 2.6: every config load opens a new listener, resets client connections
 * under load and closes every proxied WebSocket; a changed DNS answer or a certificate fetched
 * at the next handshake resets none. The edge service is a process of its own (berth up's `dns`),
 * so Caddy keeps resolving and handshaking from the last published files while the agent is
 * down. This file is the only writer of both.
 */

import type { Upstream } from '@berth/core';
import { createSerialQueue } from '@berth/io';
import type { EdgeState, Proxy } from '../types.js';
import { certificateFor, type CertificateTable } from '../edge-certificates/table.js';
import { writeCertificateTable } from '../edge-certificates/table-file.js';
import type { UpstreamTable } from '../upstream-dns/answer.js';
import { createUpstreamTableFile } from '../upstream-dns/table-file.js';
import { appNameOfSet, replicaOfAddress, toUpstreamSetName } from '../upstream-dns/zone.js';
import { createCaddyProxy } from './caddy-proxy.js';
import { renderEdgeConfig, type EdgeSettings } from './edge-config.js';
import { toInternalHostname } from '@berth/core';

export interface CaddyEdgeOptions {
  adminSocket: string;
  settings: EdgeSettings;
  /** The routing table the edge service at `settings.dnsSocket` answers from. */
  tablePath: string;
  /** The certificate table the edge service hands Caddy at each handshake (written 0600). */
  certificatesPath: string;
  /** The HTTPS port clients use, written into redirects; defaults to the listener's. */
  httpsPublicPort?: number;
  /** Caddy's config is compared with the edge's at least this often: a restarted Caddy may have lost it. */
  configCheckMs?: number;
  /** How long ready() waits for the admin API. */
  readyTimeoutMs?: number;
  /** Per admin request. */
  requestTimeoutMs?: number;
  clock?: () => number;
}

/** After Caddy's refresh interval, how much longer a replica that left may still get a request picked earlier. */
const REMOVAL_MARGIN_MS = 150;
const CONFIG_CHECK_EVERY_MS = 10_000;

/** By app name → the table's SRV sets. Apps without replicas get no set (their name is NXDOMAIN). */
export function toUpstreamSets(
  upstreams: Readonly<Record<string, readonly Upstream[]>>,
): UpstreamTable['sets'] {
  const sets: Record<string, Upstream[]> = {};
  for (const [appName, ups] of Object.entries(upstreams)) {
    if (ups.length > 0)
      sets[toUpstreamSetName(appName)] = ups.map((u) => ({ name: u.name, host: u.host, port: u.port }));
  }
  return sets;
}

/** The table's SRV sets → by app name; a set outside the zone's app names is not ours and is left out. */
export function fromUpstreamTable(table: UpstreamTable): Record<string, Upstream[]> {
  const out: Record<string, Upstream[]> = {};
  for (const [setName, ups] of Object.entries(table.sets)) {
    const appName = appNameOfSet(setName);
    if (appName !== null && ups.length > 0) out[appName] = ups;
  }
  return out;
}

/**
 * Everything the edge routes by, from the published state. A hostname is served over HTTPS (its
 * plain HTTP redirecting there) only when the edge has an HTTPS listener and a certificate for it;
 * otherwise over plain HTTP, so a name whose certificate is not issued yet still works.
 * Two routes naming one host cannot happen (berthd refuses it); if it did, the first app wins.
 */
export function toEdgeTable(state: EdgeState, httpsPort: number | null): UpstreamTable {
  const certificates: CertificateTable = { certificates: [...(state.certificates ?? [])] };
  // A wildcard hostname needs a certificate for that very wildcard (certificateFor takes server names).
  const covered = (name: string): boolean =>
    name.startsWith('*.')
      ? certificates.certificates.some((c) => c.names.includes(name))
      : certificateFor(certificates, name) !== null;
  const https = (name: string): boolean => httpsPort !== null && covered(name);
  const hosts: NonNullable<UpstreamTable['hosts']> = {};
  const internal: NonNullable<UpstreamTable['internal']> = {};
  const redirects: NonNullable<UpstreamTable['redirects']> = {};
  for (const route of state.routes) {
    for (const name of route.hostnames) hosts[name] ??= { app: route.appName, https: https(name) };
    if (route.internalFrom !== undefined)
      internal[toInternalHostname(route.appName)] = { app: route.appName, from: route.internalFrom };
  }
  for (const route of state.routes) {
    for (const r of route.redirects ?? []) {
      if (hosts[r.from] === undefined) redirects[r.from] ??= { to: r.to, https: https(r.to) };
    }
  }
  return {
    sets: toUpstreamSets(state.upstreams),
    hosts,
    internal,
    redirects,
    challenges: { ...(state.challenges ?? {}) },
    ...(httpsPort === null ? {} : { httpsPort }),
  };
}

const listenPort = (listen: string): number => Number(listen.slice(listen.lastIndexOf(':') + 1));

export function createCaddyEdge(options: CaddyEdgeOptions): Proxy {
  const { settings } = options;
  const clock = options.clock ?? Date.now;
  const configCheckMs = options.configCheckMs ?? CONFIG_CHECK_EVERY_MS;
  const caddy = createCaddyProxy({
    adminSocket: options.adminSocket,
    ...(options.readyTimeoutMs === undefined ? {} : { readyTimeoutMs: options.readyTimeoutMs }),
    ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
  });
  const config = renderEdgeConfig(options.adminSocket, settings);
  const httpsPort =
    settings.https === null ? null : (options.httpsPublicPort ?? listenPort(settings.https.listen));
  const table = createUpstreamTableFile(options.tablePath);
  let configCheckedAt: number | null = null;
  let tableKey: string | null = null;
  let certificatesKey: string | null = null;
  // Overlapping publishes could write an older table last; one at a time keeps the last call's.
  const serialized = createSerialQueue();
  return {
    publish(state) {
      return serialized(async () => {
        if (configCheckedAt === null || clock() - configCheckedAt >= configCheckMs) {
          await caddy.applyConfig(config);
          configCheckedAt = clock();
        }
        // Certificates first: a host is redirected to HTTPS only once its certificate is served.
        const certificates = { certificates: [...(state.certificates ?? [])] };
        const certKey = JSON.stringify(certificates);
        if (certKey !== certificatesKey) {
          await writeCertificateTable(options.certificatesPath, certificates);
          certificatesKey = certKey;
        }
        const next = toEdgeTable(state, httpsPort);
        const nextKey = JSON.stringify(next);
        if (nextKey === tableKey) return;
        await table.write(next);
        tableKey = nextKey;
      });
    },
    published: async () => fromUpstreamTable(await table.read()),
    removalSettleMs: settings.upstreamRefreshMs + REMOVAL_MARGIN_MS,
    async inflight() {
      const byReplica = new Map<string, number>();
      for (const u of await caddy.upstreams()) {
        const replica = replicaOfAddress(u.address);
        if (replica !== null) byReplica.set(replica, (byReplica.get(replica) ?? 0) + u.inflight);
      }
      return byReplica;
    },
    ready: () => caddy.ready(),
  };
}
