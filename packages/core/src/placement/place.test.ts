import assert from 'node:assert/strict';
import { test } from 'node:test';
import { place } from './place.js';
import { describeUnplacedApp, describeUnplacedSlot } from './reasons.js';
import { app, server } from './test-fixtures.js';
import type { SlotPlacement } from './types.js';

const on = (placements: SlotPlacement[]): string[] =>
  placements.map((p) => `${p.appId}/${p.slot}@${p.serverId}`);

test('one machine, unknown capacity: every slot of every app runs on it', () => {
  const r = place(
    [app('a', { replicas: 3, memoryMiB: 1 << 20 }), app('b')],
    [server('local', { capacity: null })],
    [],
  );
  assert.deepEqual(on(r.placements), ['a/1@local', 'a/2@local', 'a/3@local', 'b/1@local']);
  assert.deepEqual(r.unplaced, []);
  assert.equal(r.changes.length, 4);
  assert.ok(r.changes.every((c) => c.kind === 'place'));
});

test('replicas spread across servers before any server gets a second', () => {
  const r = place([app('a', { replicas: 4 })], [server('s1'), server('s2'), server('s3')], []);
  assert.deepEqual(on(r.placements), ['a/1@s1', 'a/2@s2', 'a/3@s3', 'a/4@s1']);
});

test('spreadBy zone: a second replica goes to the other zone', () => {
  const servers = [
    server('a1', { labels: { zone: 'a' } }),
    server('a2', { labels: { zone: 'a' } }),
    server('b1', { labels: { zone: 'b' } }),
  ];
  const r = place([app('api', { replicas: 2, spreadBy: 'zone' })], servers, []);
  assert.deepEqual(on(r.placements), ['api/1@a1', 'api/2@b1']);
});

test('spreadBy zone never puts a second replica on a server while a fit server has none', () => {
  const servers = [
    server('a1', { labels: { zone: 'a' } }),
    server('b1', { labels: { zone: 'b' } }),
    server('b2', { labels: { zone: 'b' } }),
    server('b3', { labels: { zone: 'b' } }),
  ];
  const r = place([app('api', { replicas: 4, spreadBy: 'zone' })], servers, []);
  assert.deepEqual(on(r.placements), ['api/1@a1', 'api/2@b1', 'api/3@b2', 'api/4@b3']);
});

test('the reason describes the fleet as placed: what other apps took counts', () => {
  const servers = [server('s1', { capacity: { cpu: 1, memoryMiB: 256 } })];
  const r = place([app('a', { memoryMiB: 512 }), app('b', { cpu: 0.1, memoryMiB: 64 })], servers, []);
  assert.equal(
    describeUnplacedSlot(r.unplaced[0]!),
    'a replica 1: needs 512 MiB memory per replica, the most free is 192 MiB on s1',
  );
});

test('constraints = and != on labels; a server without the label fails = and passes !=', () => {
  const servers = [
    server('s1', { labels: { zone: 'a' } }),
    server('s2', { labels: { zone: 'b' } }),
    server('s3'),
  ];
  const eq = place(
    [app('x', { replicas: 2, constraints: [{ key: 'zone', op: '=', value: 'b' }] })],
    servers,
    [],
  );
  assert.deepEqual(on(eq.placements), ['x/1@s2', 'x/2@s2']);
  const ne = place(
    [app('y', { replicas: 2, constraints: [{ key: 'zone', op: '!=', value: 'b' }] })],
    servers,
    [],
  );
  assert.deepEqual(on(ne.placements), ['y/1@s1', 'y/2@s3']);
});

test('memory: the reason names what one replica needs and the most free anywhere', () => {
  const servers = [
    server('web-1', { capacity: { cpu: 4, memoryMiB: 512 } }),
    server('web-2', { capacity: { cpu: 4, memoryMiB: 1024 } }),
  ];
  const r = place([app('big', { memoryMiB: 2048 })], servers, []);
  assert.deepEqual(r.placements, []);
  assert.equal(r.unplaced.length, 1);
  assert.equal(
    describeUnplacedSlot(r.unplaced[0]!),
    'big replica 1: needs 2 GiB memory per replica, the most free is 1 GiB on web-2',
  );
});

