import { ROLLOUT_DIRECTIONS, type RolloutDirection } from '@berth/core';
import { BerthError } from '@berth/protocol';
import type { ExpressionBuilder, Insertable, Updateable } from 'kysely';
import { isUniqueViolation } from '../db-errors.js';
import { parseCommand, parseEnv, parseGitSource, parseHealth, parseStringList, toJson } from '../json.js';
import type { AppsRecord, AppsTable, Database } from '../schema.js';
import type { AppPatch, AppRepo, AppRow, DeletedApp } from '../types.js';
import { atomically, type Db } from './db.js';
import { fromLimitColumns, toLimitColumns } from './limits.js';

/** An app as read: its own columns plus its project's team. */
type AppWithTeam = AppsRecord & { team_id: string };

/** Every read joins the project, so an AppRow always carries its team (apps.project_id is NOT NULL). */
const selectApps = (db: Db) =>
  db
    .selectFrom('apps')
    .innerJoin('projects', 'projects.id', 'apps.project_id')
    .selectAll('apps')
    .select('projects.team_id');

/** The same team for UPDATE … RETURNING, which cannot join: a correlated subquery. */
const teamOfProject = (eb: ExpressionBuilder<Database, 'apps'>) =>
  eb
    .selectFrom('projects')
    .select('projects.team_id')
    .whereRef('projects.id', '=', 'apps.project_id')
    .$asScalar()
    .$notNull()
    .as('team_id');

/** `onChange` hears of each app written, and of each deleted with its team and name (see RepoHooks). */
export function createAppRepo(db: Db, onChange?: (id: string, deleted?: DeletedApp) => void): AppRepo {
  return {
    async create(row) {
      try {
        await db.insertInto('apps').values(toAppsRecord(row)).execute();
      } catch (err) {
        // The unique constraint decides, not a prior lookup: two creates racing both pass a check.
        if (isUniqueViolation(err, 'apps', ['name'])) throw appExists(row.name, err);
        throw err;
      }
      onChange?.(row.id);
    },

    async getByName(name) {
      const r = await selectApps(db).where('apps.name', '=', name).executeTakeFirst();
      return r ? toAppRow(r) : null;
    },

    async getById(id) {
      const r = await selectApps(db).where('apps.id', '=', id).executeTakeFirst();
      return r ? toAppRow(r) : null;
    },

    async list() {
      const rows = await selectApps(db).orderBy('apps.name').execute();
      return rows.map(toAppRow);
    },

    async update(id, patch, now) {
      const r = await db
        .updateTable('apps')
        .set({ ...toAppsUpdate(patch), updated_at: now })
        .where('id', '=', id)
        .returningAll()
        .returning(teamOfProject)
        .executeTakeFirst();
      if (!r)
        throw new BerthError('APP_NOT_FOUND', `No app with id "${id}"`, {
          hint: 'List apps with: berth apps',
        });
      onChange?.(id);
      return toAppRow(r);
    },

    async delete(id) {
      const gone = await atomically(db, async (trx) => {
        // Read first: once it is gone, whoever is told of the deletion can no longer find its team.
        const app = await selectApps(trx).where('apps.id', '=', id).executeTakeFirst();
        // Jobs are not tied to the app by a foreign key (their payload is opaque); the app's own
        // jobs are the ones serialised on its id.
        await trx.deleteFrom('jobs').where('concurrency_key', '=', id).execute();
        // Releases, deployments and their events go by ON DELETE CASCADE.
        await trx.deleteFrom('apps').where('id', '=', id).execute();
        return app;
      });
      if (gone) onChange?.(id, { teamId: gone.team_id, name: gone.name });
    },
  };
}

function appExists(name: string, cause: unknown): BerthError {
  return new BerthError('APP_EXISTS', `An app named "${name}" already exists`, {
    hint: `Pick another name, or deploy the existing app with: berth deploy ${name}`,
    cause,
  });
}

function toDirection(value: string, id: string): RolloutDirection {
  if ((ROLLOUT_DIRECTIONS as readonly string[]).includes(value)) return value as RolloutDirection;
  throw new BerthError(
    'INTERNAL',
    `apps.rollout_direction of row "${id}" is "${value}", not forward or revert`,
  );
}

/** teamId is not written: it belongs to the project, and an app follows its project. */
const toAppsRecord = (row: AppRow): Insertable<AppsTable> => ({
  id: row.id,
  project_id: row.projectId,
  name: row.name,
  image: row.image,
  port: row.port,
  command: row.command === null ? null : toJson(row.command),
  env: toJson(row.env),
  health: toJson(row.health),
  replicas: row.replicas,
  current_release_id: row.currentReleaseId,
  current_replicas: row.currentReplicas,
  current_deployment_id: row.currentDeploymentId,
  rollout_direction: row.rolloutDirection,
  settings_deployment_id: row.settingsDeploymentId,
  created_at: row.createdAt,
  updated_at: row.updatedAt,
  source: row.source === null ? null : toJson(row.source),
  port_set: row.portSet ? 1 : 0,
  constraints: toJson(row.constraints),
  deploy_strategy: row.strategy,
  ...toLimitColumns(row.limits),
});

function toAppsUpdate(patch: AppPatch): Updateable<AppsTable> {
  const u: Updateable<AppsTable> = {};
  if (patch.image !== undefined) u.image = patch.image;
  if (patch.port !== undefined) u.port = patch.port;
  if (patch.command !== undefined) u.command = patch.command === null ? null : toJson(patch.command);
  if (patch.env !== undefined) u.env = toJson(patch.env);
  if (patch.health !== undefined) u.health = toJson(patch.health);
  if (patch.replicas !== undefined) u.replicas = patch.replicas;
  if (patch.currentReleaseId !== undefined) u.current_release_id = patch.currentReleaseId;
  if (patch.currentReplicas !== undefined) u.current_replicas = patch.currentReplicas;
  if (patch.currentDeploymentId !== undefined) u.current_deployment_id = patch.currentDeploymentId;
  if (patch.rolloutDirection !== undefined) u.rollout_direction = patch.rolloutDirection;
  if (patch.settingsDeploymentId !== undefined) u.settings_deployment_id = patch.settingsDeploymentId;
  if (patch.source !== undefined) u.source = patch.source === null ? null : toJson(patch.source);
  if (patch.portSet !== undefined) u.port_set = patch.portSet ? 1 : 0;
  if (patch.limits !== undefined) Object.assign(u, toLimitColumns(patch.limits));
  if (patch.constraints !== undefined) u.constraints = toJson(patch.constraints);
  if (patch.strategy !== undefined) u.deploy_strategy = patch.strategy;
  return u;
}

function toAppRow(r: AppWithTeam): AppRow {
  const at = (column: string) => ({ table: 'apps', id: r.id, column });
  return {
    id: r.id,
    projectId: r.project_id,
    teamId: r.team_id,
    name: r.name,
    image: r.image,
    port: r.port,
    command: parseCommand(r.command, at('command')),
    env: parseEnv(r.env, at('env')),
    health: parseHealth(r.health, at('health')),
    replicas: r.replicas,
    currentReleaseId: r.current_release_id,
    currentReplicas: r.current_replicas,
    currentDeploymentId: r.current_deployment_id,
    rolloutDirection: toDirection(r.rollout_direction, r.id),
    settingsDeploymentId: r.settings_deployment_id,
    constraints: parseStringList(r.constraints, at('constraints')),
    strategy: r.deploy_strategy === 'recreate' ? 'recreate' : 'rolling',
    source: parseGitSource(r.source, at('source')),
    portSet: r.port_set === 1,
    limits: fromLimitColumns(r),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
