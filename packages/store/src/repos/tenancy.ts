import type { TenancyRepo } from '../types.js';
import { atomically, type Db } from './db.js';

const DEFAULT_NAME = 'default';

export function createTenancyRepo(db: Db): TenancyRepo {
  return {
    // Runs on every startup, possibly in two processes at once: ON CONFLICT DO NOTHING and then
    // reading back makes it idempotent without a check-then-insert race.
    ensureDefaults(ids, now) {
      return atomically(db, async (trx) => {
        await trx
          .insertInto('teams')
          .values({ id: ids.teamId, name: DEFAULT_NAME, created_at: now })
          .onConflict((oc) => oc.column('name').doNothing())
          .execute();
        const team = await trx
          .selectFrom('teams')
          .select('id')
          .where('name', '=', DEFAULT_NAME)
          .executeTakeFirstOrThrow();
        await trx
          .insertInto('projects')
          .values({ id: ids.projectId, team_id: team.id, name: DEFAULT_NAME, created_at: now })
          .onConflict((oc) => oc.columns(['team_id', 'name']).doNothing())
          .execute();
        // The installation owners' team may deploy the host's own images from the first start (the
        // quickstart's localhost/hello:1); a setting changed later is kept.
        await trx
          .insertInto('team_settings')
          .values({ team_id: team.id, allow_local_images: 1, build_network: 'egress', updated_at: now })
          .onConflict((oc) => oc.column('team_id').doNothing())
          .execute();
        const project = await trx
          .selectFrom('projects')
          .select('id')
          .where('team_id', '=', team.id)
          .where('name', '=', DEFAULT_NAME)
          .executeTakeFirstOrThrow();
        return { teamId: team.id, projectId: project.id };
      });
    },
  };
}