test('cpu: reservations add up exactly and the reason names the most free CPU', () => {
  const servers = [server('s1', { capacity: { cpu: 0.3, memoryMiB: 4096 } })];
  const ok = place([app('a', { replicas: 3, cpu: 0.1, memoryMiB: 16 })], servers, []);
  assert.equal(ok.placements.length, 3, '0.1 + 0.1 + 0.1 fits in 0.3');
  const r = place([app('a', { replicas: 2, cpu: 0.2, memoryMiB: 16 })], servers, []);
  assert.deepEqual(on(r.placements), ['a/1@s1']);
  assert.equal(
    describeUnplacedSlot(r.unplaced[0]!),
    'a replica 2: needs 0.2 CPU per replica, the most free is 0.1 CPU on s1',
  );
});

test('unplaceable: no servers, none ready, constraints matching nothing', () => {
  assert.deepEqual(place([app('a')], [], []).unplaced[0]?.reason, { kind: 'no-servers' });
  const notReady = place(
    [app('a')],
    [server('s1', { status: 'draining' }), server('s2', { status: 'down' })],
    [],
  );
  assert.equal(
    describeUnplacedSlot(notReady.unplaced[0]!),
    'a replica 1: no server is ready (s1 is draining, s2 is down)',
  );
  const constrained = place(
    [app('a', { constraints: [{ key: 'gpu', op: '=', value: 'yes' }] })],
    [server('s1')],
    [],
  );
  assert.equal(
    describeUnplacedSlot(constrained.unplaced[0]!),
    'a replica 1: no ready server matches gpu=yes',
  );
});

test('stable: placed slots stay, a new server is no reason to move, scale down removes the top slots', () => {
  const current = [
    { appId: 'a', slot: 1, serverId: 's1' },
    { appId: 'a', slot: 2, serverId: 's1' },
    { appId: 'a', slot: 3, serverId: 's1' },
  ];
  const grown = place([app('a', { replicas: 4 })], [server('s1'), server('s2')], current);
  assert.deepEqual(on(grown.placements), ['a/1@s1', 'a/2@s1', 'a/3@s1', 'a/4@s2']);
  assert.deepEqual(grown.changes, [{ kind: 'place', appId: 'a', slot: 4, serverId: 's2' }]);
  const shrunk = place([app('a', { replicas: 1 })], [server('s1'), server('s2')], current);
  assert.deepEqual(shrunk.changes, [
    { kind: 'remove', appId: 'a', slot: 2, fromServerId: 's1' },
    { kind: 'remove', appId: 'a', slot: 3, fromServerId: 's1' },
  ]);
  const gone = place([], [server('s1')], current);
  assert.equal(gone.changes.length, 3);
});

test('status: suspect and paused keep their replicas but get nothing new; draining and down give them away', () => {
  const current = [
    { appId: 'a', slot: 1, serverId: 'suspect' },
    { appId: 'a', slot: 2, serverId: 'paused' },
    { appId: 'a', slot: 3, serverId: 'down' },
    { appId: 'a', slot: 4, serverId: 'draining' },
  ];
  const servers = [
    server('suspect', { status: 'suspect' }),
    server('paused', { status: 'paused' }),
    server('down', { status: 'down' }),
    server('draining', { status: 'draining' }),
    server('ready'),
  ];
  const r = place([app('a', { replicas: 5 })], servers, current);
  assert.deepEqual(on(r.placements), ['a/1@suspect', 'a/2@paused', 'a/3@ready', 'a/4@ready', 'a/5@ready']);
  assert.deepEqual(r.changes, [
    { kind: 'move', appId: 'a', slot: 3, fromServerId: 'down', serverId: 'ready' },
    { kind: 'move', appId: 'a', slot: 4, fromServerId: 'draining', serverId: 'ready' },
    { kind: 'place', appId: 'a', slot: 5, serverId: 'ready' },
  ]);
});

