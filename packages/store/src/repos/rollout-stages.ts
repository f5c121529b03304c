import type { RolloutStageRepo, RolloutStageRow } from '../types-fleet.js';
import { parseStringList, toJson } from '../json.js';
import type { Db } from './db.js';

export function createRolloutStageRepo(db: Db): RolloutStageRepo {
  return {
    async list() {
      const rows = await db.selectFrom('rollout_stages').selectAll().orderBy('app_id').execute();
      return rows.map((r): RolloutStageRow => ({
        appId: r.app_id,
        revision: r.revision,
        serverIds: parseStringList(r.server_ids, {
          table: 'rollout_stages',
          id: r.app_id,
          column: 'server_ids',
        }),
        reached: Number(r.reached),
      }));
    },

    async put(row) {
      const values = { revision: row.revision, server_ids: toJson(row.serverIds), reached: row.reached };
      await db
        .insertInto('rollout_stages')
        .values({ app_id: row.appId, ...values })
        .onConflict((oc) => oc.column('app_id').doUpdateSet(values))
        .execute();
    },

    async setReached(appId, revision, reached) {
      await db
        .updateTable('rollout_stages')
        .set({ reached })
        .where('app_id', '=', appId)
        .where('revision', '=', revision)
        .where('reached', '<', reached)
        .execute();
    },

    async delete(appId, revision) {
      await db
        .deleteFrom('rollout_stages')
        .where('app_id', '=', appId)
        .where('revision', '=', revision)
        .execute();
    },
  };
}
