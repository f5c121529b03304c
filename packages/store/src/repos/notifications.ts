import type {
  NotificationChannelRow,
  NotificationChannelsTable,
  NotificationDeliveriesTable,
  NotificationDeliveryRow,
  NotificationDeliveryStatus,
  NotificationRepo,
} from '../types-notifications.js';
import type { Db } from './db.js';

/** Notification channels (their secrets sealed) and the history of what was sent to each. */
export function createNotificationRepo(db: Db): NotificationRepo {
  return {
    async createChannel(row) {
      await db.insertInto('notification_channels').values(toChannelRecord(row)).execute();
    },

    async getChannel(id) {
      const r = await db
        .selectFrom('notification_channels')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return r ? toChannel(r) : null;
    },

    async listChannels(teamId) {
      let q = db.selectFrom('notification_channels').selectAll();
      if (teamId !== null) q = q.where('team_id', '=', teamId);
      return (await q.orderBy('created_at').orderBy('id').execute()).map(toChannel);
    },

    async deleteChannel(id) {
      // The deliveries go too (ON DELETE CASCADE needs foreign keys on; done here as well so
      // it holds whatever the connection's pragma).
      await db.deleteFrom('notification_deliveries').where('channel_id', '=', id).execute();
      const r = await db.deleteFrom('notification_channels').where('id', '=', id).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },

    async resealChannel(id, sealed) {
      await db
        .updateTable('notification_channels')
        .set({ secret: sealed.value, key_id: sealed.keyId })
        .where('id', '=', id)
        .execute();
    },

    async createDelivery(row) {
      await db
        .insertInto('notification_deliveries')
        .values({
          id: row.id,
          channel_id: row.channelId,
          team_id: row.teamId,
          event_id: row.eventId,
          type: row.type,
          envelope: row.envelope,
          status: row.status,
          attempts: row.attempts,
          last_status: row.lastStatus,
          last_error: row.lastError,
          created_at: row.createdAt,
          updated_at: row.updatedAt,
          delivered_at: row.deliveredAt,
        })
        .execute();
    },

    async getDelivery(id) {
      const r = await db
        .selectFrom('notification_deliveries')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return r ? toDelivery(r) : null;
    },

    async updateDelivery(id, update, now) {
      await db
        .updateTable('notification_deliveries')
        .set({
          status: update.status,
          attempts: update.attempts,
          last_status: update.lastStatus,
          last_error: update.lastError,
          updated_at: now,
          ...(update.deliveredAt !== undefined && { delivered_at: update.deliveredAt }),
        })
        .where('id', '=', id)
        .execute();
    },

    async listDeliveries(teamIds, limit) {
      if (teamIds.length === 0) return [];
      const rows = await db
        .selectFrom('notification_deliveries')
        .selectAll()
        .where('team_id', 'in', teamIds)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.map(toDelivery);
    },
  };
}

function toChannelRecord(row: NotificationChannelRow): NotificationChannelsTable {
  return {
    id: row.id,
    team_id: row.teamId,
    name: row.name,
    url: row.url,
    secret: row.secretSealed.value,
    key_id: row.secretSealed.keyId,
    events: row.events === null ? null : JSON.stringify(row.events),
    allow_private: row.allowPrivate ? 1 : 0,
    created_at: row.createdAt,
  };
}

function toChannel(r: NotificationChannelsTable): NotificationChannelRow {
  return {
    id: r.id,
    teamId: r.team_id,
    name: r.name,
    url: r.url,
    secretSealed: { keyId: r.key_id, value: r.secret },
    events: r.events === null ? null : (JSON.parse(r.events) as string[]),
    allowPrivate: Number(r.allow_private) === 1,
    createdAt: Number(r.created_at),
  };
}

function toDelivery(r: NotificationDeliveriesTable): NotificationDeliveryRow {
  return {
    id: r.id,
    channelId: r.channel_id,
    teamId: r.team_id,
    eventId: r.event_id,
    type: r.type,
    envelope: r.envelope,
    status: r.status as NotificationDeliveryStatus,
    attempts: Number(r.attempts),
    lastStatus: r.last_status === null ? null : Number(r.last_status),
    lastError: r.last_error,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    deliveredAt: r.delivered_at === null ? null : Number(r.delivered_at),
  };
}
