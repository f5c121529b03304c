import { writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isPrivateIpv4 } from '@berth/core';
import {
  caddyRunCommand,
  DEFAULT_MESH_INTERFACE,
  DEFAULT_MESH_PORT,
  CERTIFICATE_TABLE_FILE,
  renderCaddyBootConfig,
  UPSTREAM_TABLE_FILE,
} from '@berth/engine';
import type { ProxyKind } from '@berth/protocol';
import { edgeServiceEnv, type EdgeServicePorts } from './edge-service.js';
import { which } from './engine.js';
import { createCaddyFormat, formatPino } from './log-format.js';
import type { CliEnvironment } from '../../cli/environment.js';
import type { UpPaths } from './paths.js';
import type { RemoteSettings } from './remote.js';
import type { ChildSpec } from './supervisor.js';

export interface UpSettings {
  apiPort: number;
  httpPort: number;
  /** --https-port; null: no HTTPS listener. */
  httpsPort: number | null;
  /** --hsts-max-age (only with --https-port); null: no HSTS. */
  hstsMaxAge: number | null;
  httpHost: string;
  domain: string;
  logLevel: string;
  engineSocket: string;
  builderDir: string;
  /** How long the proxy caches an app's upstream set (see the upstream DNS service). */
  upstreamRefreshMs: number;
  /** Absolute directories whose repositories every team may build from. */
  allowLocalSources: readonly string[];
  /** Where else the API listens, and with which certificate. */
  remote: RemoteSettings;
  /** `IP:PORT` of the fleet registry berthd runs, or null for none. */
  registryListen: string | null;
  /** Your registry instead (`--registry`), or null. */
  externalRegistry: { url: string; username: string; passwordFile: string } | null;
  /** The private range of the servers' WireGuard addresses; null: berthd's default. */
  meshSubnet: string | null;
  /** false with --no-mesh: the local agent stays out of the mesh. */
  mesh: boolean;
  /** --acme-email (and the CA): berthd orders every custom domain's certificate; null: none. */
  acme: {
    email: string;
    directory: string | null;
    caCertFile: string | null;
    dnsProviderFile: string | null;
  } | null;
  /** --proxy: the edge the local agent publishes to. */
  proxy: ProxyKind;
}

const script = (specifier: string): string => fileURLToPath(import.meta.resolve(specifier));

/** berthd's entry point: `berth up` runs it as a child, `berth system restore` as `berthd restore`. */
export const berthdMain = (): string => script('@berth/server/main');

export async function caddyChild(paths: UpPaths, env: CliEnvironment['env']): Promise<ChildSpec> {
  const bin = await which('caddy', env);
  if (!bin)
    throw new Error('Caddy is not installed: install it (sudo apt-get install caddy) and run berth up again');
  await writeFile(paths.caddyBootConfig, JSON.stringify(renderCaddyBootConfig(paths.caddyAdminSocket)), {
    mode: 0o600,
  });
  // A socket file left by a killed Caddy would make the new one fail to listen.
  await rm(paths.caddyAdminSocket, { force: true });
  const cmd = caddyRunCommand({
    caddyBin: bin,
    bootConfigPath: paths.caddyBootConfig,
    stateDir: paths.caddyDir,
  });
  return {
    name: 'caddy',
    file: cmd.file,
    args: cmd.args,
    env: cmd.env,
    replaceEnv: true,
    format: createCaddyFormat(),
  };
}

/** The edge service (DNS, responder, certificates: see @berth/engine's edge-service). */
export function dnsChild(paths: UpPaths, edge: EdgeServicePorts): ChildSpec {
  return {
    name: 'dns',
    file: process.execPath,
    args: [script('@berth/agent/dns-main')],
    env: {
      BERTH_DNS_SOCKET: paths.dnsSocket,
      BERTH_DNS_TABLE: join(paths.agentDir, UPSTREAM_TABLE_FILE),
      BERTH_EDGE_CERTIFICATES: join(paths.agentDir, CERTIFICATE_TABLE_FILE),
      ...edgeServiceEnv(edge),
    },
    format: formatPino('dns'),
  };
}

export function berthdChild(paths: UpPaths, s: UpSettings): ChildSpec {
  return {
    name: 'berthd',
    file: process.execPath,
    args: [berthdMain()],
    env: {
      BERTHD_DATA_DIR: paths.dataDir,
      BERTHD_HOST: s.remote.apiHost,
      BERTHD_PORT: String(s.apiPort),
      ...(s.remote.publicUrl && { BERTHD_PUBLIC_URL: s.remote.publicUrl }),
      ...(s.remote.given && { BERTHD_TLS_CERT: s.remote.given.cert, BERTHD_TLS_KEY: s.remote.given.key }),
      BERTHD_HTTP_PORT: String(s.httpPort),
      BERTHD_DOMAIN: s.domain,
      BERTHD_LOCAL_AGENT_KEY: paths.agentPublicKey,
      BERTHD_LOG_LEVEL: s.logLevel,
      BERTHD_ALLOW_LOCAL_SOURCES: s.allowLocalSources.join(':'),
      BERTHD_REGISTRY_LISTEN: s.registryListen ?? 'off',
      ...(s.meshSubnet && { BERTHD_MESH_SUBNET: s.meshSubnet }),
      ...(s.acme && { BERTHD_ACME_EMAIL: s.acme.email }),
      ...(s.acme?.directory && { BERTHD_ACME_DIRECTORY: s.acme.directory }),
      ...(s.acme?.caCertFile && { BERTHD_ACME_CA_CERT: s.acme.caCertFile }),
      ...(s.acme?.dnsProviderFile && { BERTHD_DNS_PROVIDER_FILE: s.acme.dnsProviderFile }),
      ...(s.externalRegistry && {
        BERTHD_REGISTRY_URL: s.externalRegistry.url,
        BERTHD_REGISTRY_USERNAME: s.externalRegistry.username,
        BERTHD_REGISTRY_PASSWORD_FILE: s.externalRegistry.passwordFile,
      }),
    },
    format: formatPino('berthd'),
  };
}

