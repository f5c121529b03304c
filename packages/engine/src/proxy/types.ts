import type { AppRoute, UpstreamTable } from '@berth/core';

/**
 * The proxy port. Routes (hostnames → an app's upstream set) live in the proxy's config and
 * change only when apps do; upstreams are published through the upstream DNS service, so a
 * rollout step never reloads the proxy.
 */

export interface UpstreamStatus {
  /** `host:port` as the proxy dials it, e.g. `berth-web-v3-k2x9m4-1.replicas.berth.internal.:41234`. */
  address: string;
  /** Requests in flight to this upstream right now. */
  inflight: number;
  fails: number;
}

export interface ProxySettings {
  /** Address the HTTP server listens on, e.g. `:80` or `127.0.0.1:8080`. */
  httpListen: string;
  /** Unix socket of the upstream DNS service. */
  dnsSocket: string;
  /** How long the proxy caches an upstream set; a removed upstream may get requests for this long. */
  upstreamRefreshMs: number;
}

export interface Proxy {
  /** Makes the proxy serve exactly these routes; returns false when nothing had to change. */
  applyRoutes(routes: readonly AppRoute[]): Promise<boolean>;
  /** In-flight requests per upstream. An upstream with none may be absent. */
  upstreams(): Promise<UpstreamStatus[]>;
  /** Resolves when the proxy's admin API answers. */
  ready(): Promise<void>;
}

/** Where the upstream table is kept so the DNS service can serve it while the agent is down. */
export interface UpstreamTableStore {
  read(): Promise<UpstreamTable>;
  /** Atomic replace (write, fsync, rename): the DNS service never sees half a table. */
  write(table: UpstreamTable): Promise<void>;
}
