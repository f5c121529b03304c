import { BerthError } from '@berth/protocol';
import { parseCommand, parseEnv, parseHealth, toJson } from '../json.js';
import type { ReleasesRecord } from '../schema.js';
import type { ReleaseRepo, ReleaseRow } from '../types.js';
import { takeAppNumber } from './app-counters.js';
import { atomically, type Db } from './db.js';
import { fromLimitColumns, toLimitColumns } from './limits.js';

/** `onApp` hears of each release created, by its app (see RepoHooks). */
export function createReleaseRepo(db: Db, onApp?: (appId: string) => void): ReleaseRepo {
  const get = async (id: string): Promise<ReleaseRow | null> => {
    const r = await db.selectFrom('releases').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toReleaseRow(r) : null;
  };

  return {
    async create(row) {
      const created = await atomically(db, async (trx) => {
        const version = await takeAppNumber(trx, row.appId, 'last_release_version');
        await trx
          .insertInto('releases')
          .values({
            id: row.id,
            app_id: row.appId,
            version,
            image: row.image,
            image_id: row.imageId,
            env: toJson(row.env),
            port: row.port,
            command: row.command === null ? null : toJson(row.command),
            health: toJson(row.health),
            replicas: row.replicas,
            created_at: row.createdAt,
            build_id: row.buildId,
            commit_sha: row.commit,
            ...toLimitColumns(row.limits),
          })
          .execute();
        return { ...row, version, registryDigest: null };
      });
      onApp?.(row.appId);
      return created;
    },

    get,

    async getByVersion(appId, version) {
      const r = await db
        .selectFrom('releases')
        .selectAll()
        .where('app_id', '=', appId)
        .where('version', '=', version)
        .executeTakeFirst();
      return r ? toReleaseRow(r) : null;
    },

    async list(appId) {
      const rows = await db
        .selectFrom('releases')
        .selectAll()
        .where('app_id', '=', appId)
        .orderBy('version', 'desc')
        .execute();
      return rows.map(toReleaseRow);
    },

    async setImageId(id, imageId) {
      // The condition makes "write once" hold against a concurrent writer, not just a prior read.
      const res = await db
        .updateTable('releases')
        .set({ image_id: imageId })
        .where('id', '=', id)
        .where('image_id', 'is', null)
        .executeTakeFirst();
      if (res.numUpdatedRows > 0n) return;
      const current = await get(id);
      if (!current) throw new BerthError('RELEASE_NOT_FOUND', `No release with id "${id}"`);
      // The same id again is a retried job finishing twice: harmless.
      if (current.imageId === imageId) return;
      throw new BerthError(
        'INTERNAL',
        `Release ${id} already resolved to image ${current.imageId ?? '?'}; refusing to change it to ${imageId}: releases are immutable`,
      );
    },

    async setRegistryDigest(id, digest) {
      // A push of the same image id always yields the same manifest, so a retried job writes the
      // same digest; a later push with another compression would differ, and is as good.
      const res = await db
        .updateTable('releases')
        .set({ registry_digest: digest })
        .where('id', '=', id)
        .executeTakeFirst();
      if (res.numUpdatedRows === 0n) throw new BerthError('RELEASE_NOT_FOUND', `No release with id "${id}"`);
    },

    async completeBuild(id, built) {
      const res = await db
        .updateTable('releases')
        .set({
          image: built.image,
          image_id: built.imageId,
          commit_sha: built.commit,
          port: built.port,
          env: toJson(built.env),
          health: toJson(built.health),
          replicas: built.replicas,
        })
        .where('id', '=', id)
        .where('image_id', 'is', null)
        .executeTakeFirst();
      if (res.numUpdatedRows > 0n) return;
      const current = await get(id);
      if (!current) throw new BerthError('RELEASE_NOT_FOUND', `No release with id "${id}"`);
      if (current.imageId === built.imageId) return;
      throw new BerthError(
        'INTERNAL',
        `Release ${id} already has image ${current.imageId ?? '?'}; refusing to change it: releases are immutable`,
      );
    },
  };
}

function toReleaseRow(r: ReleasesRecord): ReleaseRow {
  const at = (column: string) => ({ table: 'releases', id: r.id, column });
  return {
    id: r.id,
    appId: r.app_id,
    version: r.version,
    image: r.image,
    imageId: r.image_id,
    env: parseEnv(r.env, at('env')),
    port: r.port,
    command: parseCommand(r.command, at('command')),
    health: parseHealth(r.health, at('health')),
    replicas: r.replicas,
    limits: fromLimitColumns(r),
    buildId: r.build_id,
    commit: r.commit_sha,
    registryDigest: r.registry_digest,
    createdAt: r.created_at,
  };
}
