import type { OneTimeTokensRecord, SessionsRecord } from '../schema.js';
import type {
  LoginFailureRepo,
  OneTimeTokenRepo,
  OneTimeTokenRow,
  SessionRepo,
  SessionRow,
} from '../types-identity.js';
import type { Db } from './db.js';

/** Signing in: sessions, single-use setup/reset tokens, and the failures that throttle guessing. */

export function createSessionRepo(db: Db): SessionRepo {
  return {
    async create(row) {
      await db
        .insertInto('sessions')
        .values({
          id: row.id,
          token_hash: row.tokenHash,
          user_id: row.userId,
          kind: row.kind,
          created_at: row.createdAt,
          expires_at: row.expiresAt,
          last_used_at: row.lastUsedAt,
          revoked_at: row.revokedAt,
        })
        .execute();
    },

    async findByHash(tokenHash) {
      const r = await db
        .selectFrom('sessions')
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .executeTakeFirst();
      return r ? toSessionRow(r) : null;
    },

    async touch(id, at) {
      await db.updateTable('sessions').set({ last_used_at: at }).where('id', '=', id).execute();
    },

    async revoke(id, at) {
      // The first revocation's time stands: revoking twice is not a second event.
      await db
        .updateTable('sessions')
        .set({ revoked_at: at })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .execute();
    },

    async revokeAllForUser(userId, at) {
      await db
        .updateTable('sessions')
        .set({ revoked_at: at })
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .execute();
    },
  };
}

export function createOneTimeTokenRepo(db: Db): OneTimeTokenRepo {
  return {
    async create(row) {
      await db
        .insertInto('one_time_tokens')
        .values({
          id: row.id,
          token_hash: row.tokenHash,
          user_id: row.userId,
          purpose: row.purpose,
          created_at: row.createdAt,
          expires_at: row.expiresAt,
          used_at: row.usedAt,
        })
        .execute();
    },

    async findByHash(tokenHash) {
      const r = await db
        .selectFrom('one_time_tokens')
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .executeTakeFirst();
      return r ? toOneTimeTokenRow(r) : null;
    },

    async consume(id, now) {
      // The conditions live in the UPDATE itself, not in a read before it: under any number of
      // racing callers (other connections, other processes) exactly one changes the row.
      const res = await db
        .updateTable('one_time_tokens')
        .set({ used_at: now })
        .where('id', '=', id)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return res.numUpdatedRows > 0n;
    },
  };
}

export function createLoginFailureRepo(db: Db): LoginFailureRepo {
  return {
    async record(key, at) {
      await db.insertInto('login_failures').values({ key, at }).execute();
    },

    async countSince(key, since) {
      const r = await db
        .selectFrom('login_failures')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('key', '=', key)
        .where('at', '>=', since)
        .executeTakeFirst();
      // count() is a bigint in PostgreSQL (a string through pg): Number() reads either.
      return Number(r?.n ?? 0);
    },

    async oldestSince(key, since) {
      const r = await db
        .selectFrom('login_failures')
        .select((eb) => eb.fn.min('at').as('oldest'))
        .where('key', '=', key)
        .where('at', '>=', since)
        .executeTakeFirst();
      return r?.oldest == null ? null : Number(r.oldest);
    },

    async clear(key) {
      await db.deleteFrom('login_failures').where('key', '=', key).execute();
    },

    async prune(before) {
      await db.deleteFrom('login_failures').where('at', '<', before).execute();
    },
  };
}

const toSessionRow = (r: SessionsRecord): SessionRow => ({
  id: r.id,
  tokenHash: r.token_hash,
  userId: r.user_id,
  kind: r.kind,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  lastUsedAt: r.last_used_at,
  revokedAt: r.revoked_at,
});

const toOneTimeTokenRow = (r: OneTimeTokensRecord): OneTimeTokenRow => ({
  id: r.id,
  tokenHash: r.token_hash,
  userId: r.user_id,
  purpose: r.purpose,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  usedAt: r.used_at,
});
