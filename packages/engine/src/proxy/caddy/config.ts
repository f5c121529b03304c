/**
 * Caddy JSON config, rendered from the proxy's route model. Pure: the same routes always render
 * the same config, which is what lets the edge skip a reload (a reload resets connections).
 */

import { toInternalHostname, type AppRoute } from '@berth/core';
import { isIpv4Cidr } from '../../firewall/nft-values.js';
import { BerthError, DOMAIN_PATTERN } from '@berth/protocol';
import { toUpstreamSetName } from '../upstream-dns/zone.js';

export interface CaddySettings {
  /** Address the HTTP server listens on, e.g. `:80` or `127.0.0.1:8080`. */
  httpListen: string;
  /** Unix socket of the upstream DNS service. */
  dnsSocket: string;
  /** How long Caddy caches an upstream set; a removed upstream may get requests for this long. */
  upstreamRefreshMs: number;
}

export const CADDY_SERVER_NAME = 'berth';

/** Retry window for dial failures: a replica that vanished mid-rollout is retried on another. */
const TRY_DURATION = '5s';
const TRY_INTERVAL = '50ms';

export type CaddyJson = Record<string, unknown>;

export const toUnixAddress = (socketPath: string): string => `unix/${socketPath}`;

/** Caddy's duration strings are Go's: `250ms`. Whole milliseconds; never below 1 ms. */
export const toCaddyDuration = (ms: number): string => `${Math.max(1, Math.round(ms))}ms`;

function adminSection(adminSocket: string): CaddyJson {
  // Identical in the boot config and every later one: Caddy restarts its admin endpoint when
  // this section changes, which would drop the very request that is loading the config.
  return { listen: toUnixAddress(adminSocket) };
}

/** What Caddy starts with before Berth has told it anything: the admin API and nothing else. */
export function renderCaddyBootConfig(adminSocket: string): CaddyJson {
  return { admin: adminSection(adminSocket) };
}

function appRoute(route: AppRoute, settings: CaddySettings): CaddyJson {
  return { match: [{ host: [...route.hostnames] }], handle: appHandlers(route, settings), terminal: true };
}

/**
 * `<app>.internal` for the app's own team: only clients in its team network's subnet on this
 * server match (the socket's address; Caddy's remote_ip ignores X-Forwarded-For by default).
 * Another team's request for that name falls through to the 404.
 */
function internalRoute(route: AppRoute & { internalFrom: string }, settings: CaddySettings): CaddyJson {
  return {
    match: [{ host: [toInternalHostname(route.appName)], remote_ip: { ranges: [route.internalFrom] } }],
    handle: appHandlers(route, settings),
    terminal: true,
  };
}

function appHandlers(route: AppRoute, settings: CaddySettings): CaddyJson[] {
  const resolver = { addresses: [toUnixAddress(settings.dnsSocket)] };
  return [
    {
      handler: 'reverse_proxy',
      // SRV upstreams from Berth's DNS service: a rollout step changes the answer, never this config.
      dynamic_upstreams: {
        source: 'srv',
        name: toUpstreamSetName(route.appName),
        refresh: toCaddyDuration(settings.upstreamRefreshMs),
        resolver,
      },
      // SRV targets are hostnames (Go rejects IP literals there); the same service answers their A records.
      transport: { protocol: 'http', resolver },
      load_balancing: { try_duration: TRY_DURATION, try_interval: TRY_INTERVAL },
    },
  ];
}

const notFoundRoute: CaddyJson = {
  handle: [
    {
      handler: 'static_response',
      status_code: 404,
      headers: {
        'Content-Type': ['text/plain; charset=utf-8'],
        'X-Content-Type-Options': ['nosniff'],
      },
      body: 'No app is served at {http.request.host}\n',
    },
  ],
  terminal: true,
};

export interface CaddyConfigInput {
  adminSocket: string;
  settings: CaddySettings;
  routes: readonly AppRoute[];
}

/**
 * Caddy expands placeholders such as `{env.X}` inside host matchers, so a name that slipped past
 * validation elsewhere must not reach the config. Throwing here is a bug report, not user error.
 */
function assertRenderable(route: AppRoute): void {
  const internal = route.internalFrom === undefined ? [] : [toInternalHostname(route.appName)];
  if (route.internalFrom !== undefined && !isIpv4Cidr(route.internalFrom))
    throw new BerthError('INTERNAL', `App ${route.appName} has no usable team subnet: ${route.internalFrom}`);
  for (const name of [toUpstreamSetName(route.appName), ...route.hostnames, ...internal]) {
    if (!DOMAIN_PATTERN.test(name)) {
      throw new BerthError(
        'INTERNAL',
        `App ${route.appName} has a name the proxy cannot serve: ${JSON.stringify(name)}`,
      );
    }
  }
}

export function renderCaddyConfig({ adminSocket, settings, routes }: CaddyConfigInput): CaddyJson {
  routes.forEach(assertRenderable);
  // An empty host matcher would match every request, so an app without hostnames gets no route.
  const served = routes.filter((r) => r.hostnames.length > 0);
  return {
    admin: adminSection(adminSocket),
    apps: {
      http: {
        servers: {
          [CADDY_SERVER_NAME]: {
            listen: [settings.httpListen],
            // TLS comes later; until then Caddy must not try to obtain certificates on its own.
            automatic_https: { disable: true },
            routes: [
              ...served.map((r) => appRoute(r, settings)),
              ...routes.flatMap((r) =>
                r.internalFrom === undefined
                  ? []
                  : [internalRoute({ ...r, internalFrom: r.internalFrom }, settings)],
              ),
              notFoundRoute,
            ],
          },
        },
      },
    },
  };
}
