/**
 * The whole nginx config for an EdgeState, as data (directives.ts) and then as files. Pure: the
 * same state and settings always give the same bytes, which is what lets the edge skip a reload
 * (a reload resets a few keep-alive connections) when nothing changed.
 *
 * Paths inside are relative: `pid`, logs and temp directories to nginx's prefix (`-p`), the
 * certificates to the directory of the config file itself. nginx runs with `-c
 * <prefix>/current/nginx.conf`, so a reload after the `current` symlink moved reads the new
 * version's config and certificates, and a candidate checked with `-t -c versions/N/nginx.conf`
 * sees its own.
 */

import { toInternalHostname, type AppRoute, type Upstream } from '@berth/core';
import { certificateFor, type CertificateTable } from '../edge-certificates/table.js';
import { HSTS_HEADER, hstsHeaderValue } from '../hsts.js';
import type { EdgeState } from '../types.js';
import { block, d, entry, renderDirectives, tpl, type Directive, type Template } from './directives.js';
import { checkEdgeState, checkSettings, listenPort, toListenArg, type NginxSettings } from './values.js';

export interface RenderedFile {
  /** Relative to the version directory. */
  path: string;
  content: string;
  mode: number;
}

export const NGINX_CONF = 'nginx.conf';
export const PID_FILE = 'run/nginx.pid';
export const ERROR_LOG = 'logs/error.log';
export const TEMP_DIR = 'temp';
export const ACME_PREFIX = '/.well-known/acme-challenge/';

const NOT_SERVED = tpl('No app is served at $host\n');
/** How long a request may look for a replica that answers (one that left mid-rollout is skipped). */
const NEXT_UPSTREAM_TIMEOUT = '5s';

const upstreamName = (appName: string): string => `berth_app_${appName}`;
const outsideVar = (i: number): string => `$berth_outside_${i}`;
const certPath = (i: number): string => `certs/${i}.pem`;
const keyPath = (i: number): string => `certs/${i}.key`;

/** Our own answer carries the request's Host: plain text, never sniffed as HTML. */
const notFound = (): Directive[] => [
  d('add_header', 'X-Content-Type-Options', 'nosniff', 'always'),
  d('return', 404, NOT_SERVED),
];

/** Answers from the `$berth_acme_answer` map on every plain-HTTP server, for any host. */
const acmeLocation = (): Directive =>
  block(
    'location',
    ['^~', ACME_PREFIX],
    [
      block('if', [tpl('($berth_acme_answer)')], [d('return', 200, tpl('$berth_acme_answer'))]),
      d('return', 404),
    ],
  );

function proxyTo(route: AppRoute, ups: readonly Upstream[] | undefined): Directive[] {
  if (ups === undefined || ups.length === 0)
    return [d('return', 503, `${route.appName} has no replica running\n`)];
  return [d('proxy_pass', `http://${upstreamName(route.appName)}`)];
}

function upstreamBlock(appName: string, ups: readonly Upstream[]): Directive {
  return block(
    'upstream',
    [upstreamName(appName)],
    [
      ...ups.map((u) =>
        d(
          'server',
          `${u.host.includes(':') ? `[${u.host}]` : u.host}:${u.port}`,
          'max_fails=1',
          'fail_timeout=5s',
        ),
      ),
      // Connections to replicas are reused; a replica's own keep-alive timeout closes them.
      d('keepalive', 16),
    ],
  );
}

function redirectTo(url: string): Directive {
  // Only $request_uri is the request's: the scheme, name and port are ours.
  return d('return', 308, tpl(`${url}$request_uri`));
}

interface Ctx {
  settings: NginxSettings;
  httpListen: string;
  httpsListen: string | null;
  table: CertificateTable;
  state: EdgeState;
}

const httpsOrigin = (ctx: Ctx, host: string): string =>
  `https://${host}${ctx.settings.httpsPublicPort === 443 ? '' : `:${ctx.settings.httpsPublicPort}`}`;

function httpOrigin(ctx: Ctx, host: string): string {
  const port = ctx.settings.httpPublicPort ?? listenPort(ctx.settings.httpListen);
  return `http://${host}${port === 80 ? '' : `:${port}`}`;
}

/**
 * The index of the certificate served for `host`, or null when it is served over plain HTTP. A
 * wildcard hostname needs a certificate for that very wildcard (certificateFor takes server names).
 */
function certIndex(ctx: Ctx, host: string): number | null {
  if (ctx.httpsListen === null) return null;
  if (isWildcard(host)) {
    const i = ctx.table.certificates.findIndex((c) => c.names.includes(host));
    return i < 0 ? null : i;
  }
  const cert = certificateFor(ctx.table, host);
  return cert === null ? null : ctx.table.certificates.indexOf(cert);
}

