import { parseEnv, toJson } from '../json.js';
import type { JoinTokensRecord } from '../schema.js';
import type { JoinTokenRepo, JoinTokenRow } from '../types-fleet.js';
import type { Db } from './db.js';

export function createJoinTokenRepo(db: Db): JoinTokenRepo {
  const pending = (now: number) =>
    db.selectFrom('join_tokens').selectAll().where('used_at', 'is', null).where('expires_at', '>', now);
  return {
    async create(row) {
      await db
        .insertInto('join_tokens')
        .values({
          id: row.id,
          server_name: row.serverName,
          labels: toJson(row.labels),
          token_hash: row.tokenHash,
          created_by: row.createdBy,
          created_at: row.createdAt,
          expires_at: row.expiresAt,
        })
        .execute();
    },

    async findByHash(tokenHash) {
      const r = await db
        .selectFrom('join_tokens')
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .executeTakeFirst();
      return r ? toJoinTokenRow(r) : null;
    },

    async listPending(now) {
      const rows = await pending(now).orderBy('created_at').orderBy('id').execute();
      return rows.map(toJoinTokenRow);
    },

    async findPendingByName(serverName, now) {
      const r = await pending(now).where('server_name', '=', serverName).executeTakeFirst();
      return r ? toJoinTokenRow(r) : null;
    },

    async consume(tokenHash, now, serverId) {
      // The conditions live in the UPDATE itself, not in a read before it: under any number of
      // racing joins (other connections, other processes) exactly one changes the row.
      const res = await db
        .updateTable('join_tokens')
        .set({ used_at: now, server_id: serverId })
        .where('token_hash', '=', tokenHash)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return res.numUpdatedRows > 0n;
    },

    async revokePending(serverName, now) {
      const res = await db
        .deleteFrom('join_tokens')
        .where('server_name', '=', serverName)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return Number(res.numDeletedRows);
    },

    async pruneExpired(before) {
      await db
        .deleteFrom('join_tokens')
        .where('used_at', 'is', null)
        .where('expires_at', '<', before)
        .execute();
    },
  };
}

const toJoinTokenRow = (r: JoinTokensRecord): JoinTokenRow => ({
  id: r.id,
  serverName: r.server_name,
  labels: parseEnv(r.labels, { table: 'join_tokens', id: r.id, column: 'labels' }),
  tokenHash: r.token_hash,
  createdBy: r.created_by,
  // Number(): PostgreSQL's driver returns bigint columns as strings.
  createdAt: Number(r.created_at),
  expiresAt: Number(r.expires_at),
  usedAt: r.used_at === null ? null : Number(r.used_at),
  serverId: r.server_id,
});
