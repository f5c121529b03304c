/**
 * The edge this agent publishes to: Caddy (one config for the whole run, answered by the edge
 * service) or nginx (a config version per change, NxMesh-style). Only nginx keeps versions, so
 * only it answers `berth proxy history/rollback` and has drift to check.
 */
import { join } from 'node:path';
import {
  CERTIFICATE_TABLE_FILE,
  UPSTREAM_TABLE_FILE,
  createCaddyEdge,
  createNginxEdge,
  nginxSettingsFor,
  type NginxEdge,
  type Proxy,
} from '@berth/engine';
import { BerthError, type ProxyVersion } from '@berth/protocol';
import type { AgentConfig } from './config.js';
import { toEdgeSettings } from './edge-settings.js';

export interface AgentEdge {
  proxy: Proxy;
  /** The nginx edge's versions and drift check; null on Caddy. */
  nginx: NginxEdge | null;
}

export function createAgentEdge(config: AgentConfig): AgentEdge {
  if (config.proxy.kind === 'nginx') {
    const nginx = createNginxEdge({
      prefix: config.proxy.prefix,
      settings: nginxSettingsFor(config),
      ...(config.proxy.nginxBin !== null && { nginxBin: config.proxy.nginxBin }),
    });
    return { proxy: nginx, nginx };
  }
  const proxy = createCaddyEdge({
    adminSocket: config.caddyAdminSocket,
    settings: toEdgeSettings(config),
    tablePath: join(config.dataDir, UPSTREAM_TABLE_FILE),
    certificatesPath: join(config.dataDir, CERTIFICATE_TABLE_FILE),
  });
  return { proxy, nginx: null };
}

/** What `berth proxy history/rollback` reach on this server. */
export interface ProxyVersions {
  history(): Promise<ProxyVersion[]>;
  rollback(version: number): Promise<ProxyVersion>;
}

export function proxyVersionsOf(edge: AgentEdge): ProxyVersions {
  const { nginx } = edge;
  const none = (): never => {
    throw new BerthError(
      'PROXY_NO_HISTORY',
      "This server's edge is Caddy: its config never changes, so it has no history",
      {
        hint: 'Config versions are kept by the nginx edge (berth up --proxy nginx, berth agent join --proxy nginx)',
      },
    );
  };
  return {
    history: async () => (nginx ? nginx.history() : none()),
    rollback: async (version) => (nginx ? nginx.rollback(version) : none()),
  };
}
