import { randomBytes } from 'node:crypto';
import {
  databaseConnectionUrl,
  databaseContainerSpec,
  databaseWorkload,
  databaseWorkloadName,
  generateDatabaseCredentials,
  DATABASE_ENGINE_INFO,
  resolveDatabaseVersion,
  DATABASE_MEMORY_DEFAULT_MIB,
  type DatabaseCredentials,
} from '@berth/core';
import {
  BerthError,
  databasePrivateHost,
  type App,
  type Database,
  type DatabaseCreate,
  type DatabaseLinkRequest,
} from '@berth/protocol';
import type { AppRow, DatabaseRow, Repos, Store, TeamRow, VolumeRow } from '@berth/store';
import type { AuditIntent } from '../audit/intent.js';
import { createMutator, rereleaseCurrent } from '../deploy/service.js';
import { newRelease, queueDeployment, requesterOf } from '../deploy/rollout-steps.js';
import { projectFor } from '../identity/teams.js';
import { placementPin, type FleetView } from '../deploy/placement.js';
import { createId } from '../ids.js';
import type { KeyHolder } from '../secrets/keys.js';
import { secretAad } from '../secrets/keys.js';
import { databaseStatus } from './status.js';
import { requireDatabase } from './lookup.js';
import { openCredentials, sealCredentials } from './sealing.js';

/**
 * Managed databases (issue 12): each runs as a Berth-managed workload — an app row of its own
 * (`db-…`, one replica, `recreate`, its volume mounted, so the scheduler pins it to the volume's
 * server and never starts it elsewhere on an empty volume), with the generated password as a
 * sealed secret. Apps of the team get its URL as a secret by `link`, rolled out as usual.
 */
export interface DatabasesServiceDeps {
  store: Store;
  clock: () => number;
  keys: KeyHolder;
  onChange: () => void;
  fleet: FleetView;
  agents: {
    localServerId(): Promise<string | null>;
    /** `du` of its data in its running container; null when that is not running. */
    databaseSize(server: { id: string; name: string }, appId: string): Promise<number | null>;
  };
  volumes: {
    homeOf(
      tx: Repos,
      name: string | undefined,
      localId: string | null,
    ): Promise<{ id: string; name: string }>;
    /** Removes the engine volume (its agent) and then the row; throws VOLUME_IN_USE while mounted. */
    deleteRow(team: TeamRow, row: VolumeRow, intent: AuditIntent): Promise<void>;
  };
}

export type DatabasesService = ReturnType<typeof createDatabasesService>;

/** The volume a database keeps its data on, named for it so `volumes list` says whose it is. */
const volumeNameOf = (name: string): string => `db-${name}`;

const NO_IDEMPOTENCY = { key: null, requestHash: '' };

