import { parseOutboundUrl } from '@berth/core';
import { checkEgressUrl, createNotification, newWebhookSecret } from '@berth/engine';
import {
  BerthError,
  isBerthError,
  type NotificationChannel,
  type NotificationChannelCreate,
  type NotificationChannelCreated,
  type NotificationDelivery,
} from '@berth/protocol';
import type { NotificationChannelRow, Store, TeamRow } from '@berth/store';
import type { AuditIntent } from '../audit/intent.js';
import { createMutator } from '../deploy/service.js';
import { createId } from '../ids.js';
import type { KeyHolder } from '../secrets/keys.js';
import { notificationSecretAad } from './sealing.js';
import { attemptDelivery, newDelivery } from './send.js';
import { channelView, deliveryView } from './views.js';

export interface NotifyServiceDeps {
  store: Store;
  clock: () => number;
  keys: KeyHolder;
  /** Test sends wait this long for an answer (default: the engine's 10 s). */
  timeoutMs?: number;
}

export type NotifyService = ReturnType<typeof createNotifyService>;

/**
 * A team's notification webhooks (`berth notify`). The signing secret is made here, shown once
 * and sealed; the URL is checked by the SSRF guard when added (and again at every send, since
 * what a name resolves to can change). Reaching private addresses is an installation owner's
 * decision, never a team admin's.
 */
export function createNotifyService({ store, clock, keys, timeoutMs }: NotifyServiceDeps) {
  const mutate = createMutator(store, clock, () => undefined);

  const requireChannel = async (team: TeamRow, id: string): Promise<NotificationChannelRow> => {
    const row = await store.notifications.getChannel(id);
    // Another team's channel is not there for this caller.
    if (!row || row.teamId !== team.id)
      throw new BerthError(
        'NOTIFICATION_CHANNEL_NOT_FOUND',
        `Team ${team.name} has no notification channel ${id}`,
        {
          hint: 'List them with: berth notify list',
        },
      );
    return row;
  };

  return {
    async create(
      input: NotificationChannelCreate,
      team: TeamRow,
      installationOwner: boolean,
      intent: AuditIntent,
    ): Promise<NotificationChannelCreated> {
      if (input.allowPrivate === true && !installationOwner)
        // The destination policy's refusal, not FORBIDDEN: an admin may add webhooks, just not this one.
        throw new BerthError(
          'DESTINATION_NOT_ALLOWED',
          'Only an installation owner may let a webhook reach private addresses',
          {
            hint: 'Use a public URL, or ask an owner of the default team to add it with --allow-private',
          },
        );
      const allowPrivate = input.allowPrivate === true;
      const url = await checkedUrl(input.url, allowPrivate);
      const id = createId('nch');
      const secret = newWebhookSecret();
      const row: NotificationChannelRow = {
        id,
        teamId: team.id,
        name: input.name ?? null,
        url,
        secretSealed: keys.box.seal('notification-secret', secret, notificationSecretAad(id)),
        events: input.events ?? null,
        allowPrivate,
        createdAt: clock(),
      };
      await mutate({ ...intent, detail: { ...intent.detail, channel: id, allowPrivate } }, async (tx) => {
        await tx.notifications.createChannel(row);
      });
      return { channel: channelView(row, team.name), secret };
    },

    async list(teams: readonly TeamRow[]): Promise<NotificationChannel[]> {
      const out: NotificationChannel[] = [];
      for (const team of [...teams].sort((a, b) => a.name.localeCompare(b.name)))
        for (const row of await store.notifications.listChannels(team.id))
          out.push(channelView(row, team.name));
      return out;
    },

    async remove(team: TeamRow, id: string, intent: AuditIntent): Promise<void> {
      await requireChannel(team, id);
      await mutate(intent, async (tx) => {
        await tx.notifications.deleteChannel(id);
      });
    },

    /** Sends a `notification.test` event now, one attempt, recorded in the history; resolves with the outcome. */
    async test(team: TeamRow, id: string): Promise<NotificationDelivery> {
      const channel = await requireChannel(team, id);
      const now = clock();
      const envelope = createNotification(
        {
          type: 'notification.test',
          team: team.name,
          subject: `notify:${channel.id}`,
          detail: { sentBy: 'berth notify test' },
        },
        now,
      );
      const delivery = newDelivery(channel, envelope, now);
      await store.notifications.createDelivery(delivery);
      await attemptDelivery(
        { store, keys, clock, ...(timeoutMs !== undefined && { timeoutMs }) },
        channel,
        delivery,
      );
      const after = await store.notifications.getDelivery(delivery.id);
      if (!after)
        throw new BerthError('NOTIFICATION_CHANNEL_NOT_FOUND', `Channel ${id} was removed meanwhile`);
      // A test is one attempt: what it found is final.
      if (after.status === 'pending') {
        await store.notifications.updateDelivery(after.id, { ...after, status: 'failed' }, clock());
        return deliveryView({ ...after, status: 'failed' }, team.name);
      }
      return deliveryView(after, team.name);
    },

    async deliveries(teams: readonly TeamRow[], limit: number): Promise<NotificationDelivery[]> {
      const names = new Map(teams.map((t) => [t.id, t.name]));
      const rows = await store.notifications.listDeliveries([...names.keys()], limit);
      return rows.map((r) => deliveryView(r, names.get(r.teamId) ?? r.teamId));
    },
  };
}

/**
 * The URL as it will be stored, refused now (DESTINATION_NOT_ALLOWED, 403) when it names or
 * resolves to an address it may not reach, rather than at the first failure it should report. A
 * name that does not resolve yet is accepted (it may be new in DNS): every send checks again.
 */
async function checkedUrl(raw: string, allowPrivate: boolean): Promise<string> {
  try {
    return (await checkEgressUrl(raw, { allowPrivate, what: 'webhook URL' })).href;
  } catch (err) {
    if (isBerthError(err) && err.code === 'DESTINATION_UNRESOLVABLE')
      return parseOutboundUrl(raw, 'webhook URL', { allowPrivate }).href;
    throw err;
  }
}
