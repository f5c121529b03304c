import { mountListProblems, toEngineVolumeName } from '@berth/core';
import {
  BerthError,
  type Volume,
  type VolumeCreate,
  type VolumeMountInput,
  type VolumeRemoveParams,
  type VolumeRemoveResult,
} from '@berth/protocol';
import type { AppRow, Repos, ServerRow, Store, TeamRow, VolumeRow } from '@berth/store';
import type { AuditIntent } from '../audit/intent.js';
import { createMutator } from '../deploy/service.js';
import { createId } from '../ids.js';

/**
 * Volumes (issue 12): a team's engine volumes, each on one server. Created and deleted here with
 * their audit row; mounted by apps at creation (in the app's transaction). berthd never touches
 * an engine: the volume's agent makes it when a replica that mounts it starts, and removes it
 * only when `volumes delete` asks it to, after the check that no app mounts it.
 */

export interface VolumesServiceDeps {
  store: Store;
  clock: () => number;
  onChange: () => void;
  agents: {
    /** The server `berth up`'s own agent runs as (the default home of a volume), or null. */
    localServerId(): Promise<string | null>;
    removeVolume(
      server: { id: string; name: string },
      params: VolumeRemoveParams,
    ): Promise<VolumeRemoveResult>;
  };
}

export type VolumesService = ReturnType<typeof createVolumesService>;

/** An app's mounts as asked, checked (paths) but not yet resolved to volumes. */
export type PreparedMounts = readonly VolumeMountInput[];

