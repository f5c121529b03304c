import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { satisfies, toMilliCpu } from './fit.js';
import { place } from './place.js';
import type { PlacementApp, PlacementConstraint, PlacementServer, SlotPlacement } from './types.js';

/** Enough runs to meet the rare shapes (four ready servers in two zones, an app of four replicas). */
const RUNS = { numRuns: 2000 };

const SERVER_IDS = ['s1', 's2', 's3', 's4', 's5'] as const;
const APP_IDS = ['a', 'b', 'c', 'd'] as const;

const arbLabels = fc.record({ zone: fc.constantFrom('a', 'b', 'c') }, { requiredKeys: [] });

const arbServer: fc.Arbitrary<Omit<PlacementServer, 'id' | 'name'>> = fc.record({
  status: fc.constantFrom('ready', 'ready', 'ready', 'draining', 'down', 'paused', 'suspect'),
  labels: arbLabels,
  capacity: fc.option(
    fc.record({
      cpu: fc.constantFrom(0.5, 1, 2, 3.3, 4),
      memoryMiB: fc.constantFrom(256, 1024, 2048, 4096),
    }),
  ),
});

/** Up to five servers with distinct ids, s1… in order. */
const arbServers: fc.Arbitrary<PlacementServer[]> = fc
  .array(arbServer, { maxLength: SERVER_IDS.length })
  .map((servers) => servers.map((s, i) => ({ ...s, id: SERVER_IDS[i] ?? 'sX', name: `web-${i + 1}` })));

const arbConstraint: fc.Arbitrary<PlacementConstraint> = fc.record({
  key: fc.constant('zone'),
  op: fc.constantFrom('=', '!='),
  value: fc.constantFrom('a', 'b'),
});

const arbApp: fc.Arbitrary<Omit<PlacementApp, 'id' | 'name'>> = fc
  .record({
    replicas: fc.integer({ min: 1, max: 5 }),
    cpu: fc.constantFrom(0.1, 0.25, 0.5, 1, 2),
    memoryMiB: fc.constantFrom(64, 256, 512, 1024),
    constraints: fc.array(arbConstraint, { maxLength: 2 }),
    spread: fc.boolean(),
  })
  .map(({ spread, ...r }) => ({ ...r, ...(spread ? { spreadBy: 'zone' } : {}) }));

const arbApps: fc.Arbitrary<PlacementApp[]> = fc
  .array(arbApp, { maxLength: APP_IDS.length })
  .map((apps) => apps.map((a, i) => ({ ...a, id: APP_IDS[i] ?? 'x', name: APP_IDS[i] ?? 'x' })));

/** Where replicas run now: any slot, on any server, including one the fleet no longer has. */
const arbCurrent = fc.uniqueArray(
  fc.record({
    appId: fc.constantFrom(...APP_IDS),
    slot: fc.integer({ min: 1, max: 6 }),
    serverId: fc.constantFrom(...SERVER_IDS, 'gone'),
  }),
  { selector: (p) => `${p.appId}/${p.slot}`, maxLength: 12 },
);

const arbScenario = fc.record({ apps: arbApps, servers: arbServers, current: arbCurrent });

function appOf(apps: PlacementApp[], id: string): PlacementApp {
  const app = apps.find((a) => a.id === id);
  assert.ok(app, `placement for an app that was not asked for: ${id}`);
  return app;
}

function serverOf(servers: PlacementServer[], id: string): PlacementServer {
  const server = servers.find((s) => s.id === id);
  assert.ok(server, `placement on a server the fleet does not have: ${id}`);
  return server;
}

test('capacity is never exceeded and constraints are always honoured', () => {
  fc.assert(
    fc.property(arbScenario, ({ apps, servers, current }) => {
      const { placements } = place(apps, servers, current);
      for (const server of servers) {
        const here = placements.filter((p) => p.serverId === server.id).map((p) => appOf(apps, p.appId));
        for (const app of here) assert.ok(satisfies(server, app.constraints), `${app.id} on ${server.id}`);
        if (server.capacity === null) continue;
        const milliCpu = here.reduce((n, a) => n + toMilliCpu(a.cpu), 0);
        const memoryMiB = here.reduce((n, a) => n + a.memoryMiB, 0);
        assert.ok(milliCpu <= toMilliCpu(server.capacity.cpu), `cpu on ${server.id}`);
        assert.ok(memoryMiB <= server.capacity.memoryMiB, `memory on ${server.id}`);
      }
    }),
    RUNS,
  );
});

