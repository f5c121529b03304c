/**
 * The static TLS edge for Caddy 2.6 (issue 11 groundwork, not wired in yet): a config that never
 * changes after start, because a 2.6 config change closes every proxied WebSocket. What changes
 * lives outside it and is asked per handshake or per request:
 *   - certificates: Caddy GETs them from the agent at every handshake (`get_certificate` http
 *     manager; 2.6 caches nothing it gets from a manager, so a rotation shows at the next handshake);
 *   - routes: one catch-all proxy whose SRV name is built from the request's host, answered by the
 *     upstream DNS service;
 *   - HTTP-01 answers: proxied to the agent's challenge responder.
 * docs/architecture.md "TLS on Caddy 2.6 (issue 11 groundwork)" has what was measured.
 */

import { BerthError } from '@berth/protocol';
import { toHostSetName, toInternalSetName } from '../upstream-dns/zone.js';
import { toCaddyDuration, toUnixAddress, type CaddyJson } from './config.js';

export interface EdgeTlsSettings {
  /** Plain HTTP listener, e.g. `:80`. */
  httpListen: string;
  /** HTTPS listener, e.g. `:443`. */
  httpsListen: string;
  /** Port written into HTTP→HTTPS redirects; 443 leaves it out of the URL. */
  httpsPublicPort: number;
  /** Agent endpoint answering `?server_name=N` with N's PEM chain and key (http://127.0.0.1:…). */
  certificateUrl: string;
  /** Agent endpoint answering 200 for `?domain=N` it serves, anything else refuses. */
  askUrl: string;
  /**
   * Where Caddy would go for an ACME certificate if it ever tried: a loopback URL that is not a
   * CA, so a certificate Caddy tried to obtain on its own fails instead of reaching the Internet.
   */
  acmeSinkUrl: string;
  /** The agent's HTTP-01 responder, `host:port`. */
  challengeDial: string;
  /** Unix socket of the upstream DNS service. */
  dnsSocket: string;
  upstreamRefreshMs: number;
}

export const EDGE_HTTP_SERVER = 'berth';
export const EDGE_HTTPS_SERVER = 'berth-tls';

/** The host placeholder Caddy expands per request: the Host header without its port. */
const REQUEST_HOST = '{http.request.host}';
/** The client's address (the socket's, not X-Forwarded-For). */
const CLIENT_ADDRESS = '{http.request.remote.host}';
const TRY_DURATION = '5s';
const TRY_INTERVAL = '50ms';
const LOOPBACK_HTTP_URL = /^http:\/\/127\.0\.0\.1:[0-9]{1,5}\/[A-Za-z0-9/_-]*$/;
const LISTEN = /^(127\.0\.0\.1)?:[0-9]{1,5}$/;
const DIAL = /^127\.0\.0\.1:[0-9]{1,5}$/;

/**
 * The agent's endpoints are loopback HTTP only: Caddy sends every handshake's server name there,
 * and the answer carries a private key.
 */
function assertSettings(s: EdgeTlsSettings): void {
  const bad = (what: string, value: unknown): never => {
    throw new BerthError('INTERNAL', `The TLS edge cannot use ${what} ${JSON.stringify(value)}`);
  };
  for (const url of [s.certificateUrl, s.askUrl, s.acmeSinkUrl])
    if (!LOOPBACK_HTTP_URL.test(url)) bad('the endpoint', url);
  for (const listen of [s.httpListen, s.httpsListen]) if (!LISTEN.test(listen)) bad('the listener', listen);
  if (!DIAL.test(s.challengeDial)) bad('the challenge responder', s.challengeDial);
  if (!Number.isInteger(s.httpsPublicPort) || s.httpsPublicPort < 1 || s.httpsPublicPort > 65535)
    bad('the HTTPS port', s.httpsPublicPort);
}

/**
 * `apps.tls`: one policy for every name. The manager answers each handshake; Caddy 2.6 fails the
 * handshake on any answer but 200 with a PEM body (it has no "not mine, fall through" answer until
 * 2.7's 204), so its issuers are never reached. They are set anyway, to a sink that is not a CA,
 * and `ask` guards the on-demand path, so no change of Caddy's can make it an ACME client.
 */
