import {
  ProxyHistory,
  ProxyRollbackAnswer,
  ServerDetail,
  ServerJoinCommand,
  ServerListing,
  type ServerCreate,
  type ServerLabelsPatch,
} from '@berth/protocol';
import type { Transport } from './transport.js';

/** The fleet: servers, their joins, drain and approval. */
export function serversApi({ call, json }: Transport) {
  const server = (name: string) => ({ path: { name } });
  return {
    listServers: async () => (await json(ServerListing, 'GET', '/servers')).servers,
    /** Servers and the joins not yet used. */
    listFleet: () => json(ServerListing, 'GET', '/servers'),
    getServer: (name: string) => json(ServerDetail, 'GET', '/servers/{name}', server(name)),
    /** A one-time join command for a new server; the token is in this answer only. */
    addServer: (input: ServerCreate) => json(ServerJoinCommand, 'POST', '/servers', { body: input }),
    removeServer: async (name: string) => {
      await call('DELETE', '/servers/{name}', server(name));
    },
    approveServer: (name: string) => json(ServerDetail, 'POST', '/servers/{name}/approve', server(name)),
    drainServer: (name: string) => json(ServerDetail, 'POST', '/servers/{name}/drain', server(name)),
    undrainServer: (name: string) => json(ServerDetail, 'POST', '/servers/{name}/undrain', server(name)),
    patchServerLabels: (name: string, patch: ServerLabelsPatch) =>
      json(ServerDetail, 'PATCH', '/servers/{name}/labels', { ...server(name), body: patch }),
    /** The config versions of the server's nginx edge (PROXY_NO_HISTORY on Caddy). */
    proxyHistory: (name: string) => json(ProxyHistory, 'GET', '/servers/{name}/proxy/history', server(name)),
    /** Serves an earlier config version of the server's nginx edge again, as a new version. */
    proxyRollback: (name: string, version: number) =>
      json(ProxyRollbackAnswer, 'POST', '/servers/{name}/proxy/rollback', {
        ...server(name),
        body: { version },
      }),
  };
}
