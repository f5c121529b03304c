import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lastDeployOutcome, lastDeployWho } from './last-deploy.js';

test('names the version, the kind unless a deploy, and who asked when someone did', () => {
  assert.equal(
    lastDeployWho({ releaseVersion: 3, kind: 'deploy', requestedBy: 'ada@example.com' }),
    'v3 by ada@example.com',
  );
  assert.equal(
    lastDeployWho({ releaseVersion: 2, kind: 'rollback', requestedBy: 'ci' }),
    'v2 rollback by ci',
  );
  assert.equal(lastDeployWho({ releaseVersion: 4, kind: 'move', requestedBy: null }), 'v4 move');
  // An older berthd sends no requestedBy at all.
  assert.equal(lastDeployWho({ releaseVersion: 1, kind: 'deploy' }), 'v1');
});

test('says how long it took, that it runs, or that it failed', () => {
  const span = { startedAt: '2025-01-01T12:00:00Z', finishedAt: '2025-01-01T12:00:14Z' };
  assert.equal(lastDeployOutcome({ status: 'succeeded', ...span }), 'took 14 s');
  assert.equal(lastDeployOutcome({ status: 'failed', ...span }), 'failed after 14 s');
  assert.equal(lastDeployOutcome({ status: 'failed', startedAt: null, finishedAt: null }), 'failed');
  assert.equal(
    lastDeployOutcome({ status: 'ignored', startedAt: null, finishedAt: span.finishedAt }),
    'skipped',
  );
  for (const status of ['queued', 'preparing', 'rolling_out'] as const)
    assert.equal(lastDeployOutcome({ status, startedAt: span.startedAt, finishedAt: null }), 'running…');
  assert.equal(lastDeployOutcome({ status: 'succeeded', startedAt: null, finishedAt: null }), null);
});
