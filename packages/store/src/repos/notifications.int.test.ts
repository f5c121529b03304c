// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newId, NOW, openTempStore } from '../test-support/fixtures.js';
import type { NotificationChannelRow, NotificationDeliveryRow } from '../types-notifications.js';

/** Notification channels and deliveries on a real SQLite file. */

const channel = (teamId: string, over: Partial<NotificationChannelRow> = {}): NotificationChannelRow => ({
  id: newId('nch'),
  teamId,
  name: 'ops',
  url: 'https://hooks.example.com/berth',
  secretSealed: { keyId: 'k1', value: 'sealed-bytes' },
  events: ['deploy.failed'],
  allowPrivate: false,
  createdAt: NOW,
  ...over,
});

const delivery = (ch: NotificationChannelRow, at: number): NotificationDeliveryRow => ({
  id: newId('dlv'),
  channelId: ch.id,
  teamId: ch.teamId,
  eventId: newId('evt'),
  type: 'deploy.failed',
  envelope: '{}',
  status: 'pending',
  attempts: 0,
  lastStatus: null,
  lastError: null,
  createdAt: at,
  updatedAt: at,
  deliveredAt: null,
});

describe('NotificationRepo', () => {
  it('keeps channels per team, reseals, counts their key, and deletes them with their history', async () => {
    const env = await openTempStore();
    try {
      const a = channel(env.teamId);
      const b = channel(env.teamId, { name: null, events: null, allowPrivate: true, createdAt: NOW + 1 });
      await env.store.notifications.createChannel(a);
      await env.store.notifications.createChannel(b);
      assert.deepEqual(await env.store.notifications.getChannel(b.id), b);
      assert.deepEqual(
        (await env.store.notifications.listChannels(env.teamId)).map((c) => c.id),
        [a.id, b.id],
      );
      assert.deepEqual(await env.store.notifications.listChannels('tm_other'), []);
      assert.equal((await env.store.secrets.countByKeyId())['k1'], 2, 'the retirement check sees them');
      await env.store.notifications.resealChannel(a.id, { keyId: 'k2', value: 'resealed' });
      assert.deepEqual((await env.store.notifications.getChannel(a.id))?.secretSealed, {
        keyId: 'k2',
        value: 'resealed',
      });

      const first = delivery(a, NOW);
      const second = delivery(a, NOW + 5);
      await env.store.notifications.createDelivery(first);
      await env.store.notifications.createDelivery(second);
      await env.store.notifications.updateDelivery(
        first.id,
        { status: 'delivered', attempts: 2, lastStatus: 200, lastError: null, deliveredAt: NOW + 9 },
        NOW + 9,
      );
      const listed = await env.store.notifications.listDeliveries([env.teamId], 10);
      assert.deepEqual(
        listed.map((d) => [d.id, d.status, d.attempts]),
        [
          [second.id, 'pending', 0],
          [first.id, 'delivered', 2],
        ],
      );
      assert.deepEqual(await env.store.notifications.listDeliveries(['tm_other'], 10), []);

      assert.equal(await env.store.notifications.deleteChannel(a.id), true);
      assert.equal(await env.store.notifications.deleteChannel(a.id), false);
      assert.equal(await env.store.notifications.getDelivery(first.id), null);
      assert.deepEqual(await env.store.notifications.listDeliveries([env.teamId], 10), []);
    } finally {
      await env.done();
    }
  });
});
