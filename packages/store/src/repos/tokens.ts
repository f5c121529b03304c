import { alreadyTaken, isUniqueViolation } from '../db-errors.js';
import type { TokensRecord } from '../schema.js';
import type { TokenRepo, TokenRow } from '../types.js';
import type { Db } from './db.js';

export function createTokenRepo(db: Db): TokenRepo {
  return {
    async create(row) {
      try {
        await db
          .insertInto('tokens')
          .values({
            id: row.id,
            name: row.name,
            hash: row.hash,
            role: row.role,
            team_id: row.teamId,
            created_at: row.createdAt,
            last_used_at: row.lastUsedAt,
            expires_at: row.expiresAt,
            revoked_at: row.revokedAt,
          })
          .execute();
      } catch (err) {
        // The unique index decides, not a prior lookup: two creates racing would both pass a check.
        if (isUniqueViolation(err, 'tokens', ['team_id', 'name'])) {
          throw alreadyTaken(`A token named "${row.name}" already exists in this team`, 'name', err);
        }
        throw err;
      }
    },

    async findByHash(hash) {
      const r = await db.selectFrom('tokens').selectAll().where('hash', '=', hash).executeTakeFirst();
      return r ? toTokenRow(r) : null;
    },

    async findByName(teamId, name) {
      const r = await db
        .selectFrom('tokens')
        .selectAll()
        .where('team_id', '=', teamId)
        .where('name', '=', name)
        .executeTakeFirst();
      return r ? toTokenRow(r) : null;
    },

    async touch(id, at) {
      await db.updateTable('tokens').set({ last_used_at: at }).where('id', '=', id).execute();
    },

    async revoke(id, at) {
      // The first revocation's time stands: revoking twice is not a second event.
      await db
        .updateTable('tokens')
        .set({ revoked_at: at })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .execute();
    },

    async list(teamIds) {
      if (teamIds?.length === 0) return [];
      let q = db.selectFrom('tokens').selectAll();
      if (teamIds !== undefined) q = q.where('team_id', 'in', teamIds);
      const rows = await q.orderBy('created_at').orderBy('id').execute();
      return rows.map(toTokenRow);
    },
  };
}

const toTokenRow = (r: TokensRecord): TokenRow => ({
  id: r.id,
  name: r.name,
  hash: r.hash,
  role: r.role,
  teamId: r.team_id,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
  expiresAt: r.expires_at,
  revokedAt: r.revoked_at,
});
