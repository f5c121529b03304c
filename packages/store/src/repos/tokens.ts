import type { TokensRecord } from '../schema.js';
import type { TokenRepo, TokenRow } from '../types.js';
import type { Db } from './db.js';

export function createTokenRepo(db: Db): TokenRepo {
  return {
    async create(row) {
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
    },

    async findByHash(hash) {
      const r = await db.selectFrom('tokens').selectAll().where('hash', '=', hash).executeTakeFirst();
      return r ? toTokenRow(r) : null;
    },

    async touch(id, at) {
      await db.updateTable('tokens').set({ last_used_at: at }).where('id', '=', id).execute();
    },

    async list() {
      const rows = await db.selectFrom('tokens').selectAll().orderBy('created_at').orderBy('id').execute();
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
