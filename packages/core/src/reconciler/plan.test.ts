import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DesiredApp } from '@berth/protocol';
import { plan } from './plan.js';
import { NOW, R1, R2, SETTINGS, brief, desiredApp, observed, replica } from './test-support/fixtures.js';
import { toReplicaState, type ObservedState } from './types.js';

describe('plan()', () => {
  const cases: { name: string; desired: DesiredApp[]; observed: ObservedState; expect: string[] }[] = [
    {
      name: 'fresh deploy starts the first replica only',
      desired: [desiredApp()],
      observed: observed([]),
      expect: ['start:1'],
    },
    {
      name: 'a replica still starting is waited for (no second start)',
      desired: [desiredApp()],
      observed: observed([replica({ releaseId: R2, slot: 1, routed: false, health: 'unknown' })]),
      expect: [],
    },
    {
      name: 'a healthy new replica is routed and the next one starts',
      desired: [desiredApp()],
      observed: observed([replica({ releaseId: R2, slot: 1, routed: false })]),
      expect: ['route:c-bbb-1', 'start:2'],
    },
    {
      name: 'rolling step: new replica joins, one old leaves, the next new starts',
      desired: [desiredApp()],
      observed: observed([
        replica({ releaseId: R1, slot: 1 }),
        replica({ releaseId: R1, slot: 2 }),
        replica({ releaseId: R2, slot: 1, routed: false }),
      ]),
      expect: ['route:c-bbb-1', 'unroute:c-aaa-2', 'start:2'],
    },
    {
      name: 'an unrouted old replica waits out the settle time before its in-flight count is trusted',
      desired: [desiredApp()],
      observed: observed([
        replica({ releaseId: R1, slot: 1 }),
        replica({ releaseId: R1, slot: 2, routed: false, unroutedAtMs: NOW - 100 }),
        replica({ releaseId: R2, slot: 1 }),
        replica({ releaseId: R2, slot: 2, routed: false, health: 'unknown' }),
      ]),
      expect: [],
    },
    {
      name: 'a drained old replica is stopped',
      desired: [desiredApp()],
      observed: observed([
        replica({ releaseId: R1, slot: 1 }),
        replica({ releaseId: R1, slot: 2, routed: false, unroutedAtMs: NOW - 600 }),
        replica({ releaseId: R2, slot: 1 }),
        replica({ releaseId: R2, slot: 2, routed: false, health: 'unknown' }),
      ]),
      expect: ['stop:c-aaa-2'],
    },
    {
      name: 'an old replica with requests in flight keeps draining',
      desired: [desiredApp()],
      observed: observed([
        replica({ releaseId: R1, slot: 2, routed: false, unroutedAtMs: NOW - 5000, inflight: 3 }),
        replica({ releaseId: R2, slot: 1 }),
        replica({ releaseId: R2, slot: 2 }),
      ]),
      expect: [],
    },
    {
      name: 'an old replica that another server’s edge still holds keeps draining',
      desired: [desiredApp()],
      observed: observed([
        replica({ releaseId: R1, slot: 2, routed: false, unroutedAtMs: NOW - 5000, heldElsewhere: true }),
        replica({ releaseId: R2, slot: 1 }),
        replica({ releaseId: R2, slot: 2 }),
      ]),
      expect: [],
    },
    {
      name: 'the drain timeout stops a replica another edge never lets go',
      desired: [desiredApp({ drainTimeoutMs: 4000 })],
      observed: observed([
        replica({ releaseId: R1, slot: 2, routed: false, unroutedAtMs: NOW - 5000, heldElsewhere: true }),
        replica({ releaseId: R2, slot: 1 }),
        replica({ releaseId: R2, slot: 2 }),
      ]),
      expect: ['stop:c-aaa-2', 'converge'],
    },
    {
      name: 'the drain timeout stops a replica that never drains, and the rollout is done',
      desired: [desiredApp({ drainTimeoutMs: 4000 })],
      observed: observed([
        replica({ releaseId: R1, slot: 2, routed: false, unroutedAtMs: NOW - 5000, inflight: 3 }),
        replica({ releaseId: R2, slot: 1 }),
        replica({ releaseId: R2, slot: 2 }),
      ]),
      expect: ['stop:c-aaa-2', 'converge'],
    },
    {
      name: 'last new replica joins and the last old one leaves',
      desired: [desiredApp()],
      observed: observed([
        replica({ releaseId: R1, slot: 1 }),
        replica({ releaseId: R2, slot: 1 }),
        replica({ releaseId: R2, slot: 2, routed: false }),
      ]),
      expect: ['route:c-bbb-2', 'unroute:c-aaa-1'],
    },
    {
      name: 'converged when exactly the wanted replicas of the target serve',
      desired: [desiredApp()],
      observed: observed([replica({ releaseId: R2, slot: 1 }), replica({ releaseId: R2, slot: 2 })]),
      expect: ['converge'],
    },
    {
      name: 'nothing to do once converged',
      desired: [desiredApp()],
      observed: observed([replica({ releaseId: R2, slot: 1 }), replica({ releaseId: R2, slot: 2 })], {
        outcomes: { [`rev-${R2}`]: 'converged' },
      }),
      expect: [],
    },
    {
      name: 'scale up starts one replica at a time',
      desired: [desiredApp({ replicas: 3 })],
      observed: observed([replica({ releaseId: R2, slot: 1 }), replica({ releaseId: R2, slot: 2 })]),
      expect: ['start:3'],
    },
    {
      name: 'scale down unroutes the highest slots, keeping the wanted count serving',
      desired: [desiredApp({ replicas: 1 })],
      observed: observed([
        replica({ releaseId: R2, slot: 1 }),
        replica({ releaseId: R2, slot: 2 }),
        replica({ releaseId: R2, slot: 3 }),
      ]),
      expect: ['unroute:c-bbb-2', 'unroute:c-bbb-3'],
    },
    {
      name: 'scale to zero takes every replica out',
      desired: [desiredApp({ replicas: 0 })],
      observed: observed([replica({ releaseId: R2, slot: 1 })]),
      expect: ['unroute:c-bbb-1'],
    },
    {
      name: 'failed health: past the health timeout the rollout fails and the new replica goes, the old keeps serving',
      desired: [desiredApp()],
      observed: observed([
        replica({ releaseId: R1, slot: 1 }),
        replica({ releaseId: R1, slot: 2 }),
        replica({ releaseId: R2, slot: 1, routed: false, health: 'unhealthy', startedAtMs: NOW - 10_001 }),
      ]),
      expect: ['fail:DEPLOY_HEALTHCHECK_FAILED', 'stop:c-bbb-1'],
    },
    {
      name: 'a new replica that exits fails the rollout at once',
      desired: [desiredApp()],
      observed: observed([
        replica({ releaseId: R1, slot: 1 }),
        replica({ releaseId: R2, slot: 1, routed: false, status: 'exited', exitCode: 3, health: 'unknown' }),
      ]),
      expect: ['fail:DEPLOY_CONTAINER_EXITED', 'stop:c-bbb-1'],
    },
    {
      name: 'a failed revision holds: nothing starts, old replicas keep serving',
      desired: [desiredApp()],
      observed: observed([replica({ releaseId: R1, slot: 1 }), replica({ releaseId: R1, slot: 2 })], {
        outcomes: { [`rev-${R2}`]: 'failed' },
      }),
      expect: [],
    },
    {
      name: 'rollback: the previous release is the target again and replaces the failed one',
      desired: [desiredApp({ releaseId: R1, version: 1 })],
      observed: observed([
        replica({ releaseId: R2, slot: 1 }),
        replica({ releaseId: R2, slot: 2 }),
        replica({ releaseId: R1, slot: 1, routed: false }),
      ]),
      expect: ['route:c-aaa-1', 'unroute:c-bbb-2', 'start:2'],
    },
    {
      name: 'a crashed replica of a converged app is replaced',
      desired: [desiredApp()],
      observed: observed(
        [
          replica({ releaseId: R2, slot: 1 }),
          replica({ releaseId: R2, slot: 2, status: 'exited', exitCode: 137 }),
        ],
        { outcomes: { [`rev-${R2}`]: 'converged' } },
      ),
      expect: ['unroute:c-bbb-2', 'stop:c-bbb-2', 'start:2'],
    },
    {
      name: 'crash-loop backoff delays the replacement',
      desired: [desiredApp()],
      observed: observed([replica({ releaseId: R2, slot: 1 })], {
        outcomes: { [`rev-${R2}`]: 'converged' },
        startBlockedUntilMs: { app_wwwwwwwwwwwwwwwwwwww: NOW + 1000 },
      }),
      expect: [],
    },
    {
      name: 'orphan cleanup: containers of an app nobody wants are removed',
      desired: [],
      observed: observed([
        replica({ releaseId: R1, slot: 1 }),
        replica({ releaseId: R1, slot: 2, routed: false }),
      ]),
      expect: ['unroute:c-aaa-1', 'stop:c-aaa-1', 'stop:c-aaa-2'],
    },
    {
      name: 'a container created but never started (agent killed mid-start) is removed and recreated',
      desired: [desiredApp({ replicas: 1 })],
      observed: observed([
        replica({ releaseId: R2, slot: 1, status: 'created', startedAtMs: null, routed: false }),
      ]),
      expect: ['stop:c-bbb-1', 'start:1'],
    },
    {
      name: 'a superseded rollout: the previous target still starting is stopped without draining',
      desired: [desiredApp({ releaseId: 'rel_cccccccccccccccccccc', version: 3, replicas: 1 })],
      observed: observed([
        replica({ releaseId: R1, slot: 1 }),
        replica({ releaseId: R2, slot: 1, routed: false, health: 'unknown' }),
      ]),
      expect: ['start:1', 'stop:c-bbb-1'],
    },
    {
      name: 'the last old replica drained: it is stopped and the rollout converges without waiting for its exit',
      desired: [desiredApp()],
      observed: observed([
        replica({ releaseId: R1, slot: 1, routed: false, unroutedAtMs: NOW - 600 }),
        replica({ releaseId: R2, slot: 1 }),
        replica({ releaseId: R2, slot: 2 }),
      ]),
      expect: ['stop:c-aaa-1', 'converge'],
    },
    {
      name: 'an old replica being stopped holds nothing back: the rollout converges',
      desired: [desiredApp()],
      observed: observed([
        replica({ releaseId: R1, slot: 1, routed: false, unroutedAtMs: NOW - 9000, stopping: true }),
        replica({ releaseId: R2, slot: 1 }),
        replica({ releaseId: R2, slot: 2 }),
      ]),
      expect: ['converge'],
    },
    {
      name: 'an old replica still draining holds the rollout back',
      desired: [desiredApp()],
      observed: observed([
        replica({ releaseId: R1, slot: 1, routed: false, unroutedAtMs: NOW - 100 }),
        replica({ releaseId: R2, slot: 1 }),
        replica({ releaseId: R2, slot: 2 }),
      ]),
      expect: [],
    },
    {
      name: 'nothing more is planned for a replica being stopped, even past its drain timeout',
      desired: [desiredApp({ drainTimeoutMs: 4000 })],
      observed: observed([
        replica({ releaseId: R1, slot: 1 }),
        replica({
          releaseId: R1,
          slot: 2,
          routed: false,
          unroutedAtMs: NOW - 5000,
          inflight: 2,
          stopping: true,
        }),
        replica({ releaseId: R2, slot: 1 }),
        replica({ releaseId: R2, slot: 2, routed: false, health: 'unknown' }),
      ]),
      expect: [],
    },
    {
      name: 'a replica being stopped that is still routed is taken out of the upstream set',
      desired: [desiredApp()],
      observed: observed([
        replica({ releaseId: R1, slot: 1, stopping: true }),
        replica({ releaseId: R2, slot: 1 }),
        replica({ releaseId: R2, slot: 2 }),
      ]),
      expect: ['unroute:c-aaa-1', 'converge'],
    },
    {
      name: 'a slot whose replica of the same release is still being stopped is waited for',
      desired: [desiredApp({ replicas: 2 })],
      observed: observed([
        replica({ releaseId: R2, slot: 1 }),
        replica({ releaseId: R2, slot: 2, routed: false, unroutedAtMs: NOW - 600, stopping: true }),
      ]),
      expect: [],
    },
    {
      name: 'a replica of another release being stopped does not hold its slot',
      desired: [desiredApp({ releaseId: 'rel_cccccccccccccccccccc', version: 3, replicas: 1 })],
      observed: observed([
        replica({ releaseId: R1, slot: 1 }),
        replica({ releaseId: R2, slot: 1, routed: false, health: 'unknown', stopping: true }),
      ]),
      expect: ['start:1'],
    },
    {
      name: 'containers of a deleted app being stopped are left to finish',
      desired: [],
      observed: observed([replica({ releaseId: R1, slot: 1, routed: false, stopping: true })]),
      expect: [],
    },
  ];

  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(brief(plan(c.desired, c.observed, SETTINGS)), c.expect);
    });
  }

  test('a replica being stopped is described as stopping, whatever else is true of it', () => {
    const r = replica({ releaseId: R1, slot: 1, routed: false, unroutedAtMs: NOW - 600, stopping: true });
    assert.equal(toReplicaState(r, false), 'stopping');
    assert.equal(toReplicaState({ ...r, stopping: false }, false), 'draining');
  });

  test('start actions carry the release and a container name with version, release id and slot', () => {
    const [start] = plan([desiredApp()], observed([]), SETTINGS);
    assert.equal(start?.kind, 'start');
    assert.equal(start.kind === 'start' ? start.name : '', 'berth-web-v2-bbbbbb-1');
  });
});

