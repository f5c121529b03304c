/**
 * Pushes of desired state to the agent as a whole, against real parts (test-support/agent-under-test.ts):
 * a push is planned and applied into serving replicas; a new release rolls; an older push is
 * ignored; a release that never gets healthy fails with its logs while the old one serves; a
 * paused replica is not replaced.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { LABELS } from '@berth/core';
import type { DesiredState } from '@berth/protocol';
import { HELLO_V1, HELLO_V2 } from '../../../test/support/images.js';
import { state, useAgentUnderTest } from './test-support/agent-under-test.js';

const agentUnderTest = useAgentUnderTest();

test('a pushed app is started, health-checked, routed through the proxy and reported converged', async () => {
  const { side, dir, get, running, outcomeOf, desiredApp } = agentUnderTest();
  side.push(state(1, desiredApp('r1', 1, HELLO_V1)));
  const outcome = await outcomeOf('r1');
  assert.equal(outcome.phase, 'converged', JSON.stringify(outcome));
  assert.deepEqual(
    outcome.replicas.map((r) => r.state),
    ['serving', 'serving'],
  );
  assert.match((await get()).body, /hello v1/);
  assert.equal((await running()).length, 2);
  const events = side.received.flatMap((m) => (m.type === 'event' ? [m.event.message] : []));
  assert.ok(
    events.some((e) => /^Started berth-web-v1-.* waiting for its health check$/.test(e)),
    events.join('\n'),
  );
  assert.ok(
    events.some((e) => /is healthy and now serves traffic$/.test(e)),
    events.join('\n'),
  );
  // What the agent keeps across restarts: the state it was given.
  const memory = JSON.parse(await readFile(join(dir, 'agent', 'state.json'), 'utf8')) as {
    desired: DesiredState;
    outcomes: Record<string, string>;
  };
  assert.equal(memory.desired.version, 1);
  assert.equal(memory.outcomes.r1, 'converged');
});

test('a new release rolls: new replicas serve, the old ones leave; an older push is ignored', async () => {
  const { side, dir, images, get, running, outcomeOf, desiredApp } = agentUnderTest();
  side.push(state(2, desiredApp('r2', 2, HELLO_V2)));
  const outcome = await outcomeOf('r2');
  assert.equal(outcome.phase, 'converged', JSON.stringify(outcome));
  assert.match((await get()).body, /hello v2/);
  const names = await running();
  assert.equal(names.length, 2);
  assert.ok(
    names.every((n) => n.startsWith('berth-web-v2-')),
    names.join(', '),
  );

  side.push(state(1, desiredApp('r1', 1, HELLO_V1)));
  // Messages are handled in order: once this answers, the old push was seen (and ignored).
  const resolved = await side.call({ method: 'image.resolve', params: { ref: HELLO_V2 } });
  assert.deepEqual(resolved, {
    type: 'rpc.result',
    id: resolved.type === 'rpc.result' ? resolved.id : -1,
    result: { imageId: images[HELLO_V2], pulled: false, builtFor: null },
  });
  const memory = JSON.parse(await readFile(join(dir, 'agent', 'state.json'), 'utf8')) as {
    desired: DesiredState;
  };
  assert.equal(memory.desired.version, 2);
  assert.match((await get()).body, /hello v2/);
});

test('a release that never gets healthy fails with the reason and its logs; the old one keeps serving', async () => {
  const { side, get, outcomeOf, desiredApp } = agentUnderTest();
  side.push(state(3, desiredApp('r3', 3, HELLO_V1, { path: '/no-such-page', timeoutMs: 3000 })));
  const outcome = await outcomeOf('r3');
  assert.equal(outcome.phase, 'failed', JSON.stringify(outcome));
  assert.equal(outcome.failure?.code, 'DEPLOY_HEALTHCHECK_FAILED', JSON.stringify(outcome.failure));
  assert.ok(
    outcome.failure?.logs.some((l) => /response:404/.test(l)),
    JSON.stringify(outcome.failure?.logs),
  );
  assert.match((await get()).body, /hello v2/);
});

test('a paused replica is frozen, not dead: the agent keeps it, and once unpaused it serves again', async () => {
  const { engine, agent, podman, get, running } = agentUnderTest();
  // The serving replicas of v2 (the failed v3 replica of the test before may still be stopping).
  const servingIds = async (): Promise<string[]> =>
    (await engine.list({ [LABELS.agent]: agent.id }))
      .filter((c) => c.name.startsWith('berth-web-v2-'))
      .map((c) => c.id)
      .sort();
  const before = await servingIds();
  assert.equal(before.length, 2);
  const [victim] = await running();
  const podmanCli = (...args: string[]) =>
    promisify(execFile)('podman', ['--remote', '--url', `unix://${podman.socketPath}`, ...args]);
  await podmanCli('pause', victim!);
  // Several reconciler passes and health probes (200 ms interval) while it is frozen.
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const during = await servingIds();
  await podmanCli('unpause', victim!);
  assert.deepEqual(during, before, 'no replica was replaced while one was paused');
  for (let i = 0; i < 6; i++) assert.match((await get()).body, /hello v2/);
  assert.deepEqual(await servingIds(), before);
});
