import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DesiredApp } from '@berth/protocol';
import { plan } from './plan.js';
import { NOW, R1, R2, SETTINGS, brief, desiredApp, observed, replica } from './test-support/fixtures.js';
import type { ObservedReplica } from './types.js';

/** Replica slots placed on this server (berthd's `slots`): exactly those run, one at a time. */

const placed = (slots: number[], over: Partial<DesiredApp> = {}): DesiredApp =>
  desiredApp({ replicas: slots.length, slots, ...over });

describe('plan() with placed slots', () => {
  const cases: { name: string; desired: DesiredApp; replicas: ObservedReplica[]; expect: string[] }[] = [
    {
      name: 'starts the lowest of its own slots, not slot 1',
      desired: placed([2, 3]),
      replicas: [],
      expect: ['start:2'],
    },
    {
      name: 'one at a time: the next own slot starts once the first serves',
      desired: placed([2, 3]),
      replicas: [replica({ releaseId: R2, slot: 2, routed: false })],
      expect: ['route:c-bbb-2', 'start:3'],
    },
    {
      name: 'its own slots serving: converged',
      desired: placed([3]),
      replicas: [replica({ releaseId: R2, slot: 3 })],
      expect: ['converge'],
    },
    {
      name: 'a slot placed elsewhere keeps serving until a slot of its own replaces it',
      desired: placed([2]),
      replicas: [replica({ releaseId: R2, slot: 1 })],
      expect: ['start:2'],
    },
    {
      name: 'the replacement serves, then the slot placed elsewhere leaves',
      desired: placed([2]),
      replicas: [replica({ releaseId: R2, slot: 1 }), replica({ releaseId: R2, slot: 2, routed: false })],
      expect: ['route:c-bbb-2', 'unroute:c-bbb-1'],
    },
    {
      name: 'the slot placed elsewhere is stopped once drained, and the server has converged',
      desired: placed([2]),
      replicas: [
        replica({ releaseId: R2, slot: 1, routed: false, unroutedAtMs: NOW - 600 }),
        replica({ releaseId: R2, slot: 2 }),
      ],
      expect: ['stop:c-bbb-1', 'converge'],
    },
    {
      name: 'a rolling deploy replaces old replicas in its own slots only',
      desired: placed([2, 3]),
      replicas: [replica({ releaseId: R1, slot: 2 }), replica({ releaseId: R1, slot: 3 })],
      expect: ['start:2'],
    },
    {
      name: 'no slots left here: its replicas leave the proxy (no replacement is waited for here)',
      desired: placed([]),
      replicas: [replica({ releaseId: R2, slot: 1 })],
      expect: ['unroute:c-bbb-1'],
    },
    {
      name: 'no slots left here: drained replicas stop and the server reports converged',
      desired: placed([]),
      replicas: [replica({ releaseId: R2, slot: 1, routed: false, unroutedAtMs: NOW - 600 })],
      expect: ['stop:c-bbb-1', 'converge'],
    },
    {
      name: 'no slots and nothing running: converged at once',
      desired: placed([]),
      replicas: [],
      expect: ['converge'],
    },
    {
      name: 'a never-routed target replica in a slot placed elsewhere is stopped',
      desired: placed([2]),
      replicas: [
        replica({ releaseId: R2, slot: 1, routed: false, health: 'unknown' }),
        replica({ releaseId: R2, slot: 2 }),
      ],
      expect: ['stop:c-bbb-1', 'converge'],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(brief(plan([c.desired], observed(c.replicas), SETTINGS)), c.expect);
    });
  }

  test('without slots the app runs slots 1..replicas, as before berthd placed replicas', () => {
    const replicas = [replica({ releaseId: R2, slot: 1 }), replica({ releaseId: R2, slot: 2 })];
    const withSlots = plan([placed([1, 2])], observed(replicas), SETTINGS);
    const without = plan([desiredApp({ replicas: 2 })], observed(replicas), SETTINGS);
    assert.deepEqual(brief(without), ['converge']);
    assert.deepEqual(brief(withSlots), brief(without));
  });

  test('the same plan on every server of a fleet starts exactly the placed slots, one per server', () => {
    const fleet = [placed([1]), placed([2]), placed([3])];
    const starts = fleet.flatMap((app) => brief(plan([app], observed([]), SETTINGS)));
    assert.deepEqual(starts, ['start:1', 'start:2', 'start:3']);
  });
});