test('every wanted slot is placed or unplaced with a reason, exactly once, and nothing else is placed', () => {
  fc.assert(
    fc.property(arbScenario, ({ apps, servers, current }) => {
      const { placements, unplaced } = place(apps, servers, current);
      const placed = placements.map((p) => `${p.appId}/${p.slot}`);
      const missing = unplaced.map((u) => `${u.appId}/${u.slot}`);
      const wanted = apps.flatMap((a) => Array.from({ length: a.replicas }, (_, i) => `${a.id}/${i + 1}`));
      assert.deepEqual([...placed, ...missing].sort(), [...wanted].sort());
    }),
    RUNS,
  );
});

test('only ready servers get new replicas; down and draining servers keep only what fits nowhere else (draining)', () => {
  fc.assert(
    fc.property(arbScenario, ({ apps, servers, current }) => {
      const { changes, placements } = place(apps, servers, current);
      for (const c of changes) {
        if (c.kind === 'remove') continue;
        assert.equal(serverOf(servers, c.serverId).status, 'ready', JSON.stringify(c));
      }
      for (const p of placements) {
        const status = serverOf(servers, p.serverId).status;
        assert.notEqual(status, 'down');
        if (status === 'draining')
          assert.ok(
            current.some((c) => c.appId === p.appId && c.slot === p.slot && c.serverId === p.serverId),
          );
      }
    }),
    RUNS,
  );
});

test('stable: placing what was placed changes nothing', () => {
  fc.assert(
    fc.property(arbScenario, ({ apps, servers, current }) => {
      const first = place(apps, servers, current);
      const second = place(apps, servers, first.placements);
      assert.deepEqual(second.changes, []);
      assert.deepEqual(second.placements, first.placements);
      assert.deepEqual(second.unplaced, first.unplaced);
    }),
    RUNS,
  );
});

test('stable: a slot whose server still keeps replicas and still fits stays where it is', () => {
  fc.assert(
    fc.property(arbApps, arbServers, (apps, servers) => {
      const first = place(apps, servers, []);
      // Nothing about the fleet changed except that some servers stopped taking new replicas.
      const quiet = servers.map((s) => (s.status === 'ready' ? { ...s, status: 'suspect' as const } : s));
      const again = place(apps, quiet, first.placements);
      assert.deepEqual(again.placements, first.placements);
    }),
    RUNS,
  );
});

test('spread: no server holds two replicas of an app while a fit server holds none', () => {
  fc.assert(
    fc.property(arbApps, arbServers, (apps, servers) => {
      const { placements } = place(apps, servers, []);
      for (const app of apps) {
        const count = (serverId: string): number =>
          placements.filter((p) => p.appId === app.id && p.serverId === serverId).length;
        const crowded = servers.some((s) => count(s.id) >= 2);
        if (!crowded) continue;
        for (const s of servers) {
          if (count(s.id) > 0 || s.status !== 'ready' || !satisfies(s, app.constraints)) continue;
          assert.ok(
            !roomFor(app, s, placements, apps),
            `${app.id}: ${s.id} is fit and empty while another has two`,
          );
        }
      }
    }),
    RUNS,
  );
});

test('the answer does not depend on the order of apps, servers or current placements', () => {
  fc.assert(
    fc.property(arbScenario, ({ apps, servers, current }) => {
      const a = place(apps, servers, current);
      const b = place([...apps].reverse(), [...servers].reverse(), [...current].reverse());
      assert.deepEqual(b, a);
    }),
    RUNS,
  );
});

function roomFor(
  app: PlacementApp,
  server: PlacementServer,
  placements: SlotPlacement[],
  apps: PlacementApp[],
): boolean {
  if (server.capacity === null) return true;
  const here = placements.filter((p) => p.serverId === server.id).map((p) => appOf(apps, p.appId));
  const milliCpu = here.reduce((n, a) => n + toMilliCpu(a.cpu), 0) + toMilliCpu(app.cpu);
  const memoryMiB = here.reduce((n, a) => n + a.memoryMiB, 0) + app.memoryMiB;
  return milliCpu <= toMilliCpu(server.capacity.cpu) && memoryMiB <= server.capacity.memoryMiB;
}
