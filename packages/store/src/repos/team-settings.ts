import type { TeamSettingsRecord } from '../schema.js';
import type { TeamSettingsRepo, TeamSettingsRow } from '../types-identity.js';
import { atomically, type Db } from './db.js';

/** Per-team settings; a team without a row has the defaults. */

export const DEFAULT_TEAM_SETTINGS: Omit<TeamSettingsRow, 'teamId'> = {
  allowLocalImages: false,
  buildNetwork: 'egress',
};

export function createTeamSettingsRepo(db: Db): TeamSettingsRepo {
  const get = async (trx: Db, teamId: string): Promise<TeamSettingsRow> => {
    const r = await trx
      .selectFrom('team_settings')
      .selectAll()
      .where('team_id', '=', teamId)
      .executeTakeFirst();
    return r ? toRow(r) : { teamId, ...DEFAULT_TEAM_SETTINGS };
  };
  return {
    get: (teamId) => get(db, teamId),

    update(teamId, patch, now) {
      return atomically(db, async (trx) => {
        const next = { ...(await get(trx, teamId)), ...patch };
        const values = {
          allow_local_images: next.allowLocalImages ? 1 : 0,
          build_network: next.buildNetwork,
          updated_at: now,
        };
        await trx
          .insertInto('team_settings')
          .values({ team_id: teamId, ...values })
          .onConflict((oc) => oc.column('team_id').doUpdateSet(values))
          .execute();
        return next;
      });
    },
  };
}

const toRow = (r: TeamSettingsRecord): TeamSettingsRow => ({
  teamId: r.team_id,
  allowLocalImages: r.allow_local_images === 1,
  buildNetwork: r.build_network === 'none' ? 'none' : 'egress',
});
