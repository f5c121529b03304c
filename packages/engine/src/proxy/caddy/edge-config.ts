/**
 * The Caddy edge's config: the same whatever is served, loaded once at start and never changed
 * after, because a Caddy 2.6 config change resets client connections and closes every proxied
 * WebSocket. What changes lives outside it and is asked per request or per handshake:
 *   - routes: one catch-all proxy whose SRV name is built from the request's host (and, for
 *     `<app>.internal`, the client's address), answered by the edge service's DNS from the table
 *     the agent writes; a host no app serves resolves to the edge service's responder (404,
 *     redirects, HTTP-01 tokens);
 *   - certificates: GET from the edge service at every handshake (`get_certificate` http manager;
 *     2.6 caches nothing it gets from a manager, so a rotation shows at the next handshake).
 * docs/architecture.md "TLS on Caddy 2.6" has what was measured.
 */

import { BerthError } from '@berth/protocol';
import { HSTS_HEADER, hstsHeaderValue, isHstsMaxAge } from '../hsts.js';
import { toHostSetName, toInternalSetName, toPlainHostSetName } from '../upstream-dns/zone.js';
import { toCaddyDuration, toUnixAddress, type CaddyJson } from './config.js';

export interface EdgeHttpsSettings {
  /** HTTPS listener, e.g. `:443`. */
  listen: string;
  /** Edge service endpoint answering `?server_name=N` with N's PEM chain and key (http://127.0.0.1:…). */
  certificateUrl: string;
  /** Edge service endpoint answering 200 for `?domain=N` it holds a certificate for. */
  askUrl: string;
  /**
   * Where Caddy would go for an ACME certificate if it ever tried: a loopback URL that is not a
   * CA, so a certificate Caddy tried to obtain on its own fails instead of reaching the Internet.
   */
  acmeSinkUrl: string;
  /** `Strict-Transport-Security: max-age=N` on every HTTPS response (see ../hsts.ts); absent: none. */
  hstsMaxAge?: number;
}

export interface EdgeSettings {
  /** Plain HTTP listener, e.g. `:80` or `127.0.0.1:8080`. */
  httpListen: string;
  /** Unix socket of the edge service's DNS. */
  dnsSocket: string;
  /** How long Caddy caches an upstream set; a removed upstream may get requests for this long. */
  upstreamRefreshMs: number;
  /** The edge service's responder, `127.0.0.1:port`: HTTP-01 tokens (any host) go straight there. */
  responderDial: string;
  /** null: no HTTPS listener (every host is served over plain HTTP). */
  https: EdgeHttpsSettings | null;
}

export const EDGE_HTTP_SERVER = 'berth';
export const EDGE_HTTPS_SERVER = 'berth-tls';

/** The host placeholder Caddy expands per request: the Host header without its port. */
const REQUEST_HOST = '{http.request.host}';
/** The client's address (the socket's, not X-Forwarded-For). */
const CLIENT_ADDRESS = '{http.request.remote.host}';
/** Retry window for dial failures: a replica that vanished mid-rollout is retried on another. */
const TRY_DURATION = '5s';
const TRY_INTERVAL = '50ms';
const LOOPBACK_HTTP_URL = /^http:\/\/127\.0\.0\.1:[0-9]{1,5}\/[A-Za-z0-9/_-]*$/;
const LISTEN = /^((?:[0-9]{1,3}\.){3}[0-9]{1,3}|\[[0-9a-f:]+\])?:[0-9]{1,5}$/;
const DIAL = /^127\.0\.0\.1:[0-9]{1,5}$/;

/**
 * Settings come from berth up, never from a team; still, the edge service's endpoints must be
 * loopback HTTP (Caddy sends every handshake's server name there, and the answer carries a key).
 */
function assertSettings(s: EdgeSettings): void {
  const bad = (what: string, value: unknown): never => {
    throw new BerthError('INTERNAL', `The edge cannot use ${what} ${JSON.stringify(value)}`);
  };
  if (!LISTEN.test(s.httpListen)) bad('the listener', s.httpListen);
  if (!DIAL.test(s.responderDial)) bad('the edge service', s.responderDial);
  if (s.https === null) return;
  for (const url of [s.https.certificateUrl, s.https.askUrl, s.https.acmeSinkUrl])
    if (!LOOPBACK_HTTP_URL.test(url)) bad('the endpoint', url);
  if (!LISTEN.test(s.https.listen)) bad('the listener', s.https.listen);
  if (s.https.hstsMaxAge !== undefined && !isHstsMaxAge(s.https.hstsMaxAge))
    bad('the HSTS max-age', s.https.hstsMaxAge);
}

/**
 * `apps.tls`: one policy for every name. The manager answers each handshake; Caddy 2.6 fails the
 * handshake on any answer but 200 with a PEM body (it has no "not mine, fall through" answer until
 * 2.7's 204), so its issuers are never reached. They are set anyway, to a sink that is not a CA,
 * and `ask` guards the on-demand path, so no change of Caddy's can make it an ACME client.
 */
export function renderEdgeTlsApp(https: EdgeHttpsSettings): CaddyJson {
  return {
    automation: {
      policies: [
        {
          get_certificate: [{ via: 'http', url: https.certificateUrl }],
          issuers: [{ module: 'acme', ca: https.acmeSinkUrl }],
        },
      ],
      on_demand: { ask: https.askUrl },
    },
  };
}

