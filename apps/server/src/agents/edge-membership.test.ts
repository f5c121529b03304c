import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AgentReport, ReplicaReport } from '@berth/protocol';
import { servingElsewhere, servingSignature } from './edge-membership.js';

const replica = (name: string, state: ReplicaReport['state'], endpoint: ReplicaReport['endpoint']) => ({
  name,
  containerId: `c-${name}`,
  releaseId: 'rel_1',
  slot: 1,
  state,
  endpoint,
});
const session = (serverId: string, replicas: ReplicaReport[]) => ({
  serverId,
  report: {
    desiredVersion: 1,
    apps: [{ appId: 'app_w', revision: 'r', phase: 'converged', failure: null, replicas }],
  } satisfies AgentReport,
});

const s1 = session('srv_1', [replica('berth-web-v1-a-1', 'serving', { host: '10.0.0.1', port: 40001 })]);
const s2 = session('srv_2', [
  replica('berth-web-v1-a-2', 'serving', { host: '10.0.0.2', port: 40002 }),
  // Leaving: out of its own edge already, so out of every edge.
  replica('berth-web-v1-a-3', 'draining', { host: '10.0.0.2', port: 40003 }),
  // Published on loopback: its own server's edge only.
  replica('berth-web-v1-a-4', 'serving', null),
]);

test("an app's serving replicas on the other servers, at their private addresses", () => {
  assert.deepEqual(servingElsewhere([s1, s2], 'app_w', 'srv_3'), [
    { name: 'berth-web-v1-a-1', host: '10.0.0.1', port: 40001 },
    { name: 'berth-web-v1-a-2', host: '10.0.0.2', port: 40002 },
  ]);
  assert.deepEqual(servingElsewhere([s1, s2], 'app_w', 'srv_1'), [
    { name: 'berth-web-v1-a-2', host: '10.0.0.2', port: 40002 },
  ]);
  assert.deepEqual(servingElsewhere([s1, s2], 'app_other', 'srv_3'), []);
  assert.deepEqual(servingElsewhere([{ serverId: 'srv_4', report: null }], 'app_w', 'srv_3'), []);
});

test('the signature changes when a replica starts or stops serving, not when its order does', () => {
  const before = servingSignature([s1, s2]);
  assert.equal(servingSignature([s2, s1]), before);
  const drained = session('srv_1', [
    replica('berth-web-v1-a-1', 'draining', { host: '10.0.0.1', port: 40001 }),
  ]);
  assert.notEqual(servingSignature([drained, s2]), before);
  assert.notEqual(servingSignature([s2]), before, 'a server whose link ended takes its replicas with it');
});
