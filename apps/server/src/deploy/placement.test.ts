import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServerRow } from '@berth/store';
import { parseConstraints, statusOf, SUSPECT_FOR_MS } from './placement.js';

const NOW = 10_000_000;

const server = (over: Partial<ServerRow> = {}): ServerRow => ({
  id: 'srv_a',
  name: 'web-1',
  publicKey: 'k',
  sealingKey: null,
  createdAt: 0,
  lastSeenAt: NOW - 1000,
  desiredVersion: 0,
  labels: {},
  state: 'active',
  capacity: null,
  agentVersion: null,
  privateIp: null,
  pendingPublicKey: null,
  mesh: null,
  meshIp: null,
  ...over,
});

const online = { isOnline: () => true, offlineSince: () => NOW };
const offline = { isOnline: () => false, offlineSince: () => NOW };
const offlineFor = (ms: number) => ({ isOnline: () => false, offlineSince: () => NOW - ms });

test('an active server is ready while its agent is connected', () => {
  assert.equal(statusOf(server(), online, true, NOW), 'ready');
});

test('offline while others are connected: suspect for a while after its link ended (keeps replicas), down after', () => {
  assert.equal(statusOf(server(), offline, true, NOW), 'suspect');
  assert.equal(statusOf(server(), offlineFor(SUSPECT_FOR_MS - 1), true, NOW), 'suspect');
  assert.equal(statusOf(server(), offlineFor(SUSPECT_FOR_MS), true, NOW), 'down');
  // An old last report says nothing: berthd counts from the link's end (or its own start).
  assert.equal(statusOf(server({ lastSeenAt: NOW - 3_600_000 }), offline, true, NOW), 'suspect');
});

test('with no agent connected at all, active servers count as ready (the rollout waits for them)', () => {
  assert.equal(statusOf(server({ lastSeenAt: null }), offline, false, NOW), 'ready');
});

test("an admin's state wins over the link", () => {
  assert.equal(statusOf(server({ state: 'draining' }), online, true, NOW), 'draining');
  assert.equal(statusOf(server({ state: 'paused' }), online, true, NOW), 'paused');
  assert.equal(statusOf(server({ state: 'removed' }), online, true, NOW), 'down');
});

test('paused for a new key and away: its replicas move after the same wait as a down server’s', () => {
  const paused = server({ state: 'paused' });
  assert.equal(statusOf(paused, offlineFor(SUSPECT_FOR_MS - 1), true, NOW), 'paused');
  assert.equal(statusOf(paused, offlineFor(SUSPECT_FOR_MS), true, NOW), 'down');
  assert.equal(
    statusOf(paused, offlineFor(SUSPECT_FOR_MS), false, NOW),
    'paused',
    'no agent connected at all',
  );
});

test('constraints parse into key, operator and value', () => {
  assert.deepEqual(parseConstraints(['zone=b', 'role!=build', 'gpu=']), [
    { key: 'zone', op: '=', value: 'b' },
    { key: 'role', op: '!=', value: 'build' },
    { key: 'gpu', op: '=', value: '' },
  ]);
  assert.throws(() => parseConstraints(['nonsense']), { code: 'INTERNAL' });
});
