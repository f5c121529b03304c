import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decideStart, describeStartDecision } from './concurrency.js';

test('nothing running: every policy starts', () => {
  for (const policy of ['forbid', 'allow', 'replace'] as const) assert.equal(decideStart(policy, 0), 'start');
});

test('something running: forbid skips, allow starts beside it, replace replaces it', () => {
  assert.equal(decideStart('forbid', 1), 'skip');
  assert.equal(decideStart('allow', 2), 'start');
  assert.equal(decideStart('replace', 1), 'replace');
});

test('nonsense counts are nothing running', () => {
  assert.equal(decideStart('forbid', Number.NaN), 'start');
  assert.equal(decideStart('forbid', -1), 'start');
});

test('the history line says why', () => {
  assert.equal(
    describeStartDecision('forbid', 1),
    'skipped: 1 earlier run still running (concurrency policy forbid)',
  );
  assert.equal(
    describeStartDecision('replace', 2),
    'replaced 2 earlier runs still running (concurrency policy replace)',
  );
  assert.equal(describeStartDecision('allow', 0), 'started');
});
