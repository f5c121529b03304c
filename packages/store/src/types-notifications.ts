/** Notification webhooks (issue 12): the tables, the rows and the repository. */

/** Added by 0020. */
export interface NotificationChannelsTable {
  id: string;
  team_id: string;
  name: string | null;
  url: string;
  secret: string;
  key_id: string;
  /** JSON array of event types; null: every event. */
  events: string | null;
  allow_private: number;
  created_at: number;
}

/** Added by 0020. */
export interface NotificationDeliveriesTable {
  id: string;
  channel_id: string;
  team_id: string;
  event_id: string;
  type: string;
  envelope: string;
  status: string;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  delivered_at: number | null;
}

export interface NotificationChannelRow {
  id: string;
  teamId: string;
  name: string | null;
  url: string;
  /** The signing secret, sealed with the master key `keyId`. Never leaves berthd. */
  secretSealed: { keyId: string; value: string };
  /** The event types it gets; null: all of them. */
  events: string[] | null;
  allowPrivate: boolean;
  createdAt: number;
}

/**
 * `pending`: queued or waiting for a retry. `delivered`: a 2xx. `failed`: refused, rejected
 * (a 4xx) or still failing after every attempt.
 */
export type NotificationDeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface NotificationDeliveryRow {
  id: string;
  channelId: string;
  teamId: string;
  eventId: string;
  type: string;
  /** The event exactly as sent (JSON), the same on every attempt. */
  envelope: string;
  status: NotificationDeliveryStatus;
  attempts: number;
  /** The HTTP status of the last attempt, or null when none came. */
  lastStatus: number | null;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
  deliveredAt: number | null;
}

export interface NotificationDeliveryUpdate {
  status: NotificationDeliveryStatus;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  deliveredAt?: number | null;
}

export interface NotificationRepo {
  createChannel(row: NotificationChannelRow): Promise<void>;
  getChannel(id: string): Promise<NotificationChannelRow | null>;
  /** The team's channels (all teams' when teamId is null), oldest first. */
  listChannels(teamId: string | null): Promise<NotificationChannelRow[]>;
  /** Deletes the channel and its delivery history; false when there was none. */
  deleteChannel(id: string): Promise<boolean>;
  resealChannel(id: string, secretSealed: { keyId: string; value: string }): Promise<void>;
  createDelivery(row: NotificationDeliveryRow): Promise<void>;
  getDelivery(id: string): Promise<NotificationDeliveryRow | null>;
  updateDelivery(id: string, update: NotificationDeliveryUpdate, now: number): Promise<void>;
  /** The newest deliveries of these teams, newest first. */
  listDeliveries(teamIds: readonly string[], limit: number): Promise<NotificationDeliveryRow[]>;
}
