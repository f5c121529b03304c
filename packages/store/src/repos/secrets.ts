import type { ReleaseSecretsRecord, SecretsRecord } from '../schema.js';
import type { ReleaseSecretRepo, ReleaseSecretRow, SecretRepo, SecretRow } from '../types-secrets.js';
import { atomically, type Db } from './db.js';

/**
 * Sealed values only: the store moves ciphertext and key ids, and never sees a plaintext.
 * An app's secrets go with the app, a release's frozen copy with the release (ON DELETE CASCADE).
 */

/** Rows per INSERT: well below SQLite's bound-parameter limit, however many secrets a release has. */
const INSERT_CHUNK = 200;

/** `onApp` hears of each secret set or removed, by its app (see RepoHooks); a re-seal changes no value. */
export function createSecretRepo(db: Db, onApp?: (appId: string) => void): SecretRepo {
  return {
    async put(row) {
      // One upsert, so two concurrent puts of a new key cannot fail on the primary key; the
      // existing created_at is kept because the conflict branch does not set it.
      await db
        .insertInto('secrets')
        .values({
          app_id: row.appId,
          key: row.key,
          value: row.value,
          key_id: row.keyId,
          file_path: row.filePath,
          created_at: row.createdAt,
          updated_at: row.updatedAt,
        })
        .onConflict((oc) =>
          oc.columns(['app_id', 'key']).doUpdateSet({
            value: row.value,
            key_id: row.keyId,
            file_path: row.filePath,
            updated_at: row.updatedAt,
          }),
        )
        .execute();
      onApp?.(row.appId);
    },

    async delete(appId, key) {
      const res = await db
        .deleteFrom('secrets')
        .where('app_id', '=', appId)
        .where('key', '=', key)
        .executeTakeFirst();
      if (res.numDeletedRows > 0n) onApp?.(appId);
      return res.numDeletedRows > 0n;
    },

    async list(appId) {
      const rows = await db
        .selectFrom('secrets')
        .selectAll()
        .where('app_id', '=', appId)
        .orderBy('key')
        .execute();
      return rows.map(toSecretRow);
    },

    async listAll() {
      const rows = await db.selectFrom('secrets').selectAll().orderBy('app_id').orderBy('key').execute();
      return rows.map(toSecretRow);
    },

    async reseal(appId, key, value, keyId) {
      await db
        .updateTable('secrets')
        .set({ value, key_id: keyId })
        .where('app_id', '=', appId)
        .where('key', '=', key)
        .execute();
    },

    async countByKeyId() {
      // One statement over every table of sealed values, so the counts are of one moment: a rotation checks that
      // an old key seals nothing before it is retired.
      const rows = await db
        .selectFrom(
          db
            .selectFrom('secrets')
            .select('key_id')
            .unionAll(db.selectFrom('release_secrets').select('key_id'))
            .unionAll(db.selectFrom('app_sealed').select('key_id'))
            .unionAll(db.selectFrom('certificates').select('key_id'))
            .unionAll(db.selectFrom('notification_channels').select('key_id'))
            .unionAll(db.selectFrom('backup_keys').select('key_id'))
            .unionAll(db.selectFrom('databases').select('key_id'))
            .unionAll(
              db
                .selectFrom('backup_targets')
                .select('key_id')
                .where('key_id', 'is not', null)
                .$narrowType<{ key_id: string }>(),
            )
            .unionAll(
              db
                .selectFrom('base_certificates')
                .select('key_id')
                .where('key_id', 'is not', null)
                .$narrowType<{ key_id: string }>(),
            )
            .as('sealed'),
        )
        .select(['sealed.key_id', (eb) => eb.fn.countAll().as('n')])
        .groupBy('sealed.key_id')
        .orderBy('sealed.key_id')
        .execute();
      return Object.fromEntries(rows.map((r) => [r.key_id, Number(r.n)]));
    },
  };
}

export function createReleaseSecretRepo(db: Db): ReleaseSecretRepo {
  return {
    async createMany(rows) {
      if (rows.length === 0) return;
      await atomically(db, async (trx) => {
        for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
          const chunk = rows.slice(i, i + INSERT_CHUNK).map((r) => ({
            release_id: r.releaseId,
            key: r.key,
            value: r.value,
            key_id: r.keyId,
            file_path: r.filePath,
          }));
          await trx.insertInto('release_secrets').values(chunk).execute();
        }
      });
    },

    async list(releaseId) {
      const rows = await db
        .selectFrom('release_secrets')
        .selectAll()
        .where('release_id', '=', releaseId)
        .orderBy('key')
        .execute();
      return rows.map(toReleaseSecretRow);
    },

    async listAll() {
      const rows = await db
        .selectFrom('release_secrets')
        .selectAll()
        .orderBy('release_id')
        .orderBy('key')
        .execute();
      return rows.map(toReleaseSecretRow);
    },

    async reseal(releaseId, key, value, keyId) {
      await db
        .updateTable('release_secrets')
        .set({ value, key_id: keyId })
        .where('release_id', '=', releaseId)
        .where('key', '=', key)
        .execute();
    },
  };
}

const toSecretRow = (r: SecretsRecord): SecretRow => ({
  appId: r.app_id,
  key: r.key,
  value: r.value,
  keyId: r.key_id,
  filePath: r.file_path,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toReleaseSecretRow = (r: ReleaseSecretsRecord): ReleaseSecretRow => ({
  releaseId: r.release_id,
  key: r.key,
  value: r.value,
  keyId: r.key_id,
  filePath: r.file_path,
});
