import { BerthError } from '@berth/protocol';
import { isUniqueViolation } from '../db-errors.js';
import type { AppVolumeRow, VolumeRepo, VolumeRow, VolumesTable, VolumeUse } from '../types-volumes.js';
import { atomically, type Db } from './db.js';

/**
 * Volumes and who mounts them. The unique constraint on (team, name) keeps one name per team
 * under racing creates; "in use" is read in the same transaction as the delete.
 */
export function createVolumeRepo(db: Db): VolumeRepo {
  return {
    async create(row) {
      try {
        await db.insertInto('volumes').values(toRecord(row)).execute();
      } catch (err) {
        if (isUniqueViolation(err, 'volumes', ['team_id', 'name']))
          throw new BerthError('VOLUME_EXISTS', `A volume named "${row.name}" already exists in this team`, {
            hint: 'Pick another name, or see the team’s volumes with: berth volumes list',
            cause: err,
          });
        throw err;
      }
    },

    async get(id) {
      const r = await db.selectFrom('volumes').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? toRow(r) : null;
    },

    async getByName(teamId, name) {
      const r = await db
        .selectFrom('volumes')
        .selectAll()
        .where('team_id', '=', teamId)
        .where('name', '=', name)
        .executeTakeFirst();
      return r ? toRow(r) : null;
    },

    async list(teamId) {
      let q = db.selectFrom('volumes').selectAll();
      if (teamId !== null) q = q.where('team_id', '=', teamId);
      const rows = await q.orderBy('name').orderBy('id').execute();
      return rows.map(toRow);
    },

    delete(id) {
      return atomically(db, async (trx) => {
        // A database's data: deleted only with the database (`berth db delete`).
        const holder = await trx
          .selectFrom('databases')
          .select('name')
          .where('volume_id', '=', id)
          .executeTakeFirst();
        if (holder)
          throw new BerthError(
            'VOLUME_IN_USE',
            `The volume holds the data of the database "${holder.name}"`,
            {
              hint: `Delete the database with: berth db delete ${holder.name}`,
            },
          );
        const uses = await usesOf(trx, id);
        if (uses.length > 0) {
          const volume = await trx
            .selectFrom('volumes')
            .select('name')
            .where('id', '=', id)
            .executeTakeFirst();
          const apps = [...new Set(uses.map((u) => u.appName))].sort();
          throw new BerthError(
            'VOLUME_IN_USE',
            `The volume "${volume?.name ?? id}" is mounted by ${apps.map((a) => `"${a}"`).join(', ')}`,
            { hint: `Delete ${apps.length === 1 ? 'that app' : 'those apps'} first: berth apps delete APP` },
          );
        }
        await trx.deleteFrom('volumes').where('id', '=', id).execute();
      });
    },

    setMounts(appId, mounts) {
      return atomically(db, async (trx) => {
        await trx.deleteFrom('app_volumes').where('app_id', '=', appId).execute();
        if (mounts.length === 0) return;
        await trx
          .insertInto('app_volumes')
          .values(
            mounts.map((m, position) => ({ app_id: appId, volume_id: m.volumeId, path: m.path, position })),
          )
          .execute();
      });
    },

    async mountsOf(appId) {
      const rows = await db
        .selectFrom('app_volumes')
        .selectAll()
        .where('app_id', '=', appId)
        .orderBy('position')
        .execute();
      return rows.map((r): AppVolumeRow => ({ appId: r.app_id, volumeId: r.volume_id, path: r.path }));
    },

    usesOf: (volumeId) => usesOf(db, volumeId),
  };
}

async function usesOf(db: Db, volumeId: string): Promise<VolumeUse[]> {
  const rows = await db
    .selectFrom('app_volumes')
    .innerJoin('apps', 'apps.id', 'app_volumes.app_id')
    .select(['app_volumes.app_id', 'app_volumes.volume_id', 'app_volumes.path', 'apps.name'])
    .where('app_volumes.volume_id', '=', volumeId)
    .orderBy('apps.name')
    .execute();
  return rows.map((r) => ({ appId: r.app_id, volumeId: r.volume_id, path: r.path, appName: r.name }));
}

const toRecord = (row: VolumeRow): VolumesTable => ({
  id: row.id,
  team_id: row.teamId,
  name: row.name,
  server_id: row.serverId,
  created_at: row.createdAt,
});

const toRow = (r: VolumesTable): VolumeRow => ({
  id: r.id,
  teamId: r.team_id,
  name: r.name,
  serverId: r.server_id,
  createdAt: Number(r.created_at),
});
