import type { PlacementRepo, PlacementRow } from '../types-fleet.js';
import type { Db } from './db.js';

export function createPlacementRepo(db: Db): PlacementRepo {
  /** Each app's current deployment's slots up to its current replica count. */
  const currentSlots = () =>
    db
      .selectFrom('placements')
      .innerJoin('apps', 'apps.current_deployment_id', 'placements.deployment_id')
      .select(['placements.deployment_id', 'placements.app_id', 'placements.slot', 'placements.server_id'])
      .whereRef('placements.slot', '<=', 'apps.current_replicas');

  return {
    async createMany(rows) {
      if (rows.length === 0) return;
      await db
        .insertInto('placements')
        .values(
          rows.map((r) => ({
            deployment_id: r.deploymentId,
            app_id: r.appId,
            slot: r.slot,
            server_id: r.serverId,
          })),
        )
        .execute();
    },

    async listForDeployment(deploymentId) {
      const rows = await db
        .selectFrom('placements')
        .selectAll()
        .where('deployment_id', '=', deploymentId)
        .orderBy('slot')
        .execute();
      return rows.map(toPlacementRow);
    },

    async listCurrent() {
      const rows = await currentSlots().orderBy('placements.app_id').orderBy('placements.slot').execute();
      return rows.map(toPlacementRow);
    },

    async listCurrentOn(serverId) {
      const rows = await currentSlots()
        .where('placements.server_id', '=', serverId)
        .orderBy('placements.app_id')
        .orderBy('placements.slot')
        .execute();
      return rows.map(toPlacementRow);
    },

    async listPlacedApps() {
      const rows = await db
        .selectFrom('placements')
        .innerJoin('apps', 'apps.current_deployment_id', 'placements.deployment_id')
        .select('placements.app_id')
        .distinct()
        .whereRef('placements.slot', '<=', 'apps.current_replicas')
        .execute();
      return new Set(rows.map((r) => r.app_id));
    },
  };
}

const toPlacementRow = (r: {
  deployment_id: string;
  app_id: string;
  slot: number;
  server_id: string;
}): PlacementRow => ({
  deploymentId: r.deployment_id,
  appId: r.app_id,
  // Number(): PostgreSQL's driver may return integers of a join as strings.
  slot: Number(r.slot),
  serverId: r.server_id,
});