describe('plan() with the recreate strategy', () => {
  const recreate = (): DesiredApp => desiredApp({ strategy: 'recreate' });

  test('old serving replicas are all unrouted first, and nothing new starts beside them', () => {
    const actions = plan(
      [recreate()],
      observed([replica({ releaseId: R1, slot: 1 }), replica({ releaseId: R1, slot: 2 })]),
      SETTINGS,
    );
    assert.deepEqual(brief(actions), ['unroute:c-aaa-1', 'unroute:c-aaa-2']);
  });

  test('drained old replicas stop; the new one waits until they are gone', () => {
    const drained = observed([
      replica({ releaseId: R1, slot: 1, routed: false, unroutedAtMs: NOW - 600 }),
      replica({ releaseId: R1, slot: 2, routed: false, unroutedAtMs: NOW - 600 }),
    ]);
    assert.deepEqual(brief(plan([recreate()], drained, SETTINGS)), ['stop:c-aaa-1', 'stop:c-aaa-2']);
    const stopping = observed([replica({ releaseId: R1, slot: 1, routed: false, stopping: true })]);
    assert.deepEqual(brief(plan([recreate()], stopping, SETTINGS)), []);
  });

  test('with no old replica left the new ones start as usual', () => {
    assert.deepEqual(brief(plan([recreate()], observed([]), SETTINGS)), ['start:1']);
  });

  test('rolling (the default) starts the new replica beside the old', () => {
    const actions = plan([desiredApp()], observed([replica({ releaseId: R1, slot: 1 })]), SETTINGS);
    assert.ok(brief(actions).includes('start:1'));
  });
});
