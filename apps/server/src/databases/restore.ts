import { BerthError, type DatabaseRestoreBody, type DatabaseRestoreResult } from '@berth/protocol';
import type { DatabaseRow, Store, TeamRow } from '@berth/store';
import type { AuditIntent } from '../audit/intent.js';
import type { BackupsService } from '../backups/service.js';
import type { FleetView } from '../deploy/placement.js';
import { requireDatabase } from './lookup.js';
import type { DatabasesService } from './service.js';

/**
 * `berth backups restore DB BACKUP --to NEW`: a verified backup of DB restored into a new
 * database NEW (same engine, version and memory; on DB's server unless told otherwise). NEW is
 * made stopped, its agent loads the dump into its volume with NEW's own credentials and checks
 * the result against the source at dump time, and only then does NEW's container start, on
 * that data. A restore that fails leaves nothing behind: NEW is deleted again.
 */
export interface DatabaseRestoreDeps {
  store: Store;
  fleet: FleetView;
  backups: Pick<BackupsService, 'restoreObject' | 'audit'>;
  databases: Pick<DatabasesService, 'createStopped' | 'startRestored' | 'delete'>;
}

export function createDatabaseRestore({ store, fleet, backups, databases }: DatabaseRestoreDeps) {
  const serverIdOf = async (source: DatabaseRow, name: string | undefined): Promise<string> => {
    if (name === undefined) return source.serverId;
    const server = (await store.servers.list()).find((s) => s.name === name && s.state !== 'removed');
    if (!server)
      throw new BerthError('SERVER_NOT_FOUND', `There is no server named "${name}"`, {
        hint: 'List servers with: berth servers list',
      });
    return server.id;
  };

  return {
    async restore(
      team: TeamRow,
      sourceName: string,
      body: DatabaseRestoreBody,
      intent: AuditIntent,
    ): Promise<DatabaseRestoreResult> {
      const source = await requireDatabase(store, team, sourceName);
      const backup = await store.backups.get(body.backup);
      if (
        !backup ||
        backup.teamId !== team.id ||
        backup.sourceKind !== 'database' ||
        backup.sourceId !== source.id
      )
        throw new BerthError('BACKUP_NOT_FOUND', `Database ${sourceName} has no backup ${body.backup}`, {
          hint: `List them with: berth backups list ${sourceName}`,
        });
      if (backup.status !== 'verified')
        throw new BerthError(
          'BACKUP_VERIFY_FAILED',
          `Backup ${body.backup} is ${backup.status}: only a verified backup is restored`,
          { hint: `Pick a verified one: berth backups list ${sourceName}` },
        );
      const target = await store.backupTargets.get(backup.targetId);
      if (!target)
        throw new BerthError('BACKUP_TARGET_NOT_FOUND', `The target of backup ${body.backup} is gone`);
      const serverId = await serverIdOf(source, body.server);
      // Before anything is made: only that server's agent can load the dump into the new volume.
      if (!fleet.isOnline(serverId))
        throw new BerthError(
          'AGENT_UNAVAILABLE',
          `The agent of the server the new database would live on is not connected: nothing was made`,
          { hint: 'Try again once the server is back (berth servers list), or name another with --server' },
        );
      const server = await store.servers.get(serverId);
      const made = await databases.createStopped(
        {
          name: body.to,
          engine: source.engine,
          version: source.version,
          memoryMiB: source.memoryMiB,
          ...(server && { server: server.name }),
        },
        team,
        { ...intent, action: 'db.create', target: `database:${body.to}` },
      );
      const volume = await store.volumes.get(made.row.volumeId);
      try {
        if (!server || !volume || !made.row.appId)
          throw new BerthError('INTERNAL', `The new database ${body.to} lost its server, volume or workload`);
        const { output } = await backups.restoreObject(server, backup, target, volume, {
          appId: made.row.appId,
          credentials: made.credentials,
        });
        const deploymentId = await databases.startRestored(made.row, {
          ...intent,
          action: 'db.start',
          target: `database:${body.to}`,
        });
        await backups.audit(intent, 'ok', { backup: backup.id, to: body.to });
        return { database: body.to, backup: backup.id, deploymentId, output };
      } catch (e) {
        await databases
          .delete(
            team,
            body.to,
            { ...intent, action: 'db.delete', target: `database:${body.to}` },
            { ...intent, action: 'volume.delete', target: `volume:db-${body.to}` },
          )
          .catch(() => undefined);
        await backups.audit(intent, 'failed', {
          backup: backup.id,
          to: body.to,
          error: (e instanceof Error ? e.message : String(e)).slice(0, 500),
        });
        throw e;
      }
    },
  };
}

export type DatabaseRestore = ReturnType<typeof createDatabaseRestore>;
