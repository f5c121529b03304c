import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRevision, toRevision } from './rollout.js';

test('a revision names the deployment, and a revert differs from its forward rollout', () => {
  assert.equal(toRevision('dep_a', 'forward'), 'dep_a');
  assert.equal(toRevision('dep_a', 'revert'), 'dep_a:revert');
  assert.notEqual(toRevision('dep_a', 'forward'), toRevision('dep_b', 'forward'));
});

test('a revision parses back to its deployment and direction', () => {
  for (const direction of ['forward', 'revert'] as const)
    assert.deepEqual(parseRevision(toRevision('dep_a', direction)), { deploymentId: 'dep_a', direction });
});
