import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AgentReport, AppReport, ReplicaReport } from '@berth/protocol';
import { appsWithChangedReplicas } from './replica-summary.js';

const replica = (
  slot: number,
  state: ReplicaReport['state'],
  releaseId = 'rel_aaaaaaaaaaaaaaaaaaaa',
): ReplicaReport => ({
  name: `berth-web-1-${slot}`,
  containerId: `c${slot}`,
  releaseId,
  slot,
  state,
});
const app = (
  appId: string,
  replicas: ReplicaReport[],
  phase: AppReport['phase'] = 'converged',
): AppReport => ({
  appId,
  revision: 'r1',
  phase,
  failure: null,
  replicas,
});
const report = (...apps: AppReport[]): AgentReport => ({ desiredVersion: 1, apps });

test('the same replicas again, in another order or with another container id, change nothing', () => {
  const before = report(app('app_a', [replica(1, 'healthy'), replica(2, 'healthy')]));
  const after = report(
    app('app_a', [{ ...replica(2, 'healthy'), containerId: 'other' }, replica(1, 'healthy')], 'rolling'),
  );
  assert.deepEqual(appsWithChangedReplicas(before, after), []);
});

test('a replica that changes state, release or goes, and an app that comes or goes, are changes', () => {
  const before = report(
    app('app_a', [replica(1, 'starting')]),
    app('app_b', [replica(1, 'healthy')]),
    app('app_c', [replica(1, 'healthy'), replica(2, 'healthy')]),
    app('app_d', [replica(1, 'healthy')]),
  );
  const after = report(
    app('app_a', [replica(1, 'healthy')]),
    app('app_b', [replica(1, 'healthy', 'rel_bbbbbbbbbbbbbbbbbbbb')]),
    app('app_c', [replica(1, 'healthy')]),
    app('app_e', [replica(1, 'created')]),
  );
  assert.deepEqual(appsWithChangedReplicas(before, after), ['app_a', 'app_b', 'app_c', 'app_d', 'app_e']);
});

test("a server's first report and its link's end change every app it runs", () => {
  const only = report(app('app_a', [replica(1, 'healthy')]));
  assert.deepEqual(appsWithChangedReplicas(null, only), ['app_a']);
  assert.deepEqual(appsWithChangedReplicas(only, null), ['app_a']);
  assert.deepEqual(appsWithChangedReplicas(null, null), []);
});
