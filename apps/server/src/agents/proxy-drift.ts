import type { ProxyDrift } from '@berth/protocol';
import type { Store } from '@berth/store';
import type { FastifyBaseLogger } from 'fastify';

/**
 * An agent found its nginx config edited by hand and restored the managed version: logged, and
 * kept in the audit log as the agent's act (someone changed a server behind Berth's back).
 */
export async function recordProxyDrift(
  store: Store,
  log: FastifyBaseLogger,
  at: number,
  server: { serverId: string; serverName: string },
  drift: ProxyDrift,
): Promise<void> {
  log.warn(
    { server: server.serverName, version: drift.version, files: drift.files, restoredAs: drift.restoredAs },
    'the edge config was changed by hand on a server: its agent restored the managed version',
  );
  await store.audit.append({
    at: Date.parse(drift.at) || at,
    actorKind: 'agent',
    actorId: server.serverId,
    actorName: server.serverName,
    requestId: null,
    action: 'proxy.drift',
    target: `server:${server.serverName}`,
    teamId: null,
    outcome: 'ok',
    detail: {
      version: drift.version,
      restoredAs: drift.restoredAs,
      files: drift.files.join(','),
      expectedHash: drift.expectedHash,
      foundHash: drift.foundHash,
    },
  });
}
