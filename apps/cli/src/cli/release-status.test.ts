import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Deployment } from '@berth/protocol';
import { releaseStatuses } from './release-status.js';

type D = Pick<Deployment, 'releaseId' | 'status'>;
const rel = (id: string, current = false) => ({ id, current });
const dep = (releaseId: string, status: Deployment['status']): D => ({ releaseId, status });

test('serving, previous, failed, superseded: what each release is to the app', () => {
  // Newest first: v4 failed, v3 serves, v2 served before it, v1 long ago.
  const statuses = releaseStatuses(
    [rel('v4'), rel('v3', true), rel('v2'), rel('v1')],
    [dep('v4', 'failed'), dep('v3', 'succeeded'), dep('v2', 'succeeded'), dep('v1', 'succeeded')],
  );
  assert.deepEqual(Object.fromEntries(statuses), {
    v4: 'failed',
    v3: 'serving',
    v2: 'previous',
    v1: 'superseded',
  });
});

test('after a rollback, previous is the release it left', () => {
  // v2 deployed, then rolled back to v1 (a rollback deployment of v1).
  const statuses = releaseStatuses(
    [rel('v2'), rel('v1', true)],
    [dep('v1', 'succeeded'), dep('v2', 'succeeded'), dep('v1', 'succeeded')],
  );
  assert.deepEqual(Object.fromEntries(statuses), { v2: 'previous', v1: 'serving' });
});

test('a deployment under way, an ignored one, and releases older than the history', () => {
  const statuses = releaseStatuses(
    [rel('v4'), rel('v3'), rel('v2', true), rel('v1')],
    [dep('v4', 'rolling_out'), dep('v3', 'ignored'), dep('v2', 'succeeded')],
  );
  assert.deepEqual(Object.fromEntries(statuses), {
    v4: 'deploying',
    v3: 'ignored',
    v2: 'serving',
    v1: '-',
  });
});

test('a release that failed once but served later is not failed', () => {
  const statuses = releaseStatuses(
    [rel('v2', true), rel('v1')],
    [dep('v2', 'succeeded'), dep('v2', 'failed'), dep('v1', 'succeeded')],
  );
  assert.equal(statuses.get('v2'), 'serving');
  assert.equal(statuses.get('v1'), 'previous');
});