type ProxySettings = Pick<EdgeSettings, 'dnsSocket' | 'upstreamRefreshMs'>;

/** The catch-all proxy: the upstream set is named after the request and resolved per request. */
export function hostRoutedProxy(s: ProxySettings, setName: string): CaddyJson {
  const resolver = { addresses: [toUnixAddress(s.dnsSocket)] };
  return {
    handler: 'reverse_proxy',
    // SRV upstreams from the edge service: a rollout step or a new domain changes the answer, never this config.
    dynamic_upstreams: {
      source: 'srv',
      name: setName,
      refresh: toCaddyDuration(s.upstreamRefreshMs),
      resolver,
    },
    // SRV targets are hostnames (Go rejects IP literals there); the same service answers their A records.
    transport: { protocol: 'http', resolver },
    load_balancing: { try_duration: TRY_DURATION, try_interval: TRY_INTERVAL },
  };
}

/**
 * Plain HTTP: HTTP-01 to the edge service for any host; `<app>.internal` by host and client
 * address, so the DNS answer can refuse a client outside the team's subnet, per request; every
 * other host by name (the answer redirects a host with a certificate to HTTPS).
 */
export function renderEdgeHttpServer(s: EdgeSettings): CaddyJson {
  assertSettings(s);
  return {
    listen: [s.httpListen],
    // Caddy's own redirects and certificate automation: Berth does both, through the table.
    automatic_https: { disable: true },
    routes: [
      {
        match: [{ path: ['/.well-known/acme-challenge/*'] }],
        handle: [{ handler: 'reverse_proxy', upstreams: [{ dial: s.responderDial }] }],
        terminal: true,
      },
      {
        match: [{ host: ['*.internal'] }],
        handle: [hostRoutedProxy(s, toInternalSetName(REQUEST_HOST, CLIENT_ADDRESS))],
        terminal: true,
      },
      notADomainName(s),
      { handle: [hostRoutedProxy(s, toPlainHostSetName(REQUEST_HOST))], terminal: true },
    ],
  };
}

/**
 * A Host that is no domain name (an IP literal such as `[::1]`, an underscore) would make the
 * upstream name unresolvable, and Caddy would retry it for the whole try duration before a 502:
 * the responder answers it at once, with the 404 of a host nobody serves.
 */
function notADomainName(s: EdgeSettings): CaddyJson {
  return {
    match: [{ not: [{ header_regexp: { Host: { pattern: '^[A-Za-z0-9.-]+(:[0-9]+)?$' } } }] }],
    handle: [{ handler: 'reverse_proxy', upstreams: [{ dial: s.responderDial }] }],
    terminal: true,
  };
}

/**
 * HSTS on every response of the HTTPS server, never the plain one's (RFC 6797 7.2 forbids it
 * there: anyone on the path could forge or strip it). Deferred: set as the response is written,
 * so it replaces an upstream's own header instead of adding a second one (measured on 2.6.2:
 * without it, the upstream's value is appended to ours).
 */
function hstsHandler(maxAge: number): CaddyJson {
  return {
    handler: 'headers',
    response: { set: { [HSTS_HEADER]: [hstsHeaderValue(maxAge)] }, deferred: true },
  };
}

/** HTTPS: certificates per handshake, the catch-all proxy per request. */
export function renderEdgeHttpsServer(s: EdgeSettings, https: EdgeHttpsSettings): CaddyJson {
  const hsts = https.hstsMaxAge === undefined ? [] : [hstsHandler(https.hstsMaxAge)];
  return {
    listen: [https.listen],
    // An empty policy is what makes the server speak TLS; certificates come from apps.tls.
    tls_connection_policies: [{}],
    automatic_https: { disable: true },
    // No HTTP/3: QUIC is untested here (Node has no QUIC client to hold a connection open with).
    protocols: ['h1', 'h2'],
    // The responder's 404s and redirects come through the proxy too, so they carry HSTS as well.
    routes: [{ handle: [...hsts, hostRoutedProxy(s, toHostSetName(REQUEST_HOST))], terminal: true }],
    // Caddy's own error answers (a 502/503 when no replica answers) skip the routes' handlers:
    // the error routes add HSTS to them, and write nothing else, so Caddy's status stays.
    ...(hsts.length === 0 ? {} : { errors: { routes: [{ handle: hsts }] } }),
  };
}

/** The whole edge: loaded once at start, never changed after. */
export function renderEdgeConfig(adminSocket: string, s: EdgeSettings): CaddyJson {
  assertSettings(s);
  const { https } = s;
  return {
    // Identical to the boot config's: Caddy restarts its admin endpoint when this section changes.
    admin: { listen: toUnixAddress(adminSocket) },
    apps: {
      http: {
        servers: {
          [EDGE_HTTP_SERVER]: renderEdgeHttpServer(s),
          ...(https === null ? {} : { [EDGE_HTTPS_SERVER]: renderEdgeHttpsServer(s, https) }),
        },
      },
      ...(https === null ? {} : { tls: renderEdgeTlsApp(https) }),
    },
  };
}
