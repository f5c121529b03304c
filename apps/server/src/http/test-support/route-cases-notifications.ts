import assert from 'node:assert/strict';
import type {
  NotificationChannelCreated,
  NotificationChannelList,
  NotificationDelivery,
  NotificationDeliveryList,
} from '@berth/protocol';
import { API } from './http.js';
import type { Ctx, RouteCase } from './route-cases.js';

/**
 * Cases for notification webhooks: see route-cases.ts. Channels point at a closed loopback port
 * (the owner allows private addresses), so a test send fails at once and nothing is reached.
 */

const CLOSED = 'http://127.0.0.1:9/berth';

async function channelOf(c: Ctx): Promise<string> {
  const res = await c.client.send({
    method: 'POST',
    url: `${API}/notifications/channels`,
    body: { url: CLOSED, name: c.name, allowPrivate: true },
  });
  assert.equal(res.status, 201, res.text);
  return (res.json as NotificationChannelCreated).channel.id;
}

export const NOTIFICATION_CASES: Record<string, RouteCase> = {
  listNotificationChannels: {
    arrange: async (c) => {
      c.vars['id'] = await channelOf(c);
      return {};
    },
    status: 200,
    check: (res, c) => {
      const ch = (res.json as NotificationChannelList).channels.find((x) => x.id === c.vars['id']);
      assert.deepEqual([ch?.name, ch?.url, ch?.allowPrivate, ch?.events], [c.name, CLOSED, true, null]);
      assert.ok(!res.text.includes('whsec_'), 'no secret in a list');
    },
  },
  createNotificationChannel: {
    bodyOf: (c) => ({ url: 'https://hooks.example.test/berth', name: c.name, events: ['deploy.failed'] }),
    status: 201,
    check: (res, c) => {
      const created = res.json as NotificationChannelCreated;
      assert.match(created.secret, /^whsec_[A-Za-z0-9_-]{43}$/);
      assert.deepEqual(
        [created.channel.name, created.channel.events, created.channel.allowPrivate],
        [c.name, ['deploy.failed'], false],
      );
    },
  },
  deleteNotificationChannel: {
    arrange: async (c) => ({ id: await channelOf(c) }),
    query: 'team=default',
    status: 204,
  },
  testNotificationChannel: {
    arrange: async (c) => ({ id: await channelOf(c) }),
    query: 'team=default',
    status: 200,
    check: (res) => {
      const d = res.json as NotificationDelivery;
      assert.deepEqual(
        [d.type, d.status, d.attempts, d.lastStatus],
        ['notification.test', 'failed', 1, null],
      );
      assert.match(d.lastError ?? '', /ECONNREFUSED/);
    },
  },
  listNotificationDeliveries: {
    arrange: async (c) => {
      const id = await channelOf(c);
      c.vars['id'] = id;
      const res = await c.client.send({ method: 'POST', url: `${API}/notifications/channels/${id}/test` });
      assert.equal(res.status, 200, res.text);
      return {};
    },
    query: 'limit=10',
    status: 200,
    check: (res, c) => {
      const d = (res.json as NotificationDeliveryList).deliveries.find((x) => x.channel === c.vars['id']);
      assert.deepEqual([d?.type, d?.status, d?.team], ['notification.test', 'failed', 'default']);
    },
  },
};
