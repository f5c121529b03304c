import { newDeliveryId, sendNotificationOnce, type DeliveryAttempt } from '@berth/engine';
import { NotificationEnvelope, parseOrThrow } from '@berth/protocol';
import type { NotificationChannelRow, NotificationDeliveryRow, Repos } from '@berth/store';
import type { KeyHolder } from '../secrets/keys.js';
import { notificationSecretAad } from './sealing.js';

/**
 * One attempt of one delivery, and its row brought up to date: `delivered` on a 2xx, `failed`
 * when waiting will not help (refused by the egress guard, a 4xx, a redirect), else still
 * `pending` and `retryable` for the caller (the job queue) to try again later.
 */
export async function attemptDelivery(
  deps: { store: Pick<Repos, 'notifications'>; keys: KeyHolder; clock: () => number; timeoutMs?: number },
  channel: NotificationChannelRow,
  delivery: NotificationDeliveryRow,
): Promise<DeliveryAttempt> {
  const { store, keys, clock } = deps;
  const envelope = parseOrThrow(NotificationEnvelope, JSON.parse(delivery.envelope), 'stored notification');
  // Opened for this request only; the plaintext is never stored or logged.
  const secret = keys.box.open(
    'notification-secret',
    channel.secretSealed,
    notificationSecretAad(channel.id),
  );
  const attempt = await sendNotificationOnce(
    { id: channel.id, url: channel.url, secret, allowPrivate: channel.allowPrivate },
    envelope,
    delivery.attempts + 1,
    {
      deliveryId: delivery.id,
      now: clock,
      ...(deps.timeoutMs !== undefined && { timeoutMs: deps.timeoutMs }),
    },
  );
  const now = clock();
  const status = attempt.error === null ? 'delivered' : attempt.retryable ? 'pending' : 'failed';
  await store.notifications.updateDelivery(
    delivery.id,
    {
      status,
      attempts: delivery.attempts + 1,
      lastStatus: attempt.status,
      lastError: attempt.error,
      deliveredAt: status === 'delivered' ? now : null,
    },
    now,
  );
  return attempt;
}

/** A new delivery row for the event to the channel, not yet attempted. */
export function newDelivery(
  channel: NotificationChannelRow,
  envelope: NotificationEnvelope,
  now: number,
): NotificationDeliveryRow {
  return {
    id: newDeliveryId(),
    channelId: channel.id,
    teamId: channel.teamId,
    eventId: envelope.id,
    type: envelope.type,
    envelope: JSON.stringify(envelope),
    status: 'pending',
    attempts: 0,
    lastStatus: null,
    lastError: null,
    createdAt: now,
    updatedAt: now,
    deliveredAt: null,
  };
}
