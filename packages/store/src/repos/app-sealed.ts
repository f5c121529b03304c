import type { AppSealedRecord } from '../schema.js';
import type { AppSealedRepo, AppSealedRow } from '../types-builds.js';
import type { Db } from './db.js';

/** Sealed values of an app other than its env; like secrets, the store sees ciphertext only. */
export function createAppSealedRepo(db: Db): AppSealedRepo {
  return {
    async put(row) {
      await db
        .insertInto('app_sealed')
        .values({
          app_id: row.appId,
          purpose: row.purpose,
          value: row.value,
          key_id: row.keyId,
          created_at: row.createdAt,
          updated_at: row.updatedAt,
        })
        .onConflict((oc) =>
          oc
            .columns(['app_id', 'purpose'])
            .doUpdateSet({ value: row.value, key_id: row.keyId, updated_at: row.updatedAt }),
        )
        .execute();
    },

    async get(appId, purpose) {
      const r = await db
        .selectFrom('app_sealed')
        .selectAll()
        .where('app_id', '=', appId)
        .where('purpose', '=', purpose)
        .executeTakeFirst();
      return r ? toRow(r) : null;
    },

    async delete(appId, purpose) {
      const res = await db
        .deleteFrom('app_sealed')
        .where('app_id', '=', appId)
        .where('purpose', '=', purpose)
        .executeTakeFirst();
      return res.numDeletedRows > 0n;
    },

    async listAll() {
      const rows = await db
        .selectFrom('app_sealed')
        .selectAll()
        .orderBy('app_id')
        .orderBy('purpose')
        .execute();
      return rows.map(toRow);
    },

    async reseal(appId, purpose, value, keyId) {
      await db
        .updateTable('app_sealed')
        .set({ value, key_id: keyId })
        .where('app_id', '=', appId)
        .where('purpose', '=', purpose)
        .execute();
    },
  };
}

const toRow = (r: AppSealedRecord): AppSealedRow => ({
  appId: r.app_id,
  purpose: r.purpose,
  value: r.value,
  keyId: r.key_id,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});
