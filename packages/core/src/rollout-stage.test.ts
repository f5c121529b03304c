import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isHeldBack, isStageDone, reachedAfter, startStage } from './rollout-stage.js';

test('a new stage reaches only its first server; one with no servers is done at once', () => {
  const stage = startStage('app_a', 'dep_2', ['s1', 's2', 's3']);
  assert.equal(stage.reached, 1);
  assert.equal(isStageDone(stage), false);
  assert.equal(isStageDone(startStage('app_a', 'dep_2', [])), true);
  assert.equal(startStage('app_a', 'dep_2', []).reached, 0);
});

test("only the stage's revision is held back, and only from servers whose turn has not come", () => {
  const stage = { ...startStage('app_a', 'dep_2', ['s1', 's2', 's3']), reached: 2 };
  assert.equal(isHeldBack(stage, 's1', 'dep_2'), false, 'reached first');
  assert.equal(isHeldBack(stage, 's2', 'dep_2'), false, 'reached second');
  assert.equal(isHeldBack(stage, 's3', 'dep_2'), true, 'its turn has not come');
  assert.equal(isHeldBack(stage, 's4', 'dep_2'), false, 'not in the order');
  assert.equal(isHeldBack(stage, 's3', 'dep_2:revert'), false, 'a revert is not staged');
  assert.equal(isHeldBack(undefined, 's3', 'dep_2'), false, 'no stage');
});

test('the next server is reached once every server before it converged, several at once if they did', () => {
  const stage = startStage('app_a', 'dep_2', ['s1', 's2', 's3']);
  assert.equal(
    reachedAfter(stage, () => false),
    1,
    'nothing converged',
  );
  assert.equal(
    reachedAfter(stage, (id) => id === 's1'),
    2,
    's1 converged: s2 is next',
  );
  assert.equal(
    reachedAfter(stage, (id) => id !== 's3'),
    3,
    's1 and s2 (sent earlier) converged',
  );
  assert.equal(
    reachedAfter({ ...stage, reached: 2 }, (id) => id === 's2'),
    2,
    'waits for every server before, not just the last',
  );
  assert.equal(
    reachedAfter({ ...stage, reached: 3 }, () => true),
    3,
    'never beyond the order',
  );
});