/** One agent's link and edge: `berth up`'s local one, or a fleet server's (`berth agent run`). */
export interface AgentChildSettings {
  name: string;
  /** berthd's agent link (ws:// on loopback, wss:// beyond). */
  serverUrl: string;
  /** `sha256:` of berthd's CA for wss://; null: none pinned. */
  fingerprint: string | null;
  engineSocket: string;
  builderDir: string;
  /** Caddy's HTTP listener, `host:port` (`:port` for every address). */
  httpListen: string;
  /** Caddy's HTTPS listener, the same way; null: no HTTPS (every app over plain HTTP). */
  httpsListen: string | null;
  /** HSTS on every HTTPS response of the edge, for its whole run; null: none. */
  hstsMaxAge: number | null;
  /** Where replica ports are published (the proxies of this and other servers dial it). */
  publishHost: string;
  /** Told to berthd: where other servers' edges reach replicas here; null on a server alone. */
  privateIp: string | null;
  /** Its WireGuard interface in the fleet's mesh; null: none (a server alone, or --no-mesh). */
  mesh: { interfaceName: string; listenPort: number } | null;
  upstreamRefreshMs: number;
  logLevel: string;
  /** The edge: Caddy, or nginx (`--proxy nginx`). */
  proxy: ProxyKind;
}

/**
 * `berth up`'s own agent: plain ws:// to berthd beside it. Replicas on loopback, unless the API
 * listens on one private IPv4 address (a fleet's control plane on the servers' private network):
 * then it is a server like the others, its replicas reached by their edges there, and through
 * the WireGuard mesh once its interface is up (unless --no-mesh).
 */
export function localAgentSettings(s: UpSettings): AgentChildSettings {
  const privateIp = isPrivateIpv4(s.remote.apiHost) ? s.remote.apiHost : null;
  return {
    name: 'local',
    serverUrl: `ws://127.0.0.1:${s.apiPort}/api/v1/agent/connect`,
    fingerprint: null,
    engineSocket: s.engineSocket,
    builderDir: s.builderDir,
    httpListen: `${s.httpHost}:${s.httpPort}`,
    httpsListen: s.httpsPort === null ? null : `${s.httpHost}:${s.httpsPort}`,
    hstsMaxAge: s.hstsMaxAge,
    publishHost: privateIp ?? '127.0.0.1',
    privateIp,
    mesh:
      privateIp !== null && s.mesh
        ? { interfaceName: DEFAULT_MESH_INTERFACE, listenPort: DEFAULT_MESH_PORT }
        : null,
    upstreamRefreshMs: s.upstreamRefreshMs,
    logLevel: s.logLevel,
    proxy: s.proxy,
  };
}

export function agentChild(
  paths: UpPaths,
  a: AgentChildSettings,
  edge: EdgeServicePorts & { nginxBin: string | null },
): ChildSpec {
  return {
    name: 'agent',
    file: process.execPath,
    args: [script('@berth/agent/main')],
    env: {
      BERTH_AGENT_DATA_DIR: paths.agentDir,
      BERTH_AGENT_NAME: a.name,
      BERTH_AGENT_SERVER_URL: a.serverUrl,
      ...(a.fingerprint && { BERTH_AGENT_SERVER_FINGERPRINT: a.fingerprint }),
      BERTH_AGENT_ENGINE_SOCKET: a.engineSocket,
      BERTH_AGENT_BUILDER_DIR: a.builderDir,
      BERTH_AGENT_CADDY_ADMIN: paths.caddyAdminSocket,
      BERTH_AGENT_PROXY: a.proxy,
      ...(a.proxy === 'nginx' && { BERTH_AGENT_NGINX_PREFIX: paths.nginxDir }),
      ...(a.proxy === 'nginx' && edge.nginxBin !== null && { BERTH_AGENT_NGINX_BIN: edge.nginxBin }),
      BERTH_AGENT_DNS_SOCKET: paths.dnsSocket,
      BERTH_AGENT_HTTP_LISTEN: a.httpListen,
      ...(a.httpsListen && { BERTH_AGENT_HTTPS_LISTEN: a.httpsListen }),
      ...(a.hstsMaxAge !== null && { BERTH_AGENT_HSTS_MAX_AGE: String(a.hstsMaxAge) }),
      ...edgeServiceEnv(edge),
      BERTH_AGENT_PUBLISH_HOST: a.publishHost,
      ...(a.privateIp && { BERTH_AGENT_PRIVATE_IP: a.privateIp }),
      ...(a.mesh && {
        BERTH_AGENT_MESH_INTERFACE: a.mesh.interfaceName,
        BERTH_AGENT_MESH_PORT: String(a.mesh.listenPort),
      }),
      BERTH_AGENT_UPSTREAM_REFRESH_MS: String(a.upstreamRefreshMs),
      BERTH_AGENT_LOG_LEVEL: a.logLevel,
    },
    format: formatPino('agent'),
  };
}
