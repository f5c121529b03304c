import {
  NotificationChannelCreated,
  NotificationChannelList,
  NotificationDelivery,
  NotificationDeliveryList,
  type NotificationChannelCreate,
} from '@berth/protocol';
import type { Transport } from './transport.js';

const teamQuery = (team?: string): string => (team === undefined ? '' : `?team=${encodeURIComponent(team)}`);

/** Notification webhooks (issue 12). */
export function notificationsApi({ json, call }: Transport) {
  return {
    listNotificationChannels: async () =>
      (await json(NotificationChannelList, 'GET', '/notifications/channels')).channels,
    createNotificationChannel: (body: NotificationChannelCreate) =>
      json(NotificationChannelCreated, 'POST', '/notifications/channels', body),
    deleteNotificationChannel: async (id: string, team?: string) => {
      await call('DELETE', `/notifications/channels/${encodeURIComponent(id)}${teamQuery(team)}`);
    },
    testNotificationChannel: (id: string, team?: string) =>
      json(
        NotificationDelivery,
        'POST',
        `/notifications/channels/${encodeURIComponent(id)}/test${teamQuery(team)}`,
      ),
    listNotificationDeliveries: async (limit?: number) =>
      (
        await json(
          NotificationDeliveryList,
          'GET',
          `/notifications/deliveries${limit === undefined ? '' : `?limit=${limit}`}`,
        )
      ).deliveries,
  };
}