export function renderEdgeTlsApp(s: EdgeTlsSettings): CaddyJson {
  assertSettings(s);
  return {
    automation: {
      policies: [
        {
          get_certificate: [{ via: 'http', url: s.certificateUrl }],
          issuers: [{ module: 'acme', ca: s.acmeSinkUrl }],
        },
      ],
      on_demand: { ask: s.askUrl },
    },
  };
}

type ProxySettings = Pick<EdgeTlsSettings, 'dnsSocket' | 'upstreamRefreshMs'>;

/** The catch-all proxy: the upstream set is named after the request's host and resolved per request. */
export function hostRoutedProxy(s: ProxySettings, setName = toHostSetName(REQUEST_HOST)): CaddyJson {
  const resolver = { addresses: [toUnixAddress(s.dnsSocket)] };
  return {
    handler: 'reverse_proxy',
    dynamic_upstreams: {
      source: 'srv',
      name: setName,
      refresh: toCaddyDuration(s.upstreamRefreshMs),
      resolver,
    },
    transport: { protocol: 'http', resolver },
    load_balancing: { try_duration: TRY_DURATION, try_interval: TRY_INTERVAL },
  };
}

const LOCAL_HOSTS = ['localhost', '*.localhost'];

/**
 * `<app>.internal` is served to the app's own team only: the set name carries the client's
 * address, so the DNS service can refuse a client outside the team's subnet, per request.
 */
const internalRoute = (s: ProxySettings): CaddyJson => ({
  match: [{ host: ['*.internal'] }],
  handle: [hostRoutedProxy(s, toInternalSetName(REQUEST_HOST, CLIENT_ADDRESS))],
  terminal: true,
});

/**
 * Plain HTTP: HTTP-01 to the agent, `.localhost` and `<app>.internal` served as is, everything
 * else to HTTPS (308).
 */
export function renderEdgeHttpServer(s: EdgeTlsSettings): CaddyJson {
  assertSettings(s);
  const port = s.httpsPublicPort === 443 ? '' : `:${s.httpsPublicPort}`;
  return {
    listen: [s.httpListen],
    // Caddy's own redirects and certificate automation: Berth does both, statically.
    automatic_https: { disable: true },
    routes: [
      {
        match: [{ path: ['/.well-known/acme-challenge/*'] }],
        handle: [{ handler: 'reverse_proxy', upstreams: [{ dial: s.challengeDial }] }],
        terminal: true,
      },
      internalRoute(s),
      { match: [{ host: LOCAL_HOSTS }], handle: [hostRoutedProxy(s)], terminal: true },
      {
        handle: [
          {
            handler: 'static_response',
            status_code: 308,
            headers: { Location: [`https://${REQUEST_HOST}${port}{http.request.uri}`] },
          },
        ],
        terminal: true,
      },
    ],
  };
}

/** HTTPS: certificates per handshake, the catch-all proxy per request. */
export function renderEdgeHttpsServer(s: EdgeTlsSettings): CaddyJson {
  assertSettings(s);
  return {
    listen: [s.httpsListen],
    // An empty policy is what makes the server speak TLS; certificates come from apps.tls.
    tls_connection_policies: [{}],
    automatic_https: { disable: true },
    // No HTTP/3: QUIC is untested here (Node has no QUIC client to hold a connection open with).
    protocols: ['h1', 'h2'],
    routes: [{ handle: [hostRoutedProxy(s)], terminal: true }],
  };
}

/** The whole static edge: loaded once at start, never changed after. */
export function renderStaticEdgeConfig(adminSocket: string, s: EdgeTlsSettings): CaddyJson {
  return {
    admin: { listen: toUnixAddress(adminSocket) },
    apps: {
      http: {
        servers: {
          [EDGE_HTTP_SERVER]: renderEdgeHttpServer(s),
          [EDGE_HTTPS_SERVER]: renderEdgeHttpsServer(s),
        },
      },
      tls: renderEdgeTlsApp(s),
    },
  };
}
