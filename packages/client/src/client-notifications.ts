import {
  NotificationChannelCreated,
  NotificationChannelList,
  NotificationDelivery,
  NotificationDeliveryList,
  type NotificationChannelCreate,
} from '@berth/protocol';
import type { Transport } from './transport.js';

/** Notification webhooks (issue 12). */
export function notificationsApi({ json, call }: Transport) {
  const channel = (id: string, team?: string) => ({ path: { id }, query: { team } });
  return {
    listNotificationChannels: async () =>
      (await json(NotificationChannelList, 'GET', '/notifications/channels')).channels,
    createNotificationChannel: (body: NotificationChannelCreate) =>
      json(NotificationChannelCreated, 'POST', '/notifications/channels', { body }),
    deleteNotificationChannel: async (id: string, team?: string) => {
      await call('DELETE', '/notifications/channels/{id}', channel(id, team));
    },
    testNotificationChannel: (id: string, team?: string) =>
      json(NotificationDelivery, 'POST', '/notifications/channels/{id}/test', channel(id, team)),
    listNotificationDeliveries: async (limit?: number) =>
      (await json(NotificationDeliveryList, 'GET', '/notifications/deliveries', { query: { limit } }))
        .deliveries,
  };
}
