import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { plan } from './plan.js';
import type { Action, ObservedReplica, ObservedState, RolloutOutcome } from './types.js';
import { desiredApp, replica } from './test-support/fixtures.js';

const NOW = 1_000_000;
const RELEASES = [
  'rel_aaaaaaaaaaaaaaaaaaaa',
  'rel_bbbbbbbbbbbbbbbbbbbb',
  'rel_cccccccccccccccccccc',
] as const;
/** Replicas made before any restart (null) or by one: a restart makes the others old. */
const RESTARTS = [null, 'dep_rrrrrrrrrrrrrrrrrrrr'] as const;

const arbReplica = fc
  .record({
    releaseId: fc.constantFrom(...RELEASES),
    restartId: fc.constantFrom(...RESTARTS),
    slot: fc.integer({ min: 1, max: 4 }),
    status: fc.constantFrom('running', 'running', 'running', 'exited', 'created'),
    health: fc.constantFrom('unknown', 'healthy', 'healthy', 'unhealthy'),
    routed: fc.boolean(),
    unroutedAgo: fc.option(fc.integer({ min: 0, max: 60_000 })),
    startedAgo: fc.integer({ min: 0, max: 120_000 }),
    inflight: fc.integer({ min: 0, max: 3 }),
    heldElsewhere: fc.boolean(),
    stopping: fc.constantFrom(false, false, false, true),
  })
  .map((r): ObservedReplica =>
    replica({
      releaseId: r.releaseId,
      restartId: r.restartId,
      slot: r.slot,
      status: r.status,
      health: r.status === 'running' ? r.health : 'unknown',
      routed: r.routed,
      unroutedAtMs: r.routed || r.unroutedAgo === null ? null : NOW - r.unroutedAgo,
      startedAtMs: r.status === 'created' ? null : NOW - r.startedAgo,
      inflight: r.inflight,
      heldElsewhere: r.heldElsewhere && !r.routed,
      // The agent stops only what it has taken out of the upstream set.
      stopping: r.stopping && !r.routed,
    }),
  );

/** Replicas of one app with distinct (release, restart, slot), as the engine's unique names guarantee. */
const arbReplicas = fc.uniqueArray(arbReplica, {
  selector: (r) => `${r.releaseId}/${r.restartId ?? ''}/${r.slot}`,
  maxLength: 8,
});

const arbScenario = fc.record({
  replicas: arbReplicas,
  target: fc.constantFrom(...RELEASES),
  restart: fc.constantFrom(...RESTARTS),
  wanted: fc.integer({ min: 1, max: 4 }),
  outcome: fc.constantFrom<RolloutOutcome | undefined>(undefined, undefined, 'converged', 'failed'),
  blocked: fc.boolean(),
});

interface Scenario {
  replicas: ObservedReplica[];
  target: string;
  restart: string | null;
  wanted: number;
  outcome: RolloutOutcome | undefined;
  blocked: boolean;
}

function run(s: Scenario): { actions: Action[]; observed: ObservedState } {
  const app = desiredApp({ releaseId: s.target, restartId: s.restart, replicas: s.wanted });
  const observed: ObservedState = {
    nowMs: NOW,
    replicas: s.replicas,
    outcomes: s.outcome ? { [app.revision]: s.outcome } : {},
    startBlockedUntilMs: s.blocked ? { [app.appId]: NOW + 1 } : {},
  };
  return { actions: plan([app], observed, { unrouteSettleMs: 500 }), observed };
}

const servingHealthy = (r: ObservedReplica): boolean =>
  r.status === 'running' && r.routed && r.health !== 'unhealthy';

test('a plan never removes the last healthy serving replica of an app that wants replicas', () => {
  fc.assert(
    fc.property(arbScenario, (s) => {
      const { actions } = run(s);
      const before = s.replicas.filter(servingHealthy);
      const removed = new Set(
        actions.flatMap((a) => (a.kind === 'unroute' || a.kind === 'stop' ? [a.containerId] : [])),
      );
      const routedNow = new Set(actions.flatMap((a) => (a.kind === 'route' ? [a.containerId] : [])));
      const joined = s.replicas.filter((r) => routedNow.has(r.containerId));
      const after = [...before, ...joined].filter((r) => !removed.has(r.containerId));
      if (before.length > 0)
        assert.ok(after.length > 0, `removed every serving replica: ${JSON.stringify(actions)}`);
    }),
    { numRuns: 3000 },
  );
});

