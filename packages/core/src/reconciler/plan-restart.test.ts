import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DesiredApp } from '@berth/protocol';
import { plan } from './plan.js';
import { R2, SETTINGS, brief, desiredApp, observed, replica } from './test-support/fixtures.js';
import type { ObservedState } from './types.js';

/** `berth restart`: new replicas of the current release, rolled out like a deploy. */

/** A restart (its deployment id) of the current release, and the next one. */
const RS1 = 'dep_rrrrrrrrrrrrrrrrrrrr';
const RS2 = 'dep_ssssssssssssssssssss';

describe('plan() of a restart', () => {
  const cases: { name: string; desired: DesiredApp[]; observed: ObservedState; expect: string[] }[] = [
    {
      name: 'restart: replicas of the release made before it are replaced like an old release',
      desired: [desiredApp({ restartId: RS1 })],
      observed: observed(
        [
          replica({ releaseId: R2, slot: 1 }),
          replica({ releaseId: R2, slot: 2 }),
          replica({ releaseId: R2, restartId: RS1, slot: 1, routed: false }),
        ],
        { outcomes: { [`rev-${R2}`]: 'converged' } },
      ),
      expect: ['route:c-bbb-rrr-1', 'unroute:c-bbb-2', 'start:2'],
    },
    {
      name: 'restart: converged once every replica is one the restart made',
      desired: [desiredApp({ restartId: RS1 })],
      observed: observed([
        replica({ releaseId: R2, restartId: RS1, slot: 1 }),
        replica({ releaseId: R2, restartId: RS1, slot: 2 }),
      ]),
      expect: ['converge'],
    },
    {
      name: 'a second restart replaces the replicas of the first',
      desired: [desiredApp({ restartId: RS2, replicas: 1 })],
      observed: observed([
        replica({ releaseId: R2, restartId: RS1, slot: 1 }),
        replica({ releaseId: R2, restartId: RS2, slot: 1, routed: false }),
      ]),
      expect: ['route:c-bbb-sss-1', 'unroute:c-bbb-rrr-1'],
    },
    {
      name: 'a failed restart is undone: those before it are the target again, and replace what it made',
      desired: [desiredApp({ restartId: null, revision: 'rev-revert' })],
      observed: observed([
        replica({ releaseId: R2, restartId: RS1, slot: 1 }),
        replica({ releaseId: R2, slot: 2 }),
      ]),
      expect: ['start:1'],
    },
  ];

  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(brief(plan(c.desired, c.observed, SETTINGS)), c.expect);
    });
  }

  test('a restart names its replicas apart from those they replace, in the same slots', () => {
    const [start] = plan(
      [desiredApp({ restartId: RS1 })],
      observed([replica({ releaseId: R2, slot: 1 })]),
      SETTINGS,
    );
    assert.equal(start?.kind === 'start' ? start.name : '', 'berth-web-v2-bbbbbb-rrrrrrr-1');
  });
});
