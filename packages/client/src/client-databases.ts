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

const teamQuery = (team: string | undefined): string =>
  team === undefined ? '' : `?team=${encodeURIComponent(team)}`;

/** A restore reads the whole backup back and loads it: minutes for a big one, not the usual 30 s. */
const RESTORE_TIMEOUT_MS = 60 * 60_000;

/** A team's managed databases (issue 12). */
export function databasesApi({ json, call }: Transport) {
  const path = (name: string): string => `/databases/${encodeURIComponent(name)}`;
  return {
    listDatabases: async () => (await json(DatabaseList, 'GET', '/databases')).databases,
    createDatabase: (body: DatabaseCreate) => json(Database, 'POST', '/databases', body),
    getDatabase: (name: string, team?: string) => json(Database, 'GET', `${path(name)}${teamQuery(team)}`),
    linkDatabase: (name: string, body: DatabaseLinkRequest) =>
      json(DatabaseLinkResult, 'POST', `${path(name)}/links`, body),
    unlinkDatabase: (name: string, app: string, team?: string) =>
      json(DatabaseLinkResult, 'DELETE', `${path(name)}/links/${encodeURIComponent(app)}${teamQuery(team)}`),
    restoreDatabase: async (name: string, body: DatabaseRestoreBody) => {
      const res = await call(
        'POST',
        `${path(name)}/restore`,
        body,
        {},
        {
          signal: AbortSignal.timeout(RESTORE_TIMEOUT_MS),
        },
      );
      return DatabaseRestoreResult.parse(await res.json());
    },
    deleteDatabase: async (name: string, team?: string) => {
      await call('DELETE', `${path(name)}${teamQuery(team)}`);
    },
  };
}
