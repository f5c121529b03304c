/** Building notification events and their ids. */
import { randomBytes } from 'node:crypto';
import { NotificationEnvelope, parseOrThrow, type NotificationEventType } from '@berth/protocol';

export interface NotificationInput {
  type: NotificationEventType;
  team: string | null;
  subject: string;
  detail?: NotificationEnvelope['detail'];
}

const randomId = (prefix: string): string => `${prefix}_${randomBytes(16).toString('base64url')}`;

/** A delivery id (`dlv_…`): one per event and webhook, kept across that delivery's retries. */
export const newDeliveryId = (): string => randomId('dlv');

/** A new event at nowMs, validated like anything a receiver will parse (throws VALIDATION_FAILED). */
export function createNotification(input: NotificationInput, nowMs: number): NotificationEnvelope {
  return parseOrThrow(
    NotificationEnvelope,
    {
      id: randomId('evt'),
      type: input.type,
      at: new Date(nowMs).toISOString(),
      team: input.team,
      subject: input.subject,
      detail: input.detail ?? {},
    },
    'notification',
  );
}
