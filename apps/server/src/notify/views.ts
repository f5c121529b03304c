import { NotificationEnvelope, type NotificationChannel, type NotificationDelivery } from '@berth/protocol';
import type { NotificationChannelRow, NotificationDeliveryRow } from '@berth/store';

const iso = (ms: number): string => new Date(ms).toISOString();

/** A channel as the API shows it: never its secret, sealed or not. */
export const channelView = (row: NotificationChannelRow, team: string): NotificationChannel => ({
  id: row.id,
  team,
  name: row.name,
  url: row.url,
  events: row.events as NotificationChannel['events'],
  allowPrivate: row.allowPrivate,
  createdAt: iso(row.createdAt),
});

export function deliveryView(row: NotificationDeliveryRow, team: string): NotificationDelivery {
  const envelope = NotificationEnvelope.safeParse(JSON.parse(row.envelope));
  return {
    id: row.id,
    channel: row.channelId,
    team,
    eventId: row.eventId,
    type: row.type as NotificationDelivery['type'],
    subject: envelope.success ? envelope.data.subject : '',
    status: row.status,
    attempts: row.attempts,
    lastStatus: row.lastStatus,
    lastError: row.lastError,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
    deliveredAt: row.deliveredAt === null ? null : iso(row.deliveredAt),
  };
}
