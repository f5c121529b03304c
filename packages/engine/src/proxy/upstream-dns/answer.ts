/**
 * What the upstream DNS service answers, from the table the Caddy adapter publishes. Caddy's
 * config never changes after start (a Caddy 2.6 config change resets client connections and
 * closes WebSockets), so every routing decision is an answer here: which replicas serve a
 * request's host (SRV, then A for each replica), and, for a host no app serves or one that only
 * redirects, the edge service beside this one (edge-service/responder.ts).
 */

import { ipv4CidrContains, type Upstream } from '@berth/core';
import { EDGE_SERVICE_HOSTNAME, parseSetName, toReplicaHostname, toUpstreamSetName } from './zone.js';

/** How a hostname is served. */
export interface HostEntry {
  app: string;
  /** The edge holds a certificate for it: over plain HTTP it redirects to HTTPS. */
  https: boolean;
}

export interface RedirectEntry {
  to: string;
  /** The target is served over HTTPS. */
  https: boolean;
}

/** Everything the edge routes by, published as one file (see table-file.ts). */
export interface UpstreamTable {
  /** App SRV sets (`<app>.apps.berth.internal`) → upstreams, each with its replica's A record. */
  sets: Record<string, Upstream[]>;
  /** Hostname → the app serving it. */
  hosts?: Record<string, HostEntry>;
  /** `<app>.internal` → the app, served only to clients in its team's subnet. */
  internal?: Record<string, { app: string; from: string }>;
  /** Names that only redirect, → their target. */
  redirects?: Record<string, RedirectEntry>;
  /** HTTP-01: token → key authorization. */
  challenges?: Record<string, string>;
  /** The public HTTPS port written into redirects (443 is left out of URLs). */
  httpsPort?: number;
}

export interface DnsAnswer {
  srv?: { target: string; port: number }[];
  a?: string[];
}

/** Where the edge service listens (always loopback). */
export interface EdgeServiceAddress {
  host: string;
  port: number;
}

const appSet = (table: UpstreamTable, app: string): DnsAnswer | null => {
  const set = table.sets[toUpstreamSetName(app)];
  // No replicas: no such name, so Caddy keeps retrying within its try window (a replica may be
  // about to come), then answers 503. Never the edge service: that would be a 404 mid-deploy.
  return set ? { srv: set.map((u) => ({ target: toReplicaHostname(u.name), port: u.port })) } : null;
};

/** A hostname's entry: its own, else a wildcard's one label up (`*.example.com` for `a.example.com`). */
export function hostEntry(table: UpstreamTable, hostname: string): HostEntry | undefined {
  const exact = table.hosts?.[hostname];
  if (exact !== undefined || table.redirects?.[hostname] !== undefined) return exact;
  const dot = hostname.indexOf('.');
  return dot > 0 ? table.hosts?.[`*.${hostname.slice(dot + 1)}`] : undefined;
}

function answerSet(table: UpstreamTable, name: string, service: EdgeServiceAddress | null): DnsAnswer | null {
  const query = parseSetName(name);
  if (query === null) return null;
  const toService = (): DnsAnswer | null =>
    service === null ? null : { srv: [{ target: EDGE_SERVICE_HOSTNAME, port: service.port }] };
  switch (query.kind) {
    case 'app':
      return appSet(table, query.appName);
    case 'host': {
      const entry = hostEntry(table, query.hostname);
      if (entry === undefined || (query.plain && entry.https)) return toService();
      return appSet(table, entry.app);
    }
    case 'internal': {
      const entry = table.internal?.[query.hostname];
      if (entry === undefined || !ipv4CidrContains(entry.from, query.client)) return toService();
      return appSet(table, entry.app);
    }
  }
}

/**
 * Answers a DNS question from the table; null means the name does not exist (NXDOMAIN).
 * `service` null: no edge service runs beside (the hosts then only resolve to apps).
 */
export function answerUpstreamQuery(
  table: UpstreamTable,
  name: string,
  type: 'SRV' | 'A' | 'OTHER',
  service: EdgeServiceAddress | null = null,
): DnsAnswer | null {
  const q = name.toLowerCase().replace(/\.$/, '');
  if (service !== null && q === EDGE_SERVICE_HOSTNAME) return type === 'A' ? { a: [service.host] } : {};
  const set = answerSet(table, q, service);
  if (set) return type === 'SRV' ? set : {};
  for (const ups of Object.values(table.sets)) {
    const hit = ups.find((u) => toReplicaHostname(u.name) === q);
    if (hit) return type === 'A' ? { a: [hit.host] } : {};
  }
  return null;
}
