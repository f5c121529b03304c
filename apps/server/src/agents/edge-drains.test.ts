import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AgentReport, EdgeEpoch, ReplicaReport } from '@berth/protocol';
import { createEdgeDrains } from './edge-drains.js';

interface Reporting {
  serverId: string;
  report: AgentReport | null;
}

const replica = (name: string, state: ReplicaReport['state']): ReplicaReport => ({
  name,
  containerId: `c-${name}`,
  releaseId: 'rel_1',
  slot: 1,
  state,
  endpoint: state === 'serving' ? { host: '10.210.0.1', port: 40001 } : null,
});

function fleet() {
  const sessions = new Map<string, Reporting>();
  const drains = createEdgeDrains(sessions, 30_000);
  const report = (serverId: string, replicas: ReplicaReport[], edgeEpoch: EdgeEpoch | null = null): void => {
    const s = {
      serverId,
      report: {
        desiredVersion: 1,
        apps: [{ appId: 'app_w', revision: 'r', phase: 'converged' as const, failure: null, replicas }],
        edgeEpoch,
      },
    };
    sessions.set(serverId, s);
    drains.reported(s);
  };
  const applied = (serverId: string, epoch: EdgeEpoch): void => {
    const s = sessions.get(serverId);
    assert.ok(s?.report);
    sessions.set(serverId, { ...s, report: { ...s.report, edgeEpoch: epoch } });
  };
  return { sessions, drains, report, applied };
}

test('a replica that left service is released once every other edge has applied the epoch that left it out', () => {
  const { drains, report, applied } = fleet();
  report('srv_a', [replica('web-1', 'serving')]);
  report('srv_b', []);
  report('srv_c', []);
  const before = drains.current();
  for (const id of ['srv_a', 'srv_b', 'srv_c']) applied(id, before);
  // srv_a takes web-1 out of its own edge: the gateway sees a new serving set (pushed to every
  // edge) before it records what the report says left.
  drains.servingChanged();
  report('srv_a', [replica('web-2', 'serving'), replica('web-1', 'draining')], before);
  const dropped = drains.current();
  assert.equal(dropped.epoch, before.epoch + 1);
  assert.deepEqual(drains.due(), []);
  applied('srv_b', dropped);
  assert.deepEqual(drains.due(), [], 'srv_c may still send web-1 requests');
  applied('srv_c', dropped);
  assert.deepEqual(drains.due(), ['srv_a']);
  assert.deepEqual(drains.releaseFor('srv_a', dropped), {
    ...dropped,
    released: ['web-1'],
    drainTimeoutMs: 30_000,
  });
  assert.deepEqual(drains.due(), [], 'told once');
});

test('an edge that has not reported, or reports an epoch of an earlier berthd, holds every release', () => {
  const { drains, report, applied } = fleet();
  report('srv_a', [replica('web-1', 'draining')]);
  report('srv_b', []);
  assert.deepEqual(drains.due(), []);
  applied('srv_b', { run: 'an-earlier-berthd', epoch: 1_000 });
  assert.deepEqual(drains.due(), []);
  applied('srv_b', drains.current());
  assert.deepEqual(drains.due(), ['srv_a']);
});

test('a server alone in the fleet has its replicas released at once; a link that ends stops holding others', () => {
  const { sessions, drains, report } = fleet();
  report('srv_a', [replica('web-1', 'draining')]);
  assert.deepEqual(drains.releaseFor('srv_a', drains.current()).released, ['web-1']);
  report('srv_b', []);
  report('srv_a', [replica('web-1', 'stopping'), replica('web-3', 'draining')]);
  assert.deepEqual(drains.releaseFor('srv_a', drains.current()).released, [], 'srv_b has applied nothing');
  sessions.delete('srv_b');
  drains.disconnected('srv_b');
  assert.deepEqual(drains.due(), ['srv_a']);
  assert.deepEqual(drains.releaseFor('srv_a', drains.current()).released, ['web-1', 'web-3']);
});

test('a replica that is gone, or serves again, is forgotten; starting replicas are never listed', () => {
  const { drains, report, applied } = fleet();
  report('srv_b', []);
  report('srv_a', [replica('web-1', 'draining'), replica('web-2', 'starting')]);
  drains.servingChanged();
  report('srv_a', [replica('web-1', 'serving'), replica('web-2', 'starting')]);
  applied('srv_b', drains.current());
  assert.deepEqual(drains.releaseFor('srv_a', drains.current()).released, []);
  report('srv_a', [replica('web-1', 'draining')]);
  assert.deepEqual(drains.releaseFor('srv_a', drains.current()).released, ['web-1']);
  report('srv_a', []);
  assert.deepEqual(drains.due(), []);
});
