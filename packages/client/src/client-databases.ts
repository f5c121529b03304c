import {
  Database,
  DatabaseLinkResult,
  DatabaseList,
  DatabaseRestoreResult,
  type DatabaseCreate,
  type DatabaseRestoreBody,
  type DatabaseLinkRequest,
} from '@berth/protocol';
import type { Transport } from './transport.js';

/** A restore reads the whole backup back and loads it: minutes for a big one, not the usual 30 s. */
const RESTORE_TIMEOUT_MS = 60 * 60_000;

/** A team's managed databases (issue 12). */
export function databasesApi({ json, call }: Transport) {
  const database = (name: string, team?: string) => ({ path: { name }, query: { team } });
  return {
    listDatabases: async () => (await json(DatabaseList, 'GET', '/databases')).databases,
    createDatabase: (body: DatabaseCreate) => json(Database, 'POST', '/databases', { body }),
    getDatabase: (name: string, team?: string) =>
      json(Database, 'GET', '/databases/{name}', database(name, team)),
    linkDatabase: (name: string, body: DatabaseLinkRequest) =>
      json(DatabaseLinkResult, 'POST', '/databases/{name}/links', { path: { name }, body }),
    unlinkDatabase: (name: string, app: string, team?: string) =>
      json(DatabaseLinkResult, 'DELETE', '/databases/{name}/links/{app}', {
        path: { name, app },
        query: { team },
      }),
    restoreDatabase: async (name: string, body: DatabaseRestoreBody) => {
      const res = await call('POST', '/databases/{name}/restore', {
        path: { name },
        body,
        stream: { signal: AbortSignal.timeout(RESTORE_TIMEOUT_MS) },
      });
      return DatabaseRestoreResult.parse(await res.json());
    },
    deleteDatabase: async (name: string, team?: string) => {
      await call('DELETE', '/databases/{name}', database(name, team));
    },
  };
}
