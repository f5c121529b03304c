import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LABELS } from '@berth/core';
import type { ContainerDetails } from '@berth/engine';
import { pickReplica } from './exec.js';

const container = (
  name: string,
  slot: string,
  status: ContainerDetails['status'] = 'running',
  startedAtMs = 1,
): ContainerDetails => ({
  id: `id-${name}`,
  name,
  labels: { [LABELS.slot]: slot },
  status,
  startedAtMs,
  exitCode: null,
  published: null,
  pid: null,
});

test('without a slot, the lowest running replica; with one, that replica', () => {
  const list = [container('web-3', '3'), container('web-2', '2'), container('web-1', '1', 'exited')];
  assert.equal(pickReplica(list, null)?.name, 'web-2', 'a stopped replica is no candidate');
  assert.equal(pickReplica(list, 3)?.name, 'web-3');
});

test('during a rollout, the newest container of the slot', () => {
  const list = [container('web-1-old', '1', 'running', 100), container('web-1-new', '1', 'running', 200)];
  assert.equal(pickReplica(list, 1)?.name, 'web-1-new');
});

test('no running replica, a missing slot or a container without a slot label: none', () => {
  assert.equal(pickReplica([], null), null);
  assert.equal(pickReplica([container('web-1', '1')], 2), null);
  assert.equal(pickReplica([container('stray', 'x')], null), null);
});
