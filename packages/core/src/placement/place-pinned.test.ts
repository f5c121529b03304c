import assert from 'node:assert/strict';
import { test } from 'node:test';
import { place } from './place.js';
import { describeUnplacedApp } from './reasons.js';
import { app, server } from './test-fixtures.js';

const pinned = { serverId: 's2', because: 'volume uploads' };

test('an app whose volume lives on one server runs every replica there, not spread', () => {
  const r = place(
    [app('a', { replicas: 3, pinnedTo: pinned })],
    [server('s1'), server('s2'), server('s3')],
    [],
  );
  assert.deepEqual(
    r.placements.map((p) => p.serverId),
    ['s2', 's2', 's2'],
  );
  assert.deepEqual(r.unplaced, []);
});

test('a replica already on another server moves to the volume’s server', () => {
  const r = place(
    [app('a', { pinnedTo: pinned })],
    [server('s1'), server('s2')],
    [{ appId: 'a', slot: 1, serverId: 's1' }],
  );
  assert.deepEqual(r.changes, [{ kind: 'move', appId: 'a', slot: 1, fromServerId: 's1', serverId: 's2' }]);
});

test('the volume’s server down: unplaced with that reason, never put on another server', () => {
  const a = app('a', { name: 'web', replicas: 2, pinnedTo: pinned });
  const r = place([a], [server('s1'), server('s2', { name: 'web-2', status: 'down' })], []);
  assert.deepEqual(r.placements, []);
  assert.equal(
    describeUnplacedApp(r.unplaced, a),
    'web: no replica can be placed: it must run on web-2, where its volume uploads lives, and web-2 is down',
  );
});

test('the volume’s server gone from the fleet: the reason says so', () => {
  const a = app('a', { name: 'web', pinnedTo: pinned });
  const r = place([a], [server('s1')], []);
  assert.match(describeUnplacedApp(r.unplaced, a) ?? '', /no longer in the fleet/);
});

test('a suspect volume server keeps the replica it runs (a slow heartbeat moves no data)', () => {
  const r = place(
    [app('a', { pinnedTo: pinned })],
    [server('s1'), server('s2', { status: 'suspect' })],
    [{ appId: 'a', slot: 1, serverId: 's2' }],
  );
  assert.deepEqual(r.changes, []);
  assert.deepEqual(r.unplaced, []);
});

test('constraints still apply on the pinned server', () => {
  const a = app('a', {
    name: 'web',
    pinnedTo: pinned,
    constraints: [{ key: 'zone', op: '=', value: 'b' }],
  });
  const r = place(
    [a],
    [server('s1', { labels: { zone: 'b' } }), server('s2', { labels: { zone: 'a' } })],
    [],
  );
  assert.deepEqual(r.placements, []);
  assert.match(describeUnplacedApp(r.unplaced, a) ?? '', /zone=b/);
});
