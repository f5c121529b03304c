import {
  BASE_IMAGE_KINDS,
  DEFAULT_BASE_IMAGES,
  isLoopbackHost,
  parseIpAddress,
  type BaseImages,
} from '@berth/core';
import { parseCaFingerprint } from '@berth/crypto';
import {
  DEFAULT_BUILD_USER,
  DEFAULT_BUILDER_DIR,
  DEFAULT_MESH_PORT,
  HSTS_MAX_AGE_LIMIT,
  checkInterfaceName,
  isHstsMaxAge,
} from '@berth/engine';
import { BerthError, IMAGE_REF_PATTERN } from '@berth/protocol';

/** berth-agent's configuration, parsed once from its environment into a frozen object. */
/** The address part of a `host:port` listen spec (`:80` → all IPv4 addresses, `[::1]:80` → ::1). */
export function listenHostOf(listen: string): string {
  const host = listen.slice(0, listen.lastIndexOf(':')).replace(/^\[(.*)\]$/, '$1');
  return host === '' ? '0.0.0.0' : host;
}

export interface AgentConfig {
  /** The agent's own directory: identity key, desired-state cache, upstream table. */
  dataDir: string;
  name: string;
  /** berthd's agent link, e.g. ws://127.0.0.1:7070/api/v1/agent/connect; wss:// beyond this machine. */
  serverUrl: string;
  /**
   * BERTH_AGENT_SERVER_FINGERPRINT: `sha256:` of berthd's CA key (what `berth up` prints). With
   * it, the link and downloads trust only that CA; without it, wss:// trusts the system's CAs.
   */
  serverFingerprint: string | null;
  engineSocket: string;
  /**
   * BERTH_AGENT_PROXY: the edge this server runs. `caddy` (default): one config for the whole
   * run, answered by the edge service. `nginx`: config versions rendered under
   * BERTH_AGENT_NGINX_PREFIX (the prefix the supervisor's nginx runs in), each one a reload.
   */
  proxy: AgentProxy;
  caddyAdminSocket: string;
  /** Where the upstream DNS service listens; Caddy resolves upstreams through it. */
  dnsSocket: string;
  httpListen: string;
  /** BERTH_AGENT_HTTPS_LISTEN: Caddy's HTTPS listener; null (unset): no HTTPS. */
  httpsListen: string | null;
  /**
   * BERTH_AGENT_HSTS_MAX_AGE: the edge sends `Strict-Transport-Security: max-age=N` on every
   * HTTPS response (only with BERTH_AGENT_HTTPS_LISTEN); null (unset): no HSTS.
   */
  hstsMaxAge: number | null;
  /** The edge service beside Caddy (BERTH_EDGE_*, chosen by berth up for its run). */
  edgeService: { responderPort: number; certificatePort: number; certificateSecret: string };
  /** Host address container ports are published on; the proxy dials it. */
  publishHost: string;
  /**
   * BERTH_AGENT_PRIVATE_IP: where other servers' edges reach this server's replicas, told to
   * berthd in the hello; null on a server alone (`berth up`'s local agent).
   */
  privateIp: string | null;
  /**
   * BERTH_AGENT_MESH_INTERFACE (and _PORT, default 51820): this server joins the fleet's
   * WireGuard mesh with that interface; null (unset) on a server alone.
   */
  mesh: { interfaceName: string; listenPort: number } | null;
  upstreamRefreshMs: number;
  /** The images detected builds start from, per builder (BERTH_AGENT_BASE_IMAGE_NODE, …). */
  baseImages: BaseImages;
  /** The unprivileged user builds run as (BERTH_AGENT_BUILD_USER, default berth-build). */
  buildUser: string;
  /** The build sandbox's state: base images, each team's storage (BERTH_AGENT_BUILDER_DIR). */
  builderDir: string;
  /** Where the sandbox's tools are looked for (the agent's PATH). */
  toolPath: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Containers whose logs the agent streams from the engine at once (each shared by its followers). */
  maxLogStreams: number;
}

export type AgentProxy =
  | { kind: 'caddy' }
  | {
      kind: 'nginx';
      prefix: string;
      /** BERTH_AGENT_NGINX_BIN; null: `nginx` from the system directories. */
      nginxBin: string | null;
    };

