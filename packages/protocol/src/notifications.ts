import { z } from 'zod';

/**
 * What Berth tells notification webhooks about. Facts in the past tense, named
 * `<subject kind>.<what happened>`. The certificate ones are the audit log's `certificate.issue`,
 * `certificate.renew` and `certificate.failed` (see NOTIFICATION_FOR_AUDIT_ACTION).
 * `notification.test` is what `berth notify test` sends.
 */
export const NotificationEventType = z.enum([
  'backup.failed',
  'backup.verified',
  'certificate.failed',
  'certificate.issued',
  'certificate.renewed',
  'cron.failed',
  'deploy.failed',
  'server.down',
  'notification.test',
]);
export type NotificationEventType = z.infer<typeof NotificationEventType>;

/**
 * The audit actions berthd writes that are also worth a notification, and the event each one is.
 * berthd reads the audit log and sends these: a failure that should reach webhooks is written as
 * one of these actions (add the action here when a new kind of failure is audited). Some are
 * written by pieces still to come (backups, cron); the names are agreed here so they map at once.
 */
export const NOTIFICATION_FOR_AUDIT_ACTION: Readonly<Record<string, NotificationEventType>> = {
  'certificate.issue': 'certificate.issued',
  'certificate.renew': 'certificate.renewed',
  'certificate.failed': 'certificate.failed',
  'certificate.order_failed': 'certificate.failed',
  'deploy.failed': 'deploy.failed',
  'backup.failed': 'backup.failed',
  /** A backup that was written but did not pass its restore check: a failure too. */
  'backup.unverified': 'backup.failed',
  'backup.verified': 'backup.verified',
  'cron.failed': 'cron.failed',
  'cron.run_failed': 'cron.failed',
  'server.down': 'server.down',
  // By outcome (`action:outcome`, looked up first): `berth backups run` is one action either way.
  'backup.run:failed': 'backup.failed',
  'backup.run:ok': 'backup.verified',
};

/** The event an audit row is, if any: by `action:outcome` first, then by action. */
export function notificationTypeForAudit(action: string, outcome: string): NotificationEventType | undefined {
  return NOTIFICATION_FOR_AUDIT_ACTION[`${action}:${outcome}`] ?? NOTIFICATION_FOR_AUDIT_ACTION[action];
}

const DetailValue = z.union([z.string().max(2000), z.number(), z.boolean(), z.null()]);

/**
 * The JSON body of every notification: one event. Receivers should ignore fields they do not
 * know (more may be added) and use `id` to drop duplicates: a retried delivery carries the same
 * `id` and the same `Berth-Delivery` header.
 */
export const NotificationEnvelope = z.object({
  /** Unique per event (`evt_…`); the same for every webhook the event goes to. */
  id: z.string().regex(/^evt_[A-Za-z0-9_-]{8,64}$/),
  type: NotificationEventType,
  /** When it happened, RFC 3339 in UTC. */
  at: z.string().describe('RFC 3339 timestamp'),
  /** The team's name, or null for installation-wide events (a server, a base certificate). */
  team: z.string().max(100).nullable(),
  /** What it happened to, as the audit log names targets: `db:main`, `domain:example.com`, `server:web-2`. */
  subject: z.string().min(1).max(300),
  /** Non-secret context: the error, the backup's size and hash, when the next try is. Never a secret. */
  detail: z.record(z.string().max(64), DetailValue),
});
export type NotificationEnvelope = z.infer<typeof NotificationEnvelope>;

/** The headers every notification request carries (lowercase, as node:http shows them). */
export const NOTIFICATION_HEADERS = {
  /** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` (one v1 per signing secret). */
  signature: 'berth-signature',
  /** The event type, so a receiver can route before parsing the body. */
  event: 'berth-event',
  /** Unique per event and webhook (`dlv_…`), the same on every retry of that delivery. */
  delivery: 'berth-delivery',
} as const;