const isWildcard = (host: string): boolean => host.startsWith('*.');

/**
 * nginx's own `*.example.com` also matches names two or more labels down; Berth's wildcard is one
 * label (as its certificate), so it is a regex server name, which nginx tries after every exact
 * name (an exact hostname of another app still wins). `\z`, not `$`, ends it: a literal holds no `$`.
 */
const serverName = (host: string): string =>
  isWildcard(host) ? `~^[a-z0-9-]+${host.slice(1).replace(/\./g, '\\.')}\\z` : host;

/** Where a name's plain HTTP goes: the same name over HTTPS (a wildcard's: the name asked for). */
const httpsOriginOf = (ctx: Ctx, host: string): Template | string =>
  isWildcard(host) ? tpl(`${httpsOrigin(ctx, '$host')}$request_uri`) : httpsOrigin(ctx, host);

const httpServer = (ctx: Ctx, name: string, body: Directive[]): Directive =>
  block(
    'server',
    [],
    [
      d('listen', ctx.httpListen),
      d('server_name', serverName(name)),
      acmeLocation(),
      block('location', ['/'], body),
    ],
  );

/**
 * HSTS on every response of an HTTPS server, never a plain one's (RFC 6797 7.2). `always`: our
 * own 503s too. The app's own header is hidden, so ours replaces it rather than adding a second
 * (see ../hsts.ts). At the server level, so the locations inherit it: nginx drops inherited
 * `add_header`s in a block with one of its own, and no HTTPS location has one.
 */
const hsts = (ctx: Ctx): Directive[] =>
  ctx.settings.hstsMaxAge === undefined
    ? []
    : [
        d('proxy_hide_header', HSTS_HEADER),
        d('add_header', HSTS_HEADER, hstsHeaderValue(ctx.settings.hstsMaxAge), 'always'),
      ];

function httpsServer(ctx: Ctx, name: string, cert: number, body: Directive[]): Directive {
  return block(
    'server',
    [],
    [
      d('listen', ctx.httpsListen ?? '', 'ssl', 'http2'),
      d('server_name', serverName(name)),
      d('ssl_certificate', certPath(cert)),
      d('ssl_certificate_key', keyPath(cert)),
      ...hsts(ctx),
      block('location', ['/'], body),
    ],
  );
}

/** A name served with `body`: over HTTPS (plain HTTP redirecting there) when it has a certificate. */
function servedName(ctx: Ctx, name: string, body: Directive[]): Directive[] {
  const cert = certIndex(ctx, name);
  if (cert === null) return [httpServer(ctx, name, body)];
  const origin = httpsOriginOf(ctx, name);
  const redirect = typeof origin === 'string' ? redirectTo(origin) : d('return', 308, origin);
  return [httpServer(ctx, name, [redirect]), httpsServer(ctx, name, cert, body)];
}

function routeServers(ctx: Ctx, route: AppRoute): Directive[] {
  const body = proxyTo(route, ctx.state.upstreams[route.appName]);
  const servers = route.hostnames.flatMap((h) => servedName(ctx, h, body));
  for (const r of route.redirects ?? []) {
    const target = certIndex(ctx, r.to) === null ? httpOrigin(ctx, r.to) : httpsOrigin(ctx, r.to);
    // Straight to the target from either scheme: no hop through the name's own HTTPS.
    const cert = certIndex(ctx, r.from);
    servers.push(httpServer(ctx, r.from, [redirectTo(target)]));
    if (cert !== null) servers.push(httpsServer(ctx, r.from, cert, [redirectTo(target)]));
  }
  return servers;
}

/**
 * `<app>.internal` for the app's own team only: clients outside its subnet (the socket's address,
 * not X-Forwarded-For) get the same 404 as for a name nobody serves.
 */
function internalServer(ctx: Ctx, route: AppRoute, i: number): Directive {
  return httpServer(ctx, toInternalHostname(route.appName), [
    block('if', [tpl(`(${outsideVar(i)})`)], notFound()),
    ...proxyTo(route, ctx.state.upstreams[route.appName]),
  ]);
}

