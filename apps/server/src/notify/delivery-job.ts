import { BerthError } from '@berth/protocol';
import type { Store } from '@berth/store';
import type { KeyHolder } from '../secrets/keys.js';
import { attemptDelivery } from './send.js';

/**
 * The `notify` job: one attempt of one delivery per run. A retryable failure (5xx, 408, 429, a
 * timeout, no answer) throws a retryable error, so the job queue tries again with its backoff,
 * durably: a berthd restarted in between picks the job up where it was. Anything else ends the
 * delivery (delivered, or failed with the reason) and the job with it.
 */
export function createNotifyJob(deps: { store: Store; keys: KeyHolder; clock: () => number }) {
  const deliveryOf = async (payload: unknown) => {
    const id = (payload as { deliveryId?: unknown } | null)?.deliveryId;
    if (typeof id !== 'string') throw new BerthError('INTERNAL', 'notify job without a delivery id');
    return deps.store.notifications.getDelivery(id);
  };
  return {
    async run(payload: unknown): Promise<void> {
      const delivery = await deliveryOf(payload);
      // Gone with its channel, or already settled by an earlier run that died before completing.
      if (!delivery || delivery.status !== 'pending') return;
      const channel = await deps.store.notifications.getChannel(delivery.channelId);
      if (!channel) return;
      const attempt = await attemptDelivery(deps, channel, delivery);
      if (attempt.error !== null && attempt.retryable)
        throw new BerthError('NOTIFICATION_NOT_DELIVERED', attempt.error);
    },

    /** Its attempts are used up: the delivery failed, with the last reason. */
    async giveUp(payload: unknown, reason: string): Promise<void> {
      const delivery = await deliveryOf(payload);
      if (!delivery || delivery.status !== 'pending') return;
      await deps.store.notifications.updateDelivery(
        delivery.id,
        {
          status: 'failed',
          attempts: delivery.attempts,
          lastStatus: delivery.lastStatus,
          lastError: delivery.lastError ?? reason,
        },
        deps.clock(),
      );
    },
  };
}
