import { alreadyTaken, isUniqueViolation } from '../db-errors.js';
import type { MembershipsRecord, UsersRecord } from '../schema.js';
import type { MembershipRepo, MembershipRow, UserRepo, UserRow } from '../types-identity.js';
import type { Db } from './db.js';

/**
 * Emails are lowercased on the way in and on every lookup, so the unique constraint is
 * case-insensitive in both dialects without a functional index or a collation.
 */
const toEmailKey = (email: string): string => email.toLowerCase();

export function createUserRepo(db: Db): UserRepo {
  return {
    async create(row) {
      const email = toEmailKey(row.email);
      try {
        await db
          .insertInto('users')
          .values({
            id: row.id,
            email,
            password_hash: row.passwordHash,
            created_at: row.createdAt,
            updated_at: row.updatedAt,
            disabled_at: row.disabledAt,
          })
          .execute();
      } catch (err) {
        // The unique constraint decides, not a prior lookup: two creates racing would both pass a check.
        if (isUniqueViolation(err, 'users', ['email'])) {
          throw alreadyTaken(`A user with email "${email}" already exists`, 'email', err);
        }
        throw err;
      }
    },

    async get(id) {
      const r = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? toUserRow(r) : null;
    },

    async getByEmail(email) {
      const r = await db
        .selectFrom('users')
        .selectAll()
        .where('email', '=', toEmailKey(email))
        .executeTakeFirst();
      return r ? toUserRow(r) : null;
    },

    async list() {
      const rows = await db.selectFrom('users').selectAll().orderBy('email').execute();
      return rows.map(toUserRow);
    },

    async setPassword(id, passwordHash, now) {
      await db
        .updateTable('users')
        .set({ password_hash: passwordHash, updated_at: now })
        .where('id', '=', id)
        .execute();
    },
  };
}

export function createMembershipRepo(db: Db): MembershipRepo {
  return {
    async put(row) {
      // One statement either way, so a concurrent put cannot turn into a duplicate-key error.
      // created_at stays that of the first membership: a role change is not a new membership.
      await db
        .insertInto('memberships')
        .values({ user_id: row.userId, team_id: row.teamId, role: row.role, created_at: row.createdAt })
        .onConflict((oc) => oc.columns(['user_id', 'team_id']).doUpdateSet({ role: row.role }))
        .execute();
    },

    async remove(userId, teamId) {
      const res = await db
        .deleteFrom('memberships')
        .where('user_id', '=', userId)
        .where('team_id', '=', teamId)
        .executeTakeFirst();
      return res.numDeletedRows > 0n;
    },

    async listForUser(userId) {
      const rows = await db
        .selectFrom('memberships')
        .selectAll()
        .where('user_id', '=', userId)
        .orderBy('team_id')
        .execute();
      return rows.map(toMembershipRow);
    },

    async listForTeam(teamId) {
      const rows = await db
        .selectFrom('memberships')
        .selectAll()
        .where('team_id', '=', teamId)
        .orderBy('user_id')
        .execute();
      return rows.map(toMembershipRow);
    },
  };
}

const toUserRow = (r: UsersRecord): UserRow => ({
  id: r.id,
  email: r.email,
  passwordHash: r.password_hash,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  disabledAt: r.disabled_at,
});

const toMembershipRow = (r: MembershipsRecord): MembershipRow => ({
  userId: r.user_id,
  teamId: r.team_id,
  role: r.role,
  createdAt: r.created_at,
});
