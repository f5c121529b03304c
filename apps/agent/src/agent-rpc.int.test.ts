/**
 * RPCs from berthd's side to the agent as a whole, against real parts
 * (test-support/agent-under-test.ts), on an app it runs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HELLO_V1 } from '../../../test/support/images.js';
import { APP_ID, useAgentUnderTest } from './test-support/agent-under-test.js';

// Replicas whose lines the logs RPC streams.
const agentUnderTest = useAgentUnderTest(({ timedRollout, desiredApp }) =>
  timedRollout('r1', 1, desiredApp('r1', 1, HELLO_V1)),
);

test("RPCs: an unknown image is an error with a code; logs stream the replicas' lines, then end", async () => {
  const { side } = agentUnderTest();
  const missing = await side.call({
    method: 'image.resolve',
    params: { ref: 'localhost/berth-no-such-image:1' },
  });
  assert.equal(missing.type, 'rpc.error', JSON.stringify(missing));
  assert.equal(
    missing.type === 'rpc.error' && missing.error.code,
    'DEPLOY_IMAGE_NOT_FOUND',
    JSON.stringify(missing),
  );

  const before = side.received.length;
  const end = await side.call({ method: 'logs', params: { appId: APP_ID, tail: 5, follow: false } });
  assert.equal(end.type, 'rpc.end');
  const lines = side.received
    .slice(before)
    .flatMap((m) => (m.type === 'rpc.chunk' && m.id === end.id ? m.lines : []));
  assert.ok(lines.length > 0, 'no log lines');
  assert.ok(
    lines.every((l) => l.replica.startsWith('berth-web-')),
    JSON.stringify(lines),
  );
});
