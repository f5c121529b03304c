import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ContainerDetails } from '@berth/engine';
import type { EdgeRelease } from '@berth/protocol';
import { heldElsewhere, RemoteDrains } from './fleet-drain.js';

const up = (name: string) => ({ name, host: '10.210.0.2', port: 40000 });
const at = (epoch: number, run = 'run-a'): EdgeRelease => ({
  run,
  epoch,
  released: [],
  drainTimeoutMs: 30_000,
});
const SETTLE_MS = 200;

test('an edge with nothing removed reports the serving set it has applied', () => {
  const d = new RemoteDrains();
  assert.equal(d.applied(), null, 'nothing pushed yet');
  d.afterPublish({}, { web: [up('web-1')] }, at(3), 0);
  assert.deepEqual(d.applied(), { run: 'run-a', epoch: 3 });
});

test('a removed replica holds the epoch back until the edge settled and its requests ended', () => {
  const d = new RemoteDrains();
  d.afterPublish({}, { web: [up('web-1'), up('web-2')] }, at(3), 0);
  d.afterPublish({ web: [up('web-1'), up('web-2')] }, { web: [up('web-2')] }, at(4), 1000);
  assert.deepEqual(d.applied(), { run: 'run-a', epoch: 3 }, 'the removal of epoch 4 is still draining');
  d.settle(new Map(), 1000 + SETTLE_MS - 1, SETTLE_MS);
  assert.equal(d.draining, 1, 'the edge may still pick it until its upstreams refresh');
  d.settle(new Map([['web-1', 2]]), 1000 + SETTLE_MS, SETTLE_MS);
  assert.equal(d.draining, 1, 'two requests still in flight');
  d.settle(null, 5000, SETTLE_MS);
  assert.equal(d.draining, 1, 'the proxy could not be asked: nothing is assumed');
  d.settle(new Map([['web-1', 0]]), 5000, SETTLE_MS);
  assert.deepEqual(d.applied(), { run: 'run-a', epoch: 4 });
});

test('one request held open stops holding the fleet back at the drain timeout', () => {
  const d = new RemoteDrains();
  d.afterPublish({}, { web: [up('web-1')] }, at(3), 0);
  d.afterPublish({ web: [up('web-1')] }, {}, at(4), 1000);
  d.settle(new Map([['web-1', 1]]), 1000 + 29_999, SETTLE_MS);
  assert.deepEqual(d.applied()?.epoch, 3);
  d.settle(new Map([['web-1', 1]]), 1000 + 30_000, SETTLE_MS);
  assert.deepEqual(d.applied()?.epoch, 4);
});

test('later epochs are held back by the oldest removal still draining; one that comes back is no longer drained', () => {
  const d = new RemoteDrains();
  d.afterPublish({}, { web: [up('web-1'), up('web-2'), up('web-3')] }, at(3), 0);
  d.afterPublish(
    { web: [up('web-1'), up('web-2'), up('web-3')] },
    { web: [up('web-2'), up('web-3')] },
    at(5),
    10,
  );
  d.afterPublish({ web: [up('web-2'), up('web-3')] }, { web: [up('web-3')] }, at(8), 20);
  assert.equal(d.applied()?.epoch, 4);
  d.settle(new Map([['web-2', 1]]), 1000, SETTLE_MS);
  assert.equal(d.applied()?.epoch, 7, 'web-1 drained; web-2, dropped at 8, still has a request');
  d.afterPublish({ web: [up('web-3')] }, { web: [up('web-2'), up('web-3')] }, at(9), 1100);
  assert.equal(d.applied()?.epoch, 9, 'web-2 is routed again: nothing of it to wait for');
});

test('a restarted berthd numbers anew: what still drains holds back its first epoch', () => {
  const d = new RemoteDrains();
  d.afterPublish({}, { web: [up('web-1')] }, at(40), 0);
  d.afterPublish({ web: [up('web-1')] }, {}, at(41), 10);
  d.afterPublish({}, {}, at(2, 'run-b'), 20);
  assert.deepEqual(d.applied(), { run: 'run-b', epoch: 1 });
  d.settle(new Map(), 1000, SETTLE_MS);
  assert.deepEqual(d.applied(), { run: 'run-b', epoch: 2 });
});

const container = (name: string, host: string): ContainerDetails => ({
  id: `c-${name}`,
  name,
  labels: {},
  status: 'running',
  startedAtMs: 0,
  exitCode: null,
  published: { host, port: 40001 },
  pid: null,
});

test('a replica other servers reach is held until berthd releases it; one on loopback, or without a fleet, never', () => {
  const edges: EdgeRelease = { ...at(4), released: ['web-2'] };
  assert.equal(heldElsewhere(edges, container('web-1', '10.210.0.1')), true);
  assert.equal(heldElsewhere(edges, container('web-2', '10.210.0.1')), false);
  assert.equal(heldElsewhere(edges, container('web-1', '127.0.0.1')), false);
  assert.equal(heldElsewhere(undefined, container('web-1', '10.210.0.1')), false);
});
