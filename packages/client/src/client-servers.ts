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
  const server = (name: string): string => `/servers/${encodeURIComponent(name)}`;
  return {
    listServers: async () => (await json(ServerListing, 'GET', '/servers')).servers,
    /** Servers and the joins not yet used. */
    listFleet: () => json(ServerListing, 'GET', '/servers'),
    getServer: (name: string) => json(ServerDetail, 'GET', server(name)),
    /** A one-time join command for a new server; the token is in this answer only. */
    addServer: (input: ServerCreate) => json(ServerJoinCommand, 'POST', '/servers', input),
    removeServer: async (name: string) => {
      await call('DELETE', server(name));
    },
    approveServer: (name: string) => json(ServerDetail, 'POST', `${server(name)}/approve`),
    drainServer: (name: string) => json(ServerDetail, 'POST', `${server(name)}/drain`),
    undrainServer: (name: string) => json(ServerDetail, 'POST', `${server(name)}/undrain`),
    patchServerLabels: (name: string, patch: ServerLabelsPatch) =>
      json(ServerDetail, 'PATCH', `${server(name)}/labels`, patch),
    /** The config versions of the server's nginx edge (PROXY_NO_HISTORY on Caddy). */
    proxyHistory: (name: string) => json(ProxyHistory, 'GET', `${server(name)}/proxy/history`),
    /** Serves an earlier config version of the server's nginx edge again, as a new version. */
    proxyRollback: (name: string, version: number) =>
      json(ProxyRollbackAnswer, 'POST', `${server(name)}/proxy/rollback`, { version }),
  };
}
