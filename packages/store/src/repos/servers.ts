import type { ServersRecord } from '../schema.js';
import type { ServerRepo, ServerRow } from '../types.js';
import type { Db } from './db.js';

export function createServerRepo(db: Db): ServerRepo {
  return {
    async get(id) {
      const r = await db.selectFrom('servers').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? toServerRow(r) : null;
    },

    async findByPublicKey(publicKey) {
      const r = await db
        .selectFrom('servers')
        .selectAll()
        .where('public_key', '=', publicKey)
        .executeTakeFirst();
      return r ? toServerRow(r) : null;
    },

    async create(row) {
      await db
        .insertInto('servers')
        .values({
          id: row.id,
          name: row.name,
          public_key: row.publicKey,
          sealing_key: row.sealingKey,
          created_at: row.createdAt,
          last_seen_at: row.lastSeenAt,
        })
        .execute();
    },

    async bumpDesiredVersions() {
      await db
        .updateTable('servers')
        .set((eb) => ({ desired_version: eb('desired_version', '+', eb.lit(1)) }))
        .execute();
    },

    async setLastSeen(id, at) {
      await db.updateTable('servers').set({ last_seen_at: at }).where('id', '=', id).execute();
    },

    async setSealingKey(id, sealingKey) {
      await db.updateTable('servers').set({ sealing_key: sealingKey }).where('id', '=', id).execute();
    },

    async list() {
      const rows = await db.selectFrom('servers').selectAll().orderBy('created_at').orderBy('id').execute();
      return rows.map(toServerRow);
    },
  };
}

const toServerRow = (r: ServersRecord): ServerRow => ({
  id: r.id,
  name: r.name,
  publicKey: r.public_key,
  sealingKey: r.sealing_key,
  createdAt: r.created_at,
  lastSeenAt: r.last_seen_at,
  // Number(): PostgreSQL's driver returns bigint columns as strings.
  desiredVersion: Number(r.desired_version),
});
