import type { AppRoute, Upstream } from '@berth/core';
import type { EdgeCertificate } from './edge-certificates/table.js';

/**
 * The proxy port: what an edge must serve, published in one call, and what it can say back
 * about traffic. The caller knows apps, hostnames and replicas (by container name and the
 * address the edge dials); how the edge gets them (Caddy's config and its upstream DNS service,
 * or another proxy's way) stays inside the adapter.
 */

/** Everything an edge serves. Each publish replaces the whole of it. */
export interface EdgeState {
  /** Apps and their hostnames. */
  routes: readonly AppRoute[];
  /** By app name, the replicas that serve it now; an app absent (or with none) gets no traffic. */
  upstreams: Readonly<Record<string, readonly Upstream[]>>;
  /**
   * Certificates for the routes' hostnames (exact or one-label wildcard names). A hostname with
   * one is served over HTTPS, and its plain HTTP redirects there (308, except the ACME path); a
   * hostname without one is served over plain HTTP. Omitted: none.
   */
  certificates?: readonly EdgeCertificate[];
  /**
   * HTTP-01 answers every edge serves at `/.well-known/acme-challenge/<token>` on its HTTP port,
   * for any host: token → key authorization. Omitted: none.
   */
  challenges?: Readonly<Record<string, string>>;
}

export interface Proxy {
  /**
   * Makes the edge serve exactly this state; resolves once the edge has it. Cheap when nothing
   * changed: adapters skip what is already in place.
   */
  publish(state: EdgeState): Promise<void>;
  /**
   * The upstreams the edge holds from the last publish, by app name, even one made before this
   * process started: the edge keeps serving them while its publisher restarts.
   */
  published(): Promise<Record<string, Upstream[]>>;
  /**
   * After publish resolves, how long a replica that left the upstreams may still be sent a new
   * request (one picked before the edge learned). From then on only requests already in flight
   * reach it, and inflight() counts those.
   */
  readonly removalSettleMs: number;
  /** Requests in flight per replica (container name). A replica with none may be absent. */
  inflight(): Promise<ReadonlyMap<string, number>>;
  /** Resolves when the edge answers its publisher. */
  ready(): Promise<void>;
}
