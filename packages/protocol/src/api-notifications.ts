import { z } from 'zod';
import { AppName, Id, TeamName } from './names.js';
import { NotificationEventType } from './notifications.js';

const Timestamp = z.string().describe('RFC 3339 timestamp');

/**
 * Notification webhooks (issue 12): `berth notify add --webhook URL`. The URL is checked by the
 * SSRF guard when added and again at every send; private, loopback and link-local destinations
 * only when an installation owner sets `allowPrivate`. The signing secret is returned once, by
 * the create call, and never again.
 */
export const NotificationChannelName = AppName;

/** The events a channel can subscribe to (`notification.test` always reaches it: `berth notify test`). */
export const SubscribableEvent = NotificationEventType.exclude(['notification.test']);
export type SubscribableEvent = z.infer<typeof SubscribableEvent>;

export const WebhookUrlInput = z
  .string()
  .min(1, { message: 'must not be empty' })
  .max(2000, { message: 'must be at most 2000 characters' })
  .regex(/^[^\u0000-\u0020\u007f]*$/, { message: 'must not contain spaces or control characters' });

export const NotificationChannelCreate = z
  .object({
    url: WebhookUrlInput,
    /** Only these events; default every event. */
    events: z.array(SubscribableEvent).min(1).max(16).optional(),
    name: NotificationChannelName.optional(),
    /** Defaults to the caller's team when it has one, else the default team. */
    team: TeamName.optional(),
    /** Reach loopback, private and link-local addresses: installation owners only (403 otherwise). */
    allowPrivate: z.boolean().optional(),
  })
  .strict();
export type NotificationChannelCreate = z.infer<typeof NotificationChannelCreate>;

export const NotificationChannelParams = z.object({ id: Id }).strict();

export const NotificationChannel = z.object({
  id: Id,
  team: TeamName,
  name: NotificationChannelName.nullable(),
  url: z.string(),
  /** null: every event. */
  events: z.array(SubscribableEvent).nullable(),
  allowPrivate: z.boolean(),
  createdAt: Timestamp,
});
export type NotificationChannel = z.infer<typeof NotificationChannel>;

/** The create call's answer: the only time the signing secret is shown. */
export const NotificationChannelCreated = z.object({
  channel: NotificationChannel,
  /** `whsec_…`: verify Berth-Signature with it. Not retrievable later. */
  secret: z.string(),
});
export type NotificationChannelCreated = z.infer<typeof NotificationChannelCreated>;

export const NotificationChannelList = z.object({ channels: z.array(NotificationChannel) });
export type NotificationChannelList = z.infer<typeof NotificationChannelList>;

export const NotificationDeliveryStatus = z.enum(['pending', 'delivered', 'failed']);

export const NotificationDelivery = z.object({
  id: z.string(),
  channel: Id,
  team: TeamName,
  eventId: z.string(),
  type: NotificationEventType,
  subject: z.string(),
  status: NotificationDeliveryStatus,
  attempts: z.number().int(),
  /** The HTTP status of the last attempt, null when none came. */
  lastStatus: z.number().int().nullable(),
  lastError: z.string().nullable(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  deliveredAt: Timestamp.nullable(),
});
export type NotificationDelivery = z.infer<typeof NotificationDelivery>;

export const NotificationDeliveryList = z.object({ deliveries: z.array(NotificationDelivery) });
export type NotificationDeliveryList = z.infer<typeof NotificationDeliveryList>;

export const NotificationDeliveryQuery = z
  .object({ limit: z.coerce.number().int().min(1).max(500).optional() })
  .strict();