test('a draining server keeps a replica that fits nowhere else; a down server does not', () => {
  const servers = [
    server('old', { status: 'draining' }),
    server('down', { status: 'down' }),
    server('full', { capacity: { cpu: 1, memoryMiB: 256 } }),
  ];
  const current = [
    { appId: 'a', slot: 1, serverId: 'old' },
    { appId: 'a', slot: 2, serverId: 'down' },
  ];
  const r = place([app('a', { replicas: 2 })], servers, current);
  assert.deepEqual(on(r.placements), ['a/1@old']);
  assert.deepEqual(r.changes, [{ kind: 'remove', appId: 'a', slot: 2, fromServerId: 'down' }]);
  assert.equal(r.unplaced.length, 1);
  assert.equal(r.unplaced[0]?.slot, 2);
});

test('a replica moves when its server no longer matches the constraints or has no room for bigger limits', () => {
  const servers = [
    server('s1', { labels: { zone: 'a' }, capacity: { cpu: 4, memoryMiB: 1024 } }),
    server('s2', { labels: { zone: 'b' } }),
  ];
  const current = [{ appId: 'a', slot: 1, serverId: 's1' }];
  const constrained = place(
    [app('a', { constraints: [{ key: 'zone', op: '=', value: 'b' }] })],
    servers,
    current,
  );
  assert.deepEqual(constrained.changes, [
    { kind: 'move', appId: 'a', slot: 1, fromServerId: 's1', serverId: 's2' },
  ]);
  const bigger = place([app('a', { memoryMiB: 2048 })], servers, current);
  assert.deepEqual(bigger.changes, [
    { kind: 'move', appId: 'a', slot: 1, fromServerId: 's1', serverId: 's2' },
  ]);
});

test('one message per app for a deploy that cannot be placed', () => {
  const servers = [server('web-1', { capacity: { cpu: 4, memoryMiB: 2048 } })];
  const api = app('api', { name: 'api', replicas: 3, memoryMiB: 1024 });
  const partly = place([api], servers, []);
  assert.equal(
    describeUnplacedApp(partly.unplaced, api),
    'api: 1 of 3 replicas cannot be placed: needs 1 GiB memory per replica, the most free is 0 MiB on web-1',
  );
  const huge = app('api', { name: 'api', replicas: 2, memoryMiB: 4096 });
  assert.equal(
    describeUnplacedApp(place([huge], servers, []).unplaced, huge),
    'api: no replica can be placed: needs 4 GiB memory per replica, the most free is 2 GiB on web-1',
  );
  assert.equal(describeUnplacedApp(place([app('ok')], servers, []).unplaced, app('ok')), null);
});

test('build servers run no replicas while the fleet has others; alone, they run everything', () => {
  const build = server('b1', { labels: { role: 'build' } });
  const apart = place([app('a', { replicas: 3 })], [build, server('s1'), server('s2')], []);
  assert.deepEqual(on(apart.placements), ['a/1@s1', 'a/2@s2', 'a/3@s1']);
  const alone = place([app('a', { replicas: 2 })], [build, server('b2', { labels: { role: 'build' } })], []);
  assert.deepEqual(on(alone.placements), ['a/1@b1', 'a/2@b2']);
  // An app that names the role itself decides.
  const chosen = place(
    [app('a', { constraints: [{ key: 'role', op: '=', value: 'build' }] })],
    [build, server('s1')],
    [],
  );
  assert.deepEqual(on(chosen.placements), ['a/1@b1']);
});

test('with the app servers down, replicas do not fall back onto the build server: the reason says why', () => {
  const r = place(
    [app('a')],
    [server('b1', { labels: { role: 'build' } }), server('s1', { status: 'down' })],
    [],
  );
  assert.deepEqual(r.placements, []);
  assert.deepEqual(r.unplaced[0]?.reason, {
    kind: 'constraints',
    constraints: [{ key: 'role', op: '!=', value: 'build' }],
  });
});

test('a replica already on a build server moves once the fleet has an app server', () => {
  const build = server('b1', { labels: { role: 'build' } });
  const r = place([app('a')], [build, server('s1')], [{ appId: 'a', slot: 1, serverId: 'b1' }]);
  assert.deepEqual(on(r.placements), ['a/1@s1']);
});