export function parseAgentConfig(env: Readonly<Record<string, string | undefined>>): Readonly<AgentConfig> {
  const get = (key: string): string | undefined => (env[key] === '' ? undefined : env[key]);
  const required = (key: string): string => {
    const v = get(key);
    if (v === undefined) throw new BerthError('VALIDATION_FAILED', `Configuration ${key} is required`);
    return v;
  };
  const refresh = Number(get('BERTH_AGENT_UPSTREAM_REFRESH_MS') ?? '50');
  if (!Number.isInteger(refresh) || refresh < 50 || refresh > 60_000) {
    throw new BerthError(
      'VALIDATION_FAILED',
      'Configuration BERTH_AGENT_UPSTREAM_REFRESH_MS must be 50-60000',
    );
  }
  const dataDir = required('BERTH_AGENT_DATA_DIR');
  // Not under the data dir: the build user must pass through its parents (see @berth/engine's sandbox).
  const builderDir = get('BERTH_AGENT_BUILDER_DIR') ?? DEFAULT_BUILDER_DIR;
  if (!builderDir.startsWith('/'))
    throw new BerthError(
      'VALIDATION_FAILED',
      'Configuration BERTH_AGENT_BUILDER_DIR must be an absolute path',
    );
  const maxLogStreams = Number(get('BERTH_AGENT_MAX_LOG_STREAMS') ?? '128');
  if (!Number.isInteger(maxLogStreams) || maxLogStreams < 1 || maxLogStreams > 10_000) {
    throw new BerthError(
      'VALIDATION_FAILED',
      'Configuration BERTH_AGENT_MAX_LOG_STREAMS must be an integer from 1 to 10000',
    );
  }
  const serverUrl = parseServerUrl(required('BERTH_AGENT_SERVER_URL'));
  const fingerprint = get('BERTH_AGENT_SERVER_FINGERPRINT');
  if (fingerprint !== undefined && !serverUrl.startsWith('wss://'))
    throw new BerthError(
      'VALIDATION_FAILED',
      'Configuration BERTH_AGENT_SERVER_FINGERPRINT pins a TLS certificate: BERTH_AGENT_SERVER_URL must be wss://',
    );
  const httpsListen = get('BERTH_AGENT_HTTPS_LISTEN') ?? null;
  return Object.freeze({
    dataDir,
    name: get('BERTH_AGENT_NAME') ?? 'local',
    serverUrl,
    serverFingerprint:
      fingerprint === undefined
        ? null
        : parseCaFingerprint(fingerprint, 'Configuration BERTH_AGENT_SERVER_FINGERPRINT'),
    engineSocket: required('BERTH_AGENT_ENGINE_SOCKET'),
    proxy: proxySettings(get),
    caddyAdminSocket: required('BERTH_AGENT_CADDY_ADMIN'),
    dnsSocket: required('BERTH_AGENT_DNS_SOCKET'),
    httpListen: get('BERTH_AGENT_HTTP_LISTEN') ?? ':80',
    httpsListen,
    hstsMaxAge: hstsMaxAge(get('BERTH_AGENT_HSTS_MAX_AGE'), httpsListen),
    edgeService: {
      responderPort: loopbackPort(required('BERTH_EDGE_RESPONDER_PORT'), 'BERTH_EDGE_RESPONDER_PORT'),
      certificatePort: loopbackPort(required('BERTH_EDGE_CERTIFICATE_PORT'), 'BERTH_EDGE_CERTIFICATE_PORT'),
      certificateSecret: required('BERTH_EDGE_CERTIFICATE_SECRET'),
    },
    publishHost: get('BERTH_AGENT_PUBLISH_HOST') ?? '127.0.0.1',
    privateIp: optionalIp(get('BERTH_AGENT_PRIVATE_IP'), 'BERTH_AGENT_PRIVATE_IP'),
    mesh: meshSettings(get),
    upstreamRefreshMs: refresh,
    baseImages: baseImages(get),
    buildUser: get('BERTH_AGENT_BUILD_USER') ?? DEFAULT_BUILD_USER,
    builderDir,
    toolPath: get('PATH') ?? '/usr/local/bin:/usr/bin:/bin',
    logLevel: (get('BERTH_AGENT_LOG_LEVEL') ?? 'info') as AgentConfig['logLevel'],
    maxLogStreams,
  });
}

