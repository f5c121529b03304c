import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DesiredApp } from './agent.js';
import { PlacementConstraintText, PlacementConstraints } from './placement.js';

test('a constraint is key=value or key!=value on a label', () => {
  for (const ok of ['zone=b', 'role!=build', 'topology.kubernetes.io/zone=eu-1', 'gpu='])
    assert.equal(PlacementConstraintText.safeParse(ok).success, true, ok);
  for (const bad of [
    'zone',
    '=b',
    'zone==b',
    'zone=b c',
    'Zone=b',
    'zone=$(id)',
    'zone!b',
    `${'k'.repeat(70)}=v`,
  ])
    assert.equal(PlacementConstraintText.safeParse(bad).success, false, bad);
  assert.equal(PlacementConstraints.safeParse(Array(17).fill('zone=b')).success, false, 'at most 16');
});

test("a desired app's slots are distinct and 1-based; absent is allowed", () => {
  const base = {
    appId: 'app_wwwwwwwwwwwwwwwwwwww',
    appName: 'web',
    teamId: 'tm_tttttttttttttttttttt',
    revision: 'r',
    deploymentId: 'dep_dddddddddddddddddddd',
    release: {
      id: 'rel_aaaaaaaaaaaaaaaaaaaa',
      version: 1,
      image: 'nginx:1.27',
      imageId: 'sha256:abc',
      env: {},
      port: 8080,
      command: null,
      health: { type: 'tcp', path: '/', intervalMs: 1000, timeoutMs: 1000, probeTimeoutMs: 1000 },
      secrets: {},
      secretFiles: {},
      limits: { cpu: 1, memoryMiB: 512, pids: 512 },
    },
    replicas: 2,
    hostnames: [],
    drainTimeoutMs: 0,
    stopTimeoutMs: 0,
  };
  assert.equal(DesiredApp.safeParse(base).success, true);
  assert.equal(DesiredApp.safeParse({ ...base, slots: [2, 3] }).success, true);
  assert.equal(DesiredApp.safeParse({ ...base, slots: [] }).success, true);
  assert.equal(DesiredApp.safeParse({ ...base, slots: [2, 2] }).success, false);
  assert.equal(DesiredApp.safeParse({ ...base, slots: [0] }).success, false);
});
