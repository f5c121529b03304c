import { BerthError, type DatabaseRestoreBody, type DatabaseRestoreResult } from '@berth/protocol';
import type { DatabaseRow, Store, TeamRow, VolumeRow } from '@berth/store';
import type { AuditIntent } from '../audit/intent.js';
import type { BackupsService } from '../backups/service.js';
import type { FleetView } from '../deploy/placement.js';
import { requireDatabase } from './lookup.js';
import { restorableBackup } from '../backups/restorable.js';
import type { DatabasesService } from './service.js';

/**
 * `berth backups restore DB BACKUP [--to NEW]`: a verified backup of DB restored, always into a
 * volume nothing runs on yet, by the agent of its server, with the credentials the database it
 * is for starts with; checked against the source at dump time before anything starts on it.
 * - `--to NEW`: a new database NEW (same engine, version and memory; on DB's server unless told
 *   otherwise), made stopped and started once loaded. A failure deletes NEW again.
 * - no `--to`: DB itself, onto a new volume, then DB restarts on it (its writes since the backup
 *   are gone, as a restore means); its previous volume is kept. A failure leaves DB as it was.
 */
export interface DatabaseRestoreDeps {
  store: Store;
  fleet: FleetView;
  backups: Pick<BackupsService, 'restoreObject' | 'audit'>;
  databases: Pick<
    DatabasesService,
    'createStopped' | 'startRestored' | 'delete' | 'addRestoreVolume' | 'switchVolume' | 'credentials'
  >;
  volumes: { deleteRow(team: TeamRow, row: VolumeRow, intent: AuditIntent): Promise<void> };
}

export function createDatabaseRestore({ store, fleet, backups, databases, volumes }: DatabaseRestoreDeps) {
  const serverIdOf = async (source: DatabaseRow, name: string | undefined): Promise<string> => {
    if (name === undefined) return source.serverId;
    const server = await store.servers.findByName(name);
    if (!server || server.state === 'removed')
      throw new BerthError('SERVER_NOT_FOUND', `There is no server named "${name}"`, {
        hint: 'List servers with: berth servers list',
      });
    return server.id;
  };

  /** The checks both restores make before anything is written: a verified backup of DB, its target. */
  const checked = async (team: TeamRow, sourceName: string, backupId: string) => {
    const source = await requireDatabase(store, team, sourceName);
    const { backup, target } = await restorableBackup(
      store,
      team,
      { kind: 'database', id: source.id, name: source.name },
      backupId,
    );
    return { source, backup, target };
  };

  const online = (serverId: string): void => {
    // Before anything is made: only that server's agent can load the dump into the new volume.
    if (!fleet.isOnline(serverId))
      throw new BerthError(
        'AGENT_UNAVAILABLE',
        'The agent of the server the restored database lives on is not connected: nothing was made',
        { hint: 'Try again once the server is back (berth servers list)' },
      );
  };

  const failed = async (intent: AuditIntent, backupId: string, e: unknown, undo: () => Promise<void>) => {
    await undo().catch(() => undefined);
    await backups.audit(intent, 'failed', {
      backup: backupId,
      error: (e instanceof Error ? e.message : String(e)).slice(0, 500),
    });
  };

  const as = (intent: AuditIntent, action: string, target: string): AuditIntent => ({
    ...intent,
    action,
    target,
  });

  /** Into a new database NEW: made stopped, loaded, started; deleted again on failure. */
  const intoNew = async (
    team: TeamRow,
    sourceName: string,
    body: DatabaseRestoreBody & { to: string },
    intent: AuditIntent,
  ): Promise<DatabaseRestoreResult> => {
    const { source, backup, target } = await checked(team, sourceName, body.backup);
    const serverId = await serverIdOf(source, body.server);
    online(serverId);
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
      as(intent, 'db.create', `database:${body.to}`),
    );
    const volume = await store.volumes.get(made.row.volumeId);
    try {
      if (!server || !volume || !made.row.appId)
        throw new BerthError('INTERNAL', `The new database ${body.to} lost its server, volume or workload`);
      const { output } = await backups.restoreObject(server, backup, target, volume, {
        appId: made.row.appId,
        credentials: made.credentials,
      });
      const deploymentId = await databases.startRestored(
        made.row,
        as(intent, 'db.start', `database:${body.to}`),
      );
      await backups.audit(intent, 'ok', { backup: backup.id, to: body.to });
      return { database: body.to, backup: backup.id, deploymentId, output, previousVolume: null };
    } catch (e) {
      await failed(intent, backup.id, e, () =>
        databases.delete(
          team,
          body.to,
          as(intent, 'db.delete', `database:${body.to}`),
          as(intent, 'volume.delete', `volume:${volume?.name ?? ''}`),
        ),
      );
      throw e;
    }
  };

  /**
   * Into DB itself: loaded into a new volume while DB keeps running on its own, then DB restarts
   * on the new volume (one transaction switches it). Nothing of DB changes until the load has
   * passed its check; its previous volume is kept, unmounted, for whoever wants it back.
   */
  const inPlace = async (
    team: TeamRow,
    sourceName: string,
    body: DatabaseRestoreBody,
    intent: AuditIntent,
  ): Promise<DatabaseRestoreResult> => {
    const { source, backup, target } = await checked(team, sourceName, body.backup);
    online(source.serverId);
    const server = await store.servers.get(source.serverId);
    const previous = await store.volumes.get(source.volumeId);
    if (!server || !previous || !source.appId)
      throw new BerthError(
        'DATABASE_NOT_FOUND',
        `The database "${sourceName}" has no server, volume or workload to restore into`,
      );
    const fresh = await databases.addRestoreVolume(
      source,
      as(intent, 'volume.create', `database:${sourceName}`),
    );
    try {
      const { output } = await backups.restoreObject(server, backup, target, fresh, {
        appId: source.appId,
        credentials: databases.credentials(source),
      });
      const deploymentId = await databases.switchVolume(
        source,
        fresh,
        as(intent, 'db.restart', `database:${sourceName}`),
      );
      await backups.audit(intent, 'ok', { backup: backup.id, volume: fresh.name, previous: previous.name });
      return { database: sourceName, backup: backup.id, deploymentId, output, previousVolume: previous.name };
    } catch (e) {
      await failed(intent, backup.id, e, () =>
        volumes.deleteRow(team, fresh, as(intent, 'volume.delete', `volume:${fresh.name}`)),
      );
      throw e;
    }
  };

  return {
    restore(
      team: TeamRow,
      sourceName: string,
      body: DatabaseRestoreBody,
      intent: AuditIntent,
    ): Promise<DatabaseRestoreResult> {
      const { to } = body;
      return to === undefined
        ? inPlace(team, sourceName, body, intent)
        : intoNew(team, sourceName, { ...body, to }, intent);
    },
  };
}

export type DatabaseRestore = ReturnType<typeof createDatabaseRestore>;