function httpBlock(ctx: Ctx): Directive {
  const { state } = ctx;
  const internal = state.routes.flatMap((r, i) =>
    r.internalFrom === undefined ? [] : [{ r, i, from: r.internalFrom }],
  );
  const challenges = Object.entries(state.challenges ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const upstreams = state.routes.flatMap((r) => {
    const ups = state.upstreams[r.appName];
    return ups !== undefined && ups.length > 0 ? [upstreamBlock(r.appName, ups)] : [];
  });
  return block(
    'http',
    [],
    [
      d('access_log', 'off'),
      d('server_tokens', 'off'),
      d('default_type', 'text/plain; charset=utf-8'),
      d('client_body_temp_path', `${TEMP_DIR}/client_body`),
      d('proxy_temp_path', `${TEMP_DIR}/proxy`),
      d('fastcgi_temp_path', `${TEMP_DIR}/fastcgi`),
      d('uwsgi_temp_path', `${TEMP_DIR}/uwsgi`),
      d('scgi_temp_path', `${TEMP_DIR}/scgi`),
      // Names up to 253 characters, ACME paths as map keys.
      d('server_names_hash_bucket_size', 256),
      d('map_hash_bucket_size', 256),
      d('proxy_http_version', '1.1'),
      d('proxy_set_header', 'Host', tpl('$http_host')),
      d('proxy_set_header', 'Upgrade', tpl('$http_upgrade')),
      d('proxy_set_header', 'Connection', tpl('$berth_connection')),
      // The socket's address only: a client's own X-Forwarded-For is not passed on as if we vouched for it.
      d('proxy_set_header', 'X-Forwarded-For', tpl('$remote_addr')),
      d('proxy_set_header', 'X-Forwarded-Proto', tpl('$scheme')),
      d('proxy_set_header', 'X-Forwarded-Host', tpl('$host')),
      // A replica that refuses (gone mid-rollout) is skipped; the request goes to the next one.
      d('proxy_next_upstream', 'error', 'timeout'),
      d('proxy_next_upstream_timeout', NEXT_UPSTREAM_TIMEOUT),
      d('proxy_connect_timeout', '2s'),
      // As on the Caddy edge: bodies stream both ways (server-sent events arrive as sent) and may
      // be of any size (nginx's default refuses more than 1 MB with 413). Streaming also means no
      // temp files: the workers run as nobody, who cannot reach a prefix under a private
      // directory. A refused connect is still retried on the next replica: no byte was sent yet.
      d('proxy_buffering', 'off'),
      d('proxy_request_buffering', 'off'),
      d('client_max_body_size', 0),
      // WebSockets and long polls stay open as long as the app keeps them.
      d('proxy_read_timeout', '3600s'),
      d('proxy_send_timeout', '3600s'),
      d('ssl_protocols', 'TLSv1.2', 'TLSv1.3'),
      // Upgrade requests keep `Connection: upgrade`; others send none, so replica connections are reused.
      block(
        'map',
        [tpl('$http_upgrade'), tpl('$berth_connection')],
        [d('default', 'upgrade'), entry('', '')],
      ),
      block(
        'map',
        [tpl('$uri'), tpl('$berth_acme_answer')],
        [d('default', ''), ...challenges.map(([token, answer]) => entry(`${ACME_PREFIX}${token}`, answer))],
      ),
      ...internal.map(({ i, from }) => block('geo', [tpl(outsideVar(i))], [d('default', 1), entry(from, 0)])),
      ...upstreams,
      block(
        'server',
        [],
        [d('listen', ctx.httpListen, 'default_server'), acmeLocation(), block('location', ['/'], notFound())],
      ),
      ...(ctx.httpsListen === null
        ? []
        : // No certificate for a name nobody serves: the handshake is refused, not answered with another name's.
          [
            block(
              'server',
              [],
              [
                d('listen', ctx.httpsListen, 'ssl', 'http2', 'default_server'),
                d('ssl_reject_handshake', 'on'),
              ],
            ),
          ]),
      ...state.routes.flatMap((r) => routeServers(ctx, r)),
      ...internal.map(({ r, i }) => internalServer(ctx, r, i)),
    ],
  );
}

export function renderNginxTree(state: EdgeState, settings: NginxSettings): Directive[] {
  checkSettings(settings);
  checkEdgeState(state);
  const ctx: Ctx = {
    settings,
    state,
    httpListen: toListenArg(settings.httpListen, 'settings.httpListen'),
    httpsListen:
      settings.httpsListen === null ? null : toListenArg(settings.httpsListen, 'settings.httpsListen'),
    table: { certificates: [...(state.certificates ?? [])] },
  };
  return [
    d('pid', PID_FILE),
    d('error_log', ERROR_LOG, 'notice'),
    d('worker_processes', settings.workerProcesses ?? 1),
    d('lock_file', 'run/nginx.lock'),
    block('events', [], [d('worker_connections', 4096)]),
    httpBlock(ctx),
  ];
}

/** The version directory's files: the config, and each certificate's chain and key (0600). */
export function renderNginxFiles(state: EdgeState, settings: NginxSettings): RenderedFile[] {
  const conf = renderDirectives(renderNginxTree(state, settings));
  const certs = (state.certificates ?? []).flatMap((c, i) => [
    { path: certPath(i), content: c.chainPem, mode: 0o600 },
    { path: keyPath(i), content: c.keyPem, mode: 0o600 },
  ]);
  return [{ path: NGINX_CONF, content: conf, mode: 0o600 }, ...certs];
}
