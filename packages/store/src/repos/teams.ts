import { alreadyTaken, isUniqueViolation } from '../db-errors.js';
import type { ProjectsRecord, TeamsRecord } from '../schema.js';
import type { ProjectRepo, ProjectRow, TeamRepo, TeamRow } from '../types-identity.js';
import type { Db } from './db.js';

/** Teams and their projects: what apps, tokens and memberships belong to. */

export function createTeamRepo(db: Db): TeamRepo {
  return {
    async create(row) {
      try {
        await db
          .insertInto('teams')
          .values({ id: row.id, name: row.name, created_at: row.createdAt })
          .execute();
      } catch (err) {
        // The unique constraint decides, not a prior lookup: two creates racing would both pass a check.
        if (isUniqueViolation(err, 'teams', ['name'])) {
          throw alreadyTaken(`A team named "${row.name}" already exists`, 'name', err);
        }
        throw err;
      }
    },

    async get(id) {
      const r = await db.selectFrom('teams').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? toTeamRow(r) : null;
    },

    async getByName(name) {
      const r = await db.selectFrom('teams').selectAll().where('name', '=', name).executeTakeFirst();
      return r ? toTeamRow(r) : null;
    },

    async list() {
      const rows = await db.selectFrom('teams').selectAll().orderBy('name').execute();
      return rows.map(toTeamRow);
    },
  };
}

export function createProjectRepo(db: Db): ProjectRepo {
  return {
    async create(row) {
      try {
        await db
          .insertInto('projects')
          .values({ id: row.id, team_id: row.teamId, name: row.name, created_at: row.createdAt })
          .execute();
      } catch (err) {
        if (isUniqueViolation(err, 'projects', ['team_id', 'name'])) {
          throw alreadyTaken(`A project named "${row.name}" already exists in this team`, 'name', err);
        }
        throw err;
      }
    },

    async get(id) {
      const r = await db.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? toProjectRow(r) : null;
    },

    async getByName(teamId, name) {
      const r = await db
        .selectFrom('projects')
        .selectAll()
        .where('team_id', '=', teamId)
        .where('name', '=', name)
        .executeTakeFirst();
      return r ? toProjectRow(r) : null;
    },

    async list(teamIds) {
      if (teamIds?.length === 0) return [];
      let q = db.selectFrom('projects').selectAll();
      if (teamIds !== undefined) q = q.where('team_id', 'in', teamIds);
      const rows = await q.orderBy('team_id').orderBy('name').execute();
      return rows.map(toProjectRow);
    },
  };
}

const toTeamRow = (r: TeamsRecord): TeamRow => ({ id: r.id, name: r.name, createdAt: r.created_at });

const toProjectRow = (r: ProjectsRecord): ProjectRow => ({
  id: r.id,
  teamId: r.team_id,
  name: r.name,
  createdAt: r.created_at,
});
