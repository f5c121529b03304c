/**
 * The Proxy port on Caddy. Routes go into Caddy's config, loaded only when they change (see
 * caddy-proxy.ts); upstreams go into the table file that the upstream DNS service answers from,
 * and Caddy's dynamic SRV upstreams pick them up within their refresh interval.
 *
 * Why DNS and not Caddy's config, measured on Caddy 2.6: every config load opens a new listener
 * and resets a few client connections under load, so a rollout step (one replica in, one out)
 * must never load a config; a changed DNS answer resets none. The DNS service runs as a process of
 * its own (berth up's `dns`, see upstream-dns/service.ts), so Caddy keeps resolving the last
 * published upstreams while the agent is down. This file is the only writer of that table.
 */

import type { Upstream } from '@berth/core';
import type { Proxy } from '../types.js';
import type { UpstreamTable } from '../upstream-dns/answer.js';
import { createUpstreamTableFile } from '../upstream-dns/table-file.js';
import { appNameOfSet, replicaOfAddress, toUpstreamSetName } from '../upstream-dns/zone.js';
import { createCaddyProxy } from './caddy-proxy.js';
import type { CaddySettings } from './config.js';
import { createSerialQueue } from '@berth/io';

export interface CaddyEdgeOptions {
  adminSocket: string;
  settings: CaddySettings;
  /** The upstream table the DNS service at `settings.dnsSocket` answers from. */
  tablePath: string;
  /** Caddy's config is compared with the routes at least this often: a restarted Caddy may have lost them. */
  routesCheckMs?: number;
  /** How long ready() waits for the admin API. */
  readyTimeoutMs?: number;
  /** Per admin request. */
  requestTimeoutMs?: number;
  clock?: () => number;
}

/** After Caddy's refresh interval, how much longer a replica that left may still get a request picked earlier. */
const REMOVAL_MARGIN_MS = 150;
const ROUTES_CHECK_EVERY_MS = 10_000;

/** By app name → the table's SRV sets. Apps without replicas get no set (their name is NXDOMAIN). */
export function toUpstreamTable(upstreams: Readonly<Record<string, readonly Upstream[]>>): UpstreamTable {
  const sets: Record<string, Upstream[]> = {};
  for (const [appName, ups] of Object.entries(upstreams)) {
    if (ups.length > 0)
      sets[toUpstreamSetName(appName)] = ups.map((u) => ({ name: u.name, host: u.host, port: u.port }));
  }
  return { sets };
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

export function createCaddyEdge(options: CaddyEdgeOptions): Proxy {
  const { settings } = options;
  const clock = options.clock ?? Date.now;
  const routesCheckMs = options.routesCheckMs ?? ROUTES_CHECK_EVERY_MS;
  const caddy = createCaddyProxy({
    adminSocket: options.adminSocket,
    settings,
    ...(options.readyTimeoutMs === undefined ? {} : { readyTimeoutMs: options.readyTimeoutMs }),
    ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
  });
  const table = createUpstreamTableFile(options.tablePath);
  let routesKey: string | null = null;
  let routesCheckedAt = 0;
  let tableKey: string | null = null;
  // Overlapping publishes could write an older table last; one at a time keeps the last call's.
  const serialized = createSerialQueue();
  return {
    publish(state) {
      return serialized(async () => {
        // Routes first: an app that went away stops being served before its upstreams vanish.
        const key = JSON.stringify(state.routes);
        if (key !== routesKey || clock() - routesCheckedAt >= routesCheckMs) {
          await caddy.applyRoutes(state.routes);
          routesKey = key;
          routesCheckedAt = clock();
        }
        const next = toUpstreamTable(state.upstreams);
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