export function createDatabasesService(deps: DatabasesServiceDeps) {
  const { store, clock, keys } = deps;
  const mutate = createMutator(store, clock, deps.onChange);

  const requireTeamApp = async (tx: Repos, team: TeamRow, name: string): Promise<AppRow> => {
    const app = await tx.apps.getByName(name);
    // Another team's app is not there for this team: the same answer as none.
    if (!app || app.teamId !== team.id || (await tx.databases.getByApp(app.id)))
      throw new BerthError('APP_NOT_FOUND', `There is no app named "${name}" in team ${team.name}`, {
        hint: 'List apps with: berth apps list',
      });
    return app;
  };

  const credentialsOf = (row: DatabaseRow): DatabaseCredentials =>
    openCredentials(keys.box, row.id, { value: row.sealedCredentials, keyId: row.keyId });

  const urlOf = (row: DatabaseRow): string =>
    databaseConnectionUrl(row.engine, credentialsOf(row), { host: databasePrivateHost(row.name) });

  const createInTransaction = async (
    tx: Repos,
    input: DatabaseCreate,
    team: TeamRow,
    localId: string | null,
    now: number,
    /** False for a restore: the container must not start before the dump is in its volume. */
    start = true,
  ): Promise<DatabaseRow> => {
    const version = resolveDatabaseVersion(input.engine, input.version);
    if (!version.ok)
      throw new BerthError('VALIDATION_FAILED', `Invalid version: ${version.problem}`, {
        issues: [{ path: 'version', message: version.problem }],
      });
    if (await tx.databases.getByName(team.id, input.name))
      throw new BerthError(
        'DATABASE_EXISTS',
        `A database named "${input.name}" already exists in this team`,
        {
          hint: 'Pick another name, or see the team’s databases with: berth db list',
        },
      );
    const server = await deps.volumes.homeOf(tx, input.server, localId);
    const volume: VolumeRow = {
      id: createId('vol'),
      teamId: team.id,
      name: volumeNameOf(input.name),
      serverId: server.id,
      createdAt: now,
    };
    await tx.volumes.create(volume);
    const credentials = generateDatabaseCredentials(randomBytes);
    const memoryMiB = input.memoryMiB ?? DATABASE_MEMORY_DEFAULT_MIB;
    const workload = databaseWorkload(input.engine, input.name, credentials, memoryMiB);
    const app: AppRow = {
      id: createId('app'),
      projectId: (await projectFor(tx, team, undefined)).id,
      teamId: team.id,
      name: databaseWorkloadName(randomBytes),
      image: workload.image,
      source: null,
      portSet: true,
      port: workload.port,
      command: workload.command,
      env: workload.env,
      health: workload.health,
      replicas: 1,
      limits: workload.limits,
      currentReleaseId: null,
      currentReplicas: 0,
      currentDeploymentId: null,
      rolloutDirection: 'forward',
      settingsDeploymentId: null,
      constraints: [],
      strategy: 'recreate',
      createdAt: now,
      updatedAt: now,
    };
    await tx.apps.create(app);
    for (const [key, value] of Object.entries(workload.secrets)) {
      const sealed = keys.box.seal('app-secret', value, secretAad(app.id, key));
      await tx.secrets.put({
        ...{ appId: app.id, key, value: sealed.value, keyId: sealed.keyId },
        ...{ filePath: null, createdAt: now, updatedAt: now },
      });
    }
    await tx.volumes.setMounts(app.id, [{ volumeId: volume.id, path: workload.mountPath }]);
    const id = createId('db');
    const sealed = sealCredentials(keys.box, id, credentials);
    const row: DatabaseRow = {
      id,
      teamId: team.id,
      name: input.name,
      engine: input.engine,
      version: version.version,
      serverId: server.id,
      volumeId: volume.id,
      sealedCredentials: sealed.value,
      keyId: sealed.keyId,
      memoryMiB,
      publicPort: input.publicPort ?? null,
      appId: app.id,
      createdAt: now,
    };
    await tx.databases.create(row);
    if (start) await startWorkload(tx, app, now);
    return row;
  };

  const startWorkload = async (tx: Repos, app: AppRow, now: number): Promise<string> => {
    const release = await newRelease(tx, app, now, { imageId: null });
    // A database's own workload is berthd's to run, not a deploy someone asked for.
    const who = { requestedBy: null };
    return (await queueDeployment(tx, deps.fleet, app, release, 'deploy', 1, NO_IDEMPOTENCY, now, who)).id;
  };

  const putLink = async (
    tx: Repos,
    row: DatabaseRow,
    app: AppRow,
    key: string,
    now: number,
  ): Promise<void> => {
    // The app will run where this database runs (placementPin): not if it is tied elsewhere.
    const pin = await placementPin(tx, app.id);
    if (pin && pin.serverId !== row.serverId) {
      const server = await tx.servers.get(row.serverId);
      throw new BerthError(
        'DATABASE_ON_ANOTHER_SERVER',
        `${app.name} runs where its ${pin.because} lives, and the database "${row.name}" is on another server (${server?.name ?? row.serverId})`,
        {
          hint: 'An app reaches a database on its own server only: use a database on that server (berth db create … --server)',
        },
      );
    }
    const previous = (await tx.databases.links(row.id)).find((l) => l.appId === app.id);
    if (previous && previous.secretKey !== key) await tx.secrets.delete(app.id, previous.secretKey);
    const sealed = keys.box.seal('app-secret', urlOf(row), secretAad(app.id, key));
    await tx.secrets.put({
      ...{ appId: app.id, key, value: sealed.value, keyId: sealed.keyId },
      ...{ filePath: null, createdAt: now, updatedAt: now },
    });
    await tx.databases.putLink({ databaseId: row.id, appId: app.id, secretKey: key, createdAt: now });
  };

  return {
    async create(input: DatabaseCreate, team: TeamRow, intent: AuditIntent): Promise<DatabaseRow> {
      // Read before the transaction (SQLite has one writer: a read inside it would wait on it).
      const localId = input.server === undefined ? await deps.agents.localServerId() : null;
      return mutate(intent, (tx, now) => createInTransaction(tx, input, team, localId, now));
    },

    /**
     * A database made for a restore (`backups restore … --to`): its rows and volume, not yet
     * started; its credentials, which the agent loads the dump with. startRestored starts it.
     */
    async createStopped(
      input: DatabaseCreate,
      team: TeamRow,
      intent: AuditIntent,
    ): Promise<{ row: DatabaseRow; credentials: DatabaseCredentials }> {
      const localId = input.server === undefined ? await deps.agents.localServerId() : null;
      const row = await mutate(intent, (tx, now) =>
        createInTransaction(tx, input, team, localId, now, false),
      );
      return { row, credentials: credentialsOf(row) };
    },

    /** Starts a database createStopped made, now that its volume holds the restored data. */
    startRestored: (row: DatabaseRow, intent: AuditIntent): Promise<string> =>
      mutate(intent, async (tx, now) => {
        const app = row.appId ? await tx.apps.getById(row.appId) : null;
        if (!app)
          throw new BerthError('DATABASE_NOT_FOUND', `The database "${row.name}" was deleted meanwhile`);
        return startWorkload(tx, app, now);
      }),

    /** A new volume beside the database's own, on its server: what a restore in place loads into. */
    addRestoreVolume: (row: DatabaseRow, intent: AuditIntent): Promise<VolumeRow> =>
      mutate(intent, async (tx, now) => {
        const volume: VolumeRow = {
          id: createId('vol'),
          teamId: row.teamId,
          // Unique beside the database's first volume; `volumes list` still says whose it is.
          name: `db-${row.name.slice(0, 20).replace(/-+$/, '')}-${randomBytes(3).toString('hex')}`,
          serverId: row.serverId,
          createdAt: now,
        };
        await tx.volumes.create(volume);
        return volume;
      }),

    /**
     * The database moves onto `volume` (its restored data) in one transaction: its workload's
     * mount and its row, then a restart of its one replica (recreate: the old container stops,
     * the new one starts on the new volume). The previous volume stays, unmounted.
     */
    switchVolume: (row: DatabaseRow, volume: VolumeRow, intent: AuditIntent): Promise<string> =>
      mutate(intent, async (tx, now) => {
        const app = row.appId ? await tx.apps.getById(row.appId) : null;
        const current = app?.currentReleaseId ? await tx.releases.get(app.currentReleaseId) : null;
        const [mount] = app ? await tx.volumes.mountsOf(app.id) : [];
        if (!app || !current || !mount)
          throw new BerthError(
            'DATABASE_NOT_FOUND',
            `The database "${row.name}" is not running anything to restore into`,
            {
              hint: `Restore into a new database instead: berth backups restore ${row.name} BACKUP --to NEW`,
            },
          );
        await tx.volumes.setMounts(app.id, [{ volumeId: volume.id, path: mount.path }]);
        await tx.databases.setVolume(row.id, volume.id);
        const who = { requestedBy: null }; // the database's workload, as in startWorkload
        return (await queueDeployment(tx, deps.fleet, app, current, 'restart', 1, NO_IDEMPOTENCY, now, who))
          .id;
      }),

    /** Opens a database's credentials (a restore in place loads with the ones it already has). */
    credentials: credentialsOf,

    /** `apps create --db`: a database made in the app's own transaction (localId read before it). */
    createInTransaction: (
      tx: Repos,
      input: DatabaseCreate,
      team: TeamRow,
      localId: string | null,
      now: number,
    ) => createInTransaction(tx, input, team, localId, now),

    /** `apps create --db`: the new app gets the URL; it has no release yet, so nothing rolls out. */
    linkNewApp: async (tx: Repos, row: DatabaseRow, app: AppRow, key: string, now: number): Promise<void> => {
      await putLink(tx, row, app, key, now);
    },

    async list(teams: readonly TeamRow[], appView: (app: AppRow) => Promise<App>): Promise<Database[]> {
      const out: Database[] = [];
      for (const team of [...teams].sort((a, b) => a.name.localeCompare(b.name)))
        for (const row of await store.databases.list(team.id)) out.push(await this.view(row, team, appView));
      return out;
    },

    /** What its data takes (`db show`); null when its agent is away or slow, or it is not running. */
    async sizeOf(row: DatabaseRow): Promise<number | null> {
      const server = await store.servers.get(row.serverId);
      if (!server || !row.appId || !deps.fleet.isOnline(row.serverId)) return null;
      return deps.agents.databaseSize(server, row.appId).catch(() => null);
    },

    async get(team: TeamRow, name: string): Promise<DatabaseRow> {
      return requireDatabase(store, team, name);
    },

    async view(row: DatabaseRow, team: TeamRow, appView: (app: AppRow) => Promise<App>): Promise<Database> {
      const server = await store.servers.get(row.serverId);
      const volume = await store.volumes.get(row.volumeId);
      const workload = row.appId ? await store.apps.getById(row.appId) : null;
      const app = workload ? await appView(workload) : null;
      const links = await store.databases.links(row.id);
      const [latest] = workload ? await store.deployments.list(workload.id, 1) : [];
      const verified = (await store.backups.listBySource(row.teamId, 'database', row.id)).find(
        (b) => b.status === 'verified',
      );
      const verifiedTarget = verified ? await store.backupTargets.get(verified.targetId) : null;
      return {
        id: row.id,
        name: row.name,
        team: team.name,
        engine: row.engine,
        version: row.version,
        server: server?.name ?? row.serverId,
        volume: volume?.name ?? row.volumeId,
        memoryMiB: row.memoryMiB,
        publicPort: row.publicPort,
        status: databaseStatus(app, deps.fleet.isOnline(row.serverId)),
        privateAddress: `${databasePrivateHost(row.name)}:${DATABASE_ENGINE_INFO[row.engine].port}`,
        links: links.map((l) => ({ app: l.appName, as: l.secretKey })),
        workload: workload?.name ?? null,
        deploymentId: latest?.id ?? null,
        lastVerifiedBackup: verified
          ? {
              id: verified.id,
              target: verifiedTarget?.name ?? verified.targetId,
              at: new Date(verified.finishedAt ?? verified.startedAt).toISOString(),
            }
          : null,
        shell: databaseContainerSpec(row.engine, credentialsOf(row), row.memoryMiB).shell,
        sizeBytes: null,
        createdAt: new Date(row.createdAt).toISOString(),
      };
    },

    /**
     * The database's URL as a secret of the app (DATABASE_URL unless `as` says otherwise), in a
     * new release of the app rolled out as any secret change; the link is what `db show` lists.
     */
    link: (team: TeamRow, name: string, request: DatabaseLinkRequest, intent: AuditIntent) =>
      mutate(intent, async (tx, now) => {
        const row = await requireDatabase(tx, team, name);
        const app = await requireTeamApp(tx, team, request.app);
        const key = request.as ?? 'DATABASE_URL';
        await putLink(tx, row, app, key, now);
        const deployment = await rereleaseCurrent(
          tx,
          deps.fleet,
          app,
          'secrets',
          NO_IDEMPOTENCY,
          now,
          requesterOf(intent),
        );
        return { app: app.name, as: key, deploymentId: deployment?.id ?? null };
      }),

    /** Takes the URL secret out of the app (a new release, rolled out) and forgets the link. */
    unlink: (team: TeamRow, name: string, appName: string, intent: AuditIntent) =>
      mutate(intent, async (tx, now) => {
        const row = await requireDatabase(tx, team, name);
        const app = await requireTeamApp(tx, team, appName);
        const link = (await tx.databases.links(row.id)).find((l) => l.appId === app.id);
        if (!link)
          throw new BerthError(
            'DATABASE_LINK_NOT_FOUND',
            `${app.name} is not linked to the database "${name}"`,
            {
              hint: `See its links with: berth db show ${name}`,
            },
          );
        await tx.secrets.delete(app.id, link.secretKey);
        await tx.databases.deleteLink(row.id, app.id);
        const deployment = await rereleaseCurrent(
          tx,
          deps.fleet,
          app,
          'secrets',
          NO_IDEMPOTENCY,
          now,
          requesterOf(intent),
        );
        return { app: app.name, as: link.secretKey, deploymentId: deployment?.id ?? null };
      }),

    /**
     * Refused while an app is linked (its URL would point nowhere). The workload and the row go in
     * one transaction; then the volume (its data) once the agent has stopped the container — the
     * agent refuses while the container still holds it, so this waits for that a while.
     */
    async delete(team: TeamRow, name: string, intent: AuditIntent, volumeIntent: AuditIntent): Promise<void> {
      const existing = await requireDatabase(store, team, name);
      const links = await store.databases.links(existing.id);
      if (links.length > 0)
        throw new BerthError(
          'DATABASE_IN_USE',
          `The database "${name}" is linked to ${links.map((l) => `"${l.appName}"`).join(', ')}`,
          { hint: `Unlink first: ${links.map((l) => `berth db unlink ${name} ${l.appName}`).join(' ; ')}` },
        );
      // Its data goes with it, and only its server's agent can remove that: nothing is deleted
      // while the agent is away (the database stays whole, and the delete can be asked again).
      if (!deps.fleet.isOnline(existing.serverId))
        throw new BerthError(
          'AGENT_UNAVAILABLE',
          `The agent of the server database "${name}" lives on is not connected: nothing was deleted`,
          { hint: 'Try again once the server is back (berth servers list)' },
        );
      await mutate(intent, async (tx) => {
        const row = await requireDatabase(tx, team, name);
        await tx.databases.delete(row.id);
        if (row.appId) await tx.apps.delete(row.appId);
        await tx.servers.bumpDesiredVersions();
      });
      const volume = await store.volumes.get(existing.volumeId);
      if (volume) await deleteVolumeWhenFree(() => deps.volumes.deleteRow(team, volume, volumeIntent), clock);
    },
  };
}

/** How long `db delete` waits for the agent to stop the container that holds the volume. */
// Under the CLI's 30 s request timeout; a container still stopping after it leaves the volume to delete.
const VOLUME_FREE_WAIT_MS = 20_000;
const VOLUME_FREE_POLL_MS = 1_000;

async function deleteVolumeWhenFree(remove: () => Promise<void>, clock: () => number): Promise<void> {
  const until = clock() + VOLUME_FREE_WAIT_MS;
  for (;;) {
    try {
      return await remove();
    } catch (err) {
      if (!(err instanceof BerthError && err.code === 'VOLUME_IN_USE') || clock() >= until) throw err;
      await new Promise((resolve) => setTimeout(resolve, VOLUME_FREE_POLL_MS));
    }
  }
}