function proxySettings(get: (key: string) => string | undefined): AgentProxy {
  const kind = get('BERTH_AGENT_PROXY') ?? 'caddy';
  if (kind === 'caddy') return { kind };
  if (kind !== 'nginx')
    throw new BerthError(
      'VALIDATION_FAILED',
      `Configuration BERTH_AGENT_PROXY must be caddy or nginx, got "${kind}"`,
    );
  const prefix = get('BERTH_AGENT_NGINX_PREFIX');
  if (prefix === undefined || !prefix.startsWith('/'))
    throw new BerthError(
      'VALIDATION_FAILED',
      'Configuration BERTH_AGENT_NGINX_PREFIX must be an absolute path with BERTH_AGENT_PROXY=nginx',
    );
  const nginxBin = get('BERTH_AGENT_NGINX_BIN') ?? null;
  if (nginxBin !== null && !nginxBin.startsWith('/'))
    throw new BerthError('VALIDATION_FAILED', 'Configuration BERTH_AGENT_NGINX_BIN must be an absolute path');
  return { kind, prefix, nginxBin };
}

function hstsMaxAge(raw: string | undefined, httpsListen: string | null): number | null {
  if (raw === undefined) return null;
  const n = /^\d{1,9}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!isHstsMaxAge(n))
    throw new BerthError(
      'VALIDATION_FAILED',
      `Configuration BERTH_AGENT_HSTS_MAX_AGE must be a whole number of seconds from 0 to ${HSTS_MAX_AGE_LIMIT}`,
    );
  // HSTS is an HTTPS header (RFC 6797 7.2): without a listener it would never be sent.
  if (httpsListen === null)
    throw new BerthError(
      'VALIDATION_FAILED',
      'Configuration BERTH_AGENT_HSTS_MAX_AGE needs BERTH_AGENT_HTTPS_LISTEN',
    );
  return n;
}

function loopbackPort(raw: string, key: string): number {
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new BerthError('VALIDATION_FAILED', `Configuration ${key} must be a port (1-65535)`);
  return port;
}

function meshSettings(get: (key: string) => string | undefined): AgentConfig['mesh'] {
  const interfaceName = get('BERTH_AGENT_MESH_INTERFACE');
  if (interfaceName === undefined) return null;
  const port = Number(get('BERTH_AGENT_MESH_PORT') ?? String(DEFAULT_MESH_PORT));
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new BerthError('VALIDATION_FAILED', 'Configuration BERTH_AGENT_MESH_PORT must be a port (1-65535)');
  return { interfaceName: checkInterfaceName(interfaceName), listenPort: port };
}

/**
 * berthd's agent link: ws:// only to this machine — berthd pushes what to run over it, so
 * anywhere else it must be wss:// (and the agent must know which CA to trust).
 */
function parseServerUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new BerthError(
      'VALIDATION_FAILED',
      `Configuration BERTH_AGENT_SERVER_URL must be a ws(s):// URL, got "${raw}"`,
    );
  }
  const secure = url.protocol === 'wss:';
  if (!secure && url.protocol !== 'ws:')
    throw new BerthError(
      'VALIDATION_FAILED',
      `Configuration BERTH_AGENT_SERVER_URL must be a ws(s):// URL, got "${raw}"`,
    );
  if (!secure && !isLoopbackHost(url.hostname.replace(/^\[|\]$/g, '')))
    throw new BerthError(
      'VALIDATION_FAILED',
      `Configuration BERTH_AGENT_SERVER_URL must be wss:// to reach berthd beyond this machine, got "${raw}"`,
    );
  return raw;
}

function optionalIp(raw: string | undefined, key: string): string | null {
  if (raw === undefined) return null;
  const ip = parseIpAddress(raw);
  if (!ip)
    throw new BerthError('VALIDATION_FAILED', `Configuration ${key} must be an IP address, got "${raw}"`);
  return ip.address;
}

/** Berth's base images unless BERTH_AGENT_BASE_IMAGE_<KIND> names another (an image reference). */
function baseImages(get: (key: string) => string | undefined): BaseImages {
  const images: BaseImages = { ...DEFAULT_BASE_IMAGES };
  for (const kind of BASE_IMAGE_KINDS) {
    const key = `BERTH_AGENT_BASE_IMAGE_${kind.toUpperCase()}`;
    const value = get(key);
    if (value === undefined) continue;
    if (!IMAGE_REF_PATTERN.test(value))
      throw new BerthError(
        'VALIDATION_FAILED',
        `Configuration ${key} must be an image reference, got "${value}"`,
      );
    images[kind] = value;
  }
  return images;
}
