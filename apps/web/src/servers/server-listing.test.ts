import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatCapacity, replicasByServer, serverHealth, showsFleet } from './server-listing.js';

test('health: an unreachable agent first, then a key to approve, then what an admin set', () => {
  const s = { status: 'online', state: 'active', pendingKey: false } as const;
  assert.deepEqual(serverHealth(s), { word: 'online', tone: 'ok' });
  assert.deepEqual(serverHealth({ ...s, state: 'draining' }), { word: 'draining', tone: 'busy' });
  assert.deepEqual(serverHealth({ ...s, state: 'paused' }), { word: 'paused', tone: 'idle' });
  assert.deepEqual(serverHealth({ ...s, pendingKey: true, state: 'draining' }), {
    word: 'new key to approve',
    tone: 'bad',
  });
  assert.deepEqual(serverHealth({ ...s, status: 'offline', state: 'draining' }), {
    word: 'unreachable',
    tone: 'bad',
  });
});

test('capacity in CPUs and GiB (MiB below one), or null when unreported', () => {
  assert.equal(formatCapacity({ cpuMillis: 4000, memoryMib: 7782 }), '4 CPU, 7.6 GiB');
  assert.equal(formatCapacity({ cpuMillis: 1500, memoryMib: 2048 }), '1.5 CPU, 2 GiB');
  assert.equal(formatCapacity({ cpuMillis: 250, memoryMib: 512 }), '0.3 CPU, 512 MiB');
  assert.equal(formatCapacity(null), null);
});

test('counts the visible replicas per server; the table only for more than one server', () => {
  const r = (server: string) => ({
    name: 'x',
    releaseId: 'rel',
    releaseVersion: 1,
    slot: 1,
    state: 'serving' as const,
    server,
  });
  const counts = replicasByServer([{ replicaStatus: [r('a'), r('b')] }, { replicaStatus: [r('a')] }]);
  assert.deepEqual(
    [...counts],
    [
      ['a', 2],
      ['b', 1],
    ],
  );
  assert.equal(showsFleet(undefined), false);
  assert.equal(showsFleet([{}]), false);
  assert.equal(showsFleet([{}, {}]), true);
});
