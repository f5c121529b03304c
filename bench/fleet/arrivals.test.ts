import assert from 'node:assert/strict';
import { test } from 'node:test';
import { changeLatencies } from './arrivals.js';

test('the push is the first newer state after the call; the release the first that carries the deployment', () => {
  const agents = [
    // Before the call (ignored), the same version re-sent (ignored), the fan-out, its staged turn.
    {
      markedVersion: 3,
      arrivals: [
        { at: 900, version: 3, deployments: ['dep_old'] },
        { at: 1010, version: 3, deployments: ['dep_old'] },
        { at: 1200, version: 4, deployments: ['dep_old'] },
        { at: 1500, version: 4, deployments: ['dep_new'] },
      ],
    },
    // Reached at once: the fan-out carries it.
    { markedVersion: 3, arrivals: [{ at: 1100, version: 4, deployments: ['dep_new', 'dep_x'] }] },
    // Not reached at all: only the old version again.
    { markedVersion: 3, arrivals: [{ at: 1300, version: 3, deployments: [] }] },
  ];
  assert.deepEqual(changeLatencies(agents, 1000, 'dep_new'), { push: [200, 100], release: [500, 100] });
});