export function createVolumesService({ store, clock, onChange, agents }: VolumesServiceDeps) {
  const mutate = createMutator(store, clock, onChange);

  const requireVolume = async (tx: Repos, team: TeamRow, name: string): Promise<VolumeRow> => {
    const row = await tx.volumes.getByName(team.id, name);
    if (!row)
      throw new BerthError('VOLUME_NOT_FOUND', `There is no volume named "${name}" in team ${team.name}`, {
        hint: 'List volumes with: berth volumes list',
      });
    return row;
  };

  /** The named server, else the local agent's, else the first that joined; never a removed one. */
  const homeOf = async (tx: Repos, name: string | undefined, localId: string | null): Promise<ServerRow> => {
    if (name !== undefined) {
      const named = await tx.servers.findByName(name);
      if (!named)
        throw new BerthError('SERVER_NOT_FOUND', `There is no server named "${name}"`, {
          hint: 'List servers with: berth servers list',
        });
      return named;
    }
    const live = (await tx.servers.list()).filter((s) => s.state !== 'removed');
    const home = live.find((s) => s.id === localId) ?? live[0];
    if (!home)
      throw new BerthError('SERVER_NOT_FOUND', 'No server has joined yet, so a volume has nowhere to live', {
        hint: 'Start Berth with berth up (its local server joins at once), or join one with: berth agent join',
      });
    return home;
  };

  /** The engine volume by its server's agent (unless the server is gone), then the row. */
  const removeVolume = async (row: VolumeRow, intent: AuditIntent): Promise<void> => {
    const server = await store.servers.get(row.serverId);
    if (server && server.state !== 'removed')
      await agents.removeVolume(server, { engineName: toEngineVolumeName(row.id), volumeId: row.id });
    await mutate(intent, (tx) => tx.volumes.delete(row.id));
  };

  const view = async (row: VolumeRow, team: string): Promise<Volume> => {
    const server = await store.servers.get(row.serverId);
    const uses = await store.volumes.usesOf(row.id);
    return {
      id: row.id,
      name: row.name,
      team,
      server: server?.name ?? row.serverId,
      engineName: toEngineVolumeName(row.id),
      mounts: uses.map((u) => ({ app: u.appName, path: u.path })),
      createdAt: new Date(row.createdAt).toISOString(),
    };
  };

  return {
    async create(input: VolumeCreate, team: TeamRow, intent: AuditIntent): Promise<VolumeRow> {
      // Read before the transaction: it reads the store itself, which would wait for the
      // transaction to end (SQLite has one writer) while the transaction waits for it.
      const localId = input.server === undefined ? await agents.localServerId() : null;
      return mutate(intent, async (tx, now) => {
        const server = await homeOf(tx, input.server, localId);
        const row: VolumeRow = {
          id: createId('vol'),
          teamId: team.id,
          name: input.name,
          serverId: server.id,
          createdAt: now,
        };
        await tx.volumes.create(row);
        return row;
      });
    },

    /** The volumes of these teams, with the names of their teams. */
    async list(teams: readonly TeamRow[]): Promise<Volume[]> {
      const out: Volume[] = [];
      for (const team of [...teams].sort((a, b) => a.name.localeCompare(b.name)))
        for (const row of await store.volumes.list(team.id)) out.push(await view(row, team.name));
      return out;
    },

    view,

    /**
     * Refused (VOLUME_IN_USE) while an app mounts it. The agent of its server removes the engine
     * volume first (AGENT_UNAVAILABLE when it is not connected: then nothing is deleted, and the
     * delete can be asked again); the row goes after, in a transaction that checks the mounts again.
     */
    async delete(team: TeamRow, name: string, intent: AuditIntent): Promise<void> {
      const row = await requireVolume(store, team, name);
      // Checked before the agent removes the engine volume: a stopped database's data would go.
      const holder = await store.databases.getByVolume(row.id);
      if (holder)
        throw new BerthError(
          'VOLUME_IN_USE',
          `The volume "${name}" holds the data of the database "${holder.name}"`,
          {
            hint: `Delete the database with: berth db delete ${holder.name}`,
          },
        );
      const uses = await store.volumes.usesOf(row.id);
      if (uses.length > 0) {
        const apps = [...new Set(uses.map((u) => u.appName))];
        throw new BerthError(
          'VOLUME_IN_USE',
          `The volume "${name}" is mounted by ${apps.map((a) => `"${a}"`).join(', ')}`,
          { hint: `Delete ${apps.length === 1 ? 'that app' : 'those apps'} first: berth apps delete APP` },
        );
      }
      await removeVolume(row, intent);
    },

    homeOf,

    /**
     * A database's volume, once its database row and workload are gone (`db delete`): the engine
     * volume (VOLUME_IN_USE from the agent while the stopping container still holds it), then the row.
     */
    deleteRow: (_team: TeamRow, row: VolumeRow, intent: AuditIntent) => removeVolume(row, intent),

    /** Checks the paths of an app's mounts before anything is written (VALIDATION_FAILED). */
    prepareMounts(mounts: readonly VolumeMountInput[] | undefined): PreparedMounts {
      const list = mounts ?? [];
      const problems = mountListProblems(list);
      const first = problems[0];
      if (first !== undefined)
        throw new BerthError(
          'VALIDATION_FAILED',
          `Invalid volumes.${first.index}.${first.field}: ${first.message}`,
          {
            issues: problems.map((p) => ({ path: `volumes.${p.index}.${p.field}`, message: p.message })),
          },
        );
      return list;
    },

    /**
     * Mounts the volumes in the new app, in its transaction: each a volume of the app's team, all
     * on one server (the replicas are placed there).
     */
    async mountInTransaction(tx: Repos, app: AppRow, team: TeamRow, mounts: PreparedMounts): Promise<void> {
      if (mounts.length === 0) return;
      const rows: VolumeRow[] = [];
      for (const [i, m] of mounts.entries()) {
        const row = await tx.volumes.getByName(team.id, m.volume);
        if (!row)
          throw new BerthError(
            'VALIDATION_FAILED',
            `Invalid volumes.${i}.volume: there is no volume named "${m.volume}" in team ${team.name}`,
            {
              issues: [
                {
                  path: `volumes.${i}.volume`,
                  message: `there is no volume named "${m.volume}" in this team`,
                },
              ],
              hint: 'Create it first with: berth volumes create NAME',
            },
          );
        const holder = await tx.databases.getByVolume(row.id);
        if (holder)
          throw new BerthError(
            'VOLUME_IN_USE',
            `Invalid volumes.${i}.volume: "${m.volume}" holds the data of the database "${holder.name}"`,
            { hint: `Link the database instead: berth db link ${holder.name} ${app.name}` },
          );
        rows.push(row);
      }
      const servers = new Set(rows.map((r) => r.serverId));
      if (servers.size > 1)
        throw new BerthError(
          'VALIDATION_FAILED',
          'Invalid volumes: an app’s volumes must all live on one server (its replicas run there)',
          {
            issues: [{ path: 'volumes', message: 'the volumes live on different servers' }],
          },
        );
      await tx.volumes.setMounts(
        app.id,
        mounts.map((m, i) => ({ volumeId: (rows[i] as VolumeRow).id, path: m.path })),
      );
    },
  };
}