test('a plan starts at most one replica per app, and none for a failed or blocked rollout', () => {
  fc.assert(
    fc.property(arbScenario, (s) => {
      const starts = run(s).actions.filter((a) => a.kind === 'start');
      assert.ok(starts.length <= 1);
      if (s.outcome === 'failed' || s.blocked) assert.equal(starts.length, 0);
    }),
    { numRuns: 2000 },
  );
});

test('a plan routes only running, healthy replicas of the target release and restart', () => {
  fc.assert(
    fc.property(arbScenario, (s) => {
      const byId = new Map(s.replicas.map((r) => [r.containerId, r]));
      for (const a of run(s).actions) {
        if (a.kind !== 'route') continue;
        const r = byId.get(a.containerId);
        assert.ok(r && r.status === 'running' && r.health === 'healthy' && r.releaseId === s.target);
        assert.equal(r.restartId, s.restart);
      }
    }),
    { numRuns: 2000 },
  );
});

test('a routed replica is always unrouted before it is stopped', () => {
  fc.assert(
    fc.property(arbScenario, (s) => {
      const unrouted = new Set<string>();
      for (const a of run(s).actions) {
        if (a.kind === 'unroute') unrouted.add(a.containerId);
        if (a.kind === 'stop') {
          const r = s.replicas.find((x) => x.containerId === a.containerId);
          if (r?.routed) assert.ok(unrouted.has(a.containerId), `stopped ${a.name} while routed`);
        }
      }
    }),
    { numRuns: 2000 },
  );
});

test('a plan never stops an unrouted replica before every edge has let it go, unless it never served or the drain timed out', () => {
  fc.assert(
    fc.property(arbScenario, (s) => {
      for (const a of run(s).actions) {
        if (a.kind !== 'stop') continue;
        const r = s.replicas.find((x) => x.containerId === a.containerId);
        if (!r || r.status !== 'running' || r.routed || r.unroutedAtMs === null) continue;
        const waited = NOW - r.unroutedAtMs;
        assert.ok(waited >= 500, `stopped ${r.name} ${waited} ms after unrouting`);
        if (r.inflight > 0) assert.ok(waited >= 30_000, `stopped ${r.name} with requests in flight`);
        if (r.heldElsewhere) assert.ok(waited >= 30_000, `stopped ${r.name} while another edge held it`);
      }
    }),
    { numRuns: 2000 },
  );
});

test('nothing is planned for a replica being stopped but taking it out of the upstream set', () => {
  fc.assert(
    fc.property(arbScenario, (s) => {
      const stopping = new Map(s.replicas.filter((r) => r.stopping).map((r) => [r.containerId, r]));
      for (const a of run(s).actions) {
        if (a.kind === 'start' || a.kind === 'converge' || a.kind === 'fail') continue;
        const r = stopping.get(a.containerId);
        if (r) assert.ok(a.kind === 'unroute' && r.routed, `${a.kind} planned for ${r.name}, being stopped`);
      }
    }),
    { numRuns: 2000 },
  );
});

test('a plan never starts a replica whose name a replica being stopped still holds', () => {
  fc.assert(
    fc.property(arbScenario, (s) => {
      for (const a of run(s).actions) {
        if (a.kind !== 'start') continue;
        const holder = s.replicas.find(
          // The name is the app's, the release's, the slot's and the restart's (toContainerName).
          (r) =>
            r.stopping &&
            r.releaseId === a.release.id &&
            r.slot === a.slot &&
            (r.restartId ?? null) === (s.restart ?? null),
        );
        assert.equal(holder, undefined, `started slot ${a.slot} while ${holder?.name} is being stopped`);
      }
    }),
    { numRuns: 2000 },
  );
});

test('a rollout converges only when the wanted replicas of the target serve and every other is stopping', () => {
  fc.assert(
    fc.property(arbScenario, (s) => {
      const { actions } = run(s);
      if (!actions.some((a) => a.kind === 'converge')) return;
      const stoppedNow = new Set(actions.flatMap((a) => (a.kind === 'stop' ? [a.containerId] : [])));
      const remaining = s.replicas.filter((r) => !r.stopping && !stoppedNow.has(r.containerId));
      assert.equal(remaining.length, s.wanted);
      for (const r of remaining) assert.ok(r.releaseId === s.target && r.status === 'running' && r.routed);
    }),
    { numRuns: 3000 },
  );
});
