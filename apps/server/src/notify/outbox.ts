import { startWakeLoop } from '@berth/io';
import { createNotification } from '@berth/engine';
import {
  notificationTypeForAudit,
  type NotificationEnvelope,
  type NotificationEventType,
} from '@berth/protocol';
import type { AuditRow, NotificationChannelRow, Store } from '@berth/store';
import type { FastifyBaseLogger } from 'fastify';
import { createId } from '../ids.js';
import { newDelivery } from './send.js';

/** The job kind of one delivery's attempts; its payload is `{ deliveryId }`. */
export const NOTIFY_JOB = 'notify';
/** With the job queue's backoff (1 s, 2 s, 4 s … capped at a minute): about six minutes of retries. */
export const NOTIFY_MAX_ATTEMPTS = 10;
/** The last audit seq turned into deliveries. */
const CURSOR_KEY = 'notifications_audit_seq';
const BATCH = 200;

/**
 * The audit log is the outbox: every row whose action maps to an event (protocol's
 * notificationTypeForAudit) becomes one delivery per matching channel of the row's team,
 * each a durable job, in one transaction with the cursor that says which rows were read. So a
 * berthd that dies after a failure is written but before it is queued sends it on its next start,
 * and one that dies after queueing never queues it twice (the jobs' idempotency keys hold that
 * as well). Only the row's own team's channels get it: a team's events never reach another team.
 * Installation-wide rows (no team: a base certificate, a server) go to no channel yet.
 */
export function startNotificationOutbox(deps: {
  store: Store;
  clock: () => number;
  log: FastifyBaseLogger;
  onQueued: () => void;
}): { wake(): void; stop(): Promise<void> } {
  const { store, clock, log } = deps;

  const pass = async (): Promise<number> => {
    const raw = await store.meta.get(CURSOR_KEY);
    if (raw === null) {
      // First start with notifications: the history before it is not news.
      await store.meta.set(CURSOR_KEY, String((await store.audit.last())?.seq ?? 0));
      return 0;
    }
    const rows = await store.audit.list({ afterSeq: Number(raw), limit: BATCH });
    const last = rows.at(-1);
    if (!last) return 60_000;
    const queued = await store.transaction(async (tx) => {
      let n = 0;
      const now = clock();
      for (const row of rows) {
        const type = notificationTypeForAudit(row.action, row.outcome);
        if (type === undefined || row.teamId === null) continue;
        const channels = (await tx.notifications.listChannels(row.teamId)).filter((c) => wants(c, type));
        if (channels.length === 0) continue;
        const team = await tx.teams.get(row.teamId);
        const envelope = eventOf(row, type, team?.name ?? null);
        for (const channel of channels) {
          const delivery = newDelivery(channel, envelope, now);
          await tx.notifications.createDelivery(delivery);
          await tx.jobs.enqueue(
            {
              id: createId('job'),
              kind: NOTIFY_JOB,
              payload: { deliveryId: delivery.id },
              idempotencyKey: `notify:${row.seq}:${channel.id}`,
              maxAttempts: NOTIFY_MAX_ATTEMPTS,
            },
            now,
          );
          n++;
        }
      }
      await tx.meta.set(CURSOR_KEY, String(last.seq));
      return n;
    });
    if (queued > 0) deps.onQueued();
    return rows.length === BATCH ? 0 : 60_000;
  };

  const loop = startWakeLoop({
    pass,
    onError: (err) => log.error({ err }, 'queueing notifications failed; retrying'),
    errorDelayMs: 2000,
  });
  return { wake: () => loop.wake(), stop: () => loop.stop() };
}

const wants = (channel: NotificationChannelRow, type: NotificationEventType): boolean =>
  channel.events === null || channel.events.includes(type);

/** The event for an audit row: its target as the subject, its (non-secret) detail, trimmed to fit. */
function eventOf(row: AuditRow, type: NotificationEventType, team: string | null): NotificationEnvelope {
  const detail: NotificationEnvelope['detail'] = { action: row.action, outcome: row.outcome };
  for (const [key, value] of Object.entries(row.detail).slice(0, 32))
    detail[key.slice(0, 64)] = typeof value === 'string' ? value.slice(0, 2000) : value;
  return createNotification(
    { type, team, subject: (row.target ?? `team:${team ?? row.teamId ?? ''}`).slice(0, 300), detail },
    row.at,
  );
}
