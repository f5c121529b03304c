import { BerthError, DatabaseEngine } from '@berth/protocol';
import { isUniqueViolation } from '../db-errors.js';
import type { DatabaseRepo, DatabaseRow, DatabasesTable } from '../types-databases.js';
import type { Db } from './db.js';

/**
 * Managed databases. The unique constraints keep one name per team, one database per volume and
 * one public port per server under racing creates; the errors say which.
 */
export function createDatabaseRepo(db: Db): DatabaseRepo {
  const one = async (q: Promise<DatabasesTable | undefined>): Promise<DatabaseRow | null> => {
    const r = await q;
    return r ? toRow(r) : null;
  };
  return {
    async create(row) {
      try {
        await db.insertInto('databases').values(toRecord(row)).execute();
      } catch (err) {
        if (isUniqueViolation(err, 'databases', ['team_id', 'name']))
          throw new BerthError(
            'DATABASE_EXISTS',
            `A database named "${row.name}" already exists in this team`,
            {
              hint: 'Pick another name, or see the team’s databases with: berth db list',
              cause: err,
            },
          );
        if (isUniqueViolation(err, 'databases', ['volume_id']))
          throw new BerthError('VOLUME_IN_USE', 'That volume already holds another database', {
            hint: 'Each database has a volume of its own: berth db create makes it',
            cause: err,
          });
        if (isUniqueViolation(err, 'databases', ['server_id', 'public_port']))
          throw new BerthError(
            'DATABASE_PORT_TAKEN',
            `Another database on this server already publishes port ${row.publicPort}`,
            { hint: 'Pick another --public-port', cause: err },
          );
        throw err;
      }
    },

    get: (id) => one(db.selectFrom('databases').selectAll().where('id', '=', id).executeTakeFirst()),

    getByName: (teamId, name) =>
      one(
        db
          .selectFrom('databases')
          .selectAll()
          .where('team_id', '=', teamId)
          .where('name', '=', name)
          .executeTakeFirst(),
      ),

    getByVolume: (volumeId) =>
      one(db.selectFrom('databases').selectAll().where('volume_id', '=', volumeId).executeTakeFirst()),

    async list(teamId) {
      let q = db.selectFrom('databases').selectAll();
      if (teamId !== null) q = q.where('team_id', '=', teamId);
      const rows = await q.orderBy('name').orderBy('id').execute();
      return rows.map(toRow);
    },

    async setApp(id, appId) {
      await db.updateTable('databases').set({ app_id: appId }).where('id', '=', id).execute();
    },

    getByApp: (appId) =>
      one(db.selectFrom('databases').selectAll().where('app_id', '=', appId).executeTakeFirst()),

    async putLink(row) {
      await db
        .insertInto('database_links')
        .values({
          database_id: row.databaseId,
          app_id: row.appId,
          secret_key: row.secretKey,
          created_at: row.createdAt,
        })
        .onConflict((oc) => oc.columns(['database_id', 'app_id']).doUpdateSet({ secret_key: row.secretKey }))
        .execute();
    },

    async deleteLink(databaseId, appId) {
      const r = await db
        .deleteFrom('database_links')
        .where('database_id', '=', databaseId)
        .where('app_id', '=', appId)
        .executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },

    async links(databaseId) {
      const rows = await db
        .selectFrom('database_links')
        .innerJoin('apps', 'apps.id', 'database_links.app_id')
        .select([
          'database_links.database_id',
          'database_links.app_id',
          'database_links.secret_key',
          'database_links.created_at',
          'apps.name as app_name',
        ])
        .where('database_links.database_id', '=', databaseId)
        .orderBy('apps.name')
        .execute();
      return rows.map((r) => ({
        databaseId: r.database_id,
        appId: r.app_id,
        appName: r.app_name,
        secretKey: r.secret_key,
        createdAt: Number(r.created_at),
      }));
    },

    async linkedTo(appId) {
      const rows = await db
        .selectFrom('databases')
        .innerJoin('database_links', 'database_links.database_id', 'databases.id')
        .selectAll('databases')
        .where('database_links.app_id', '=', appId)
        .orderBy('databases.name')
        .execute();
      return rows.map(toRow);
    },

    async reseal(id, sealedCredentials, keyId) {
      await db
        .updateTable('databases')
        .set({ sealed_credentials: sealedCredentials, key_id: keyId })
        .where('id', '=', id)
        .execute();
    },

    async setVolume(id, volumeId) {
      await db.updateTable('databases').set({ volume_id: volumeId }).where('id', '=', id).execute();
    },

    async delete(id) {
      const r = await db.deleteFrom('databases').where('id', '=', id).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
  };
}

const toRecord = (row: DatabaseRow): DatabasesTable => ({
  id: row.id,
  team_id: row.teamId,
  name: row.name,
  engine: row.engine,
  version: row.version,
  server_id: row.serverId,
  volume_id: row.volumeId,
  sealed_credentials: row.sealedCredentials,
  key_id: row.keyId,
  memory_mib: row.memoryMiB,
  public_port: row.publicPort,
  app_id: row.appId,
  created_at: row.createdAt,
});

const toRow = (r: DatabasesTable): DatabaseRow => ({
  id: r.id,
  teamId: r.team_id,
  name: r.name,
  // Written only from a checked engine; read back through the same check.
  engine: DatabaseEngine.parse(r.engine),
  version: r.version,
  serverId: r.server_id,
  volumeId: r.volume_id,
  sealedCredentials: r.sealed_credentials,
  keyId: r.key_id,
  memoryMiB: Number(r.memory_mib),
  publicPort: r.public_port === null ? null : Number(r.public_port),
  appId: r.app_id,
  createdAt: Number(r.created_at),
});
