import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deploymentRunning, formatAge, formatDuration, formatUntil, replicaCounts } from './app-status.js';

const replica = (releaseId: string, state: 'starting' | 'healthy' | 'serving' | 'draining' | 'exited') => ({
  name: `berth-web-${releaseId}-${state}`,
  releaseId,
  releaseVersion: 1,
  slot: 1,
  state,
  server: 'local',
});

test('healthy replicas are those of the current release that pass their check', () => {
  const app = {
    replicas: 3,
    currentRelease: { id: 'rel_new', version: 2, image: 'web:2', imageId: null, createdAt: '' },
    replicaStatus: [
      replica('rel_new', 'serving'),
      replica('rel_new', 'healthy'),
      replica('rel_new', 'starting'),
      replica('rel_old', 'serving'),
      replica('rel_old', 'draining'),
    ],
  };
  assert.deepEqual(replicaCounts(app), { healthy: 2, desired: 3 });
  assert.deepEqual(replicaCounts({ replicas: 1, currentRelease: null, replicaStatus: [] }), {
    healthy: 0,
    desired: 1,
  });
});

test('ages and durations in the largest whole unit', () => {
  const now = Date.parse('2025-01-01T12:00:00Z');
  assert.equal(formatAge('2025-01-01T11:59:55Z', now), 'just now');
  assert.equal(formatAge('2025-01-01T11:59:30Z', now), '30 s ago');
  assert.equal(formatAge('2025-01-01T11:55:00Z', now), '5 min ago');
  assert.equal(formatAge('2025-01-01T09:00:00Z', now), '3 h ago');
  assert.equal(formatAge('2024-12-30T12:00:00Z', now), '2 d ago');
  assert.equal(formatAge('not a time', now), 'not a time');
  assert.equal(formatDuration('2025-01-01T12:00:00Z', '2025-01-01T12:00:42Z'), '42 s');
  assert.equal(formatDuration('2025-01-01T12:00:00Z', '2025-01-01T12:03:05Z'), '3 min 5 s');
  assert.equal(formatDuration('2025-01-01T12:00:00Z', null), null);
});

test('a future time reads as how far off it is', () => {
  const now = Date.parse('2025-01-01T12:00:00Z');
  assert.equal(formatUntil('2025-01-31T12:00:00Z', now), 'in 30 d');
  assert.equal(formatUntil('2025-01-01T12:05:00Z', now), 'in 5 min');
  assert.equal(formatUntil('2025-01-01T12:00:20Z', now), 'in 20 s');
  assert.equal(formatUntil('2024-12-31T12:00:00Z', now), '1 d ago');
  assert.equal(formatUntil('soon', now), 'soon');
});

test('a deployment runs until it succeeds, fails or is ignored', () => {
  assert.deepEqual(
    (['queued', 'preparing', 'rolling_out', 'succeeded', 'failed', 'ignored'] as const).filter(
      deploymentRunning,
    ),
    ['queued', 'preparing', 'rolling_out'],
  );
});
