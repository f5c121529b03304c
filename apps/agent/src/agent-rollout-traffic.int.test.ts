/**
 * Rollouts while the app serves traffic, on the agent as a whole against real parts
 * (test-support/agent-under-test.ts): no request fails, one in flight is waited for, and neither
 * load nor old replicas slow to exit hold a rollout back much longer than an idle one.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { LABELS } from '@berth/core';
import {
  createCaddyEdge,
  type ContainerDetails,
  CERTIFICATE_TABLE_FILE,
  UPSTREAM_TABLE_FILE,
} from '@berth/engine';
import type { DesiredApp } from '@berth/protocol';
import { HELLO_V1, HELLO_V2 } from '../../../test/support/images.js';
import { runLoad } from '../../../test/e2e/support/load.js';
import { HOST, state, useAgentUnderTest, waitFor } from './test-support/agent-under-test.js';

// The first timed rollout replaces serving replicas, as every later one does.
const agentUnderTest = useAgentUnderTest(({ timedRollout, desiredApp }) =>
  timedRollout('r2', 2, desiredApp('r2', 2, HELLO_V2)),
);

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

test('a rollout under 4 keep-alive clients sending back to back takes about as long as idle, and fails no request', async (t) => {
  const { httpPort, desiredApp, running, timedRollout } = agentUnderTest();
  let version = 10;
  const next = (): DesiredApp => {
    version += 1;
    return desiredApp(`r${version}`, version, version % 2 === 0 ? HELLO_V1 : HELLO_V2);
  };
  const idle: number[] = [];
  const loaded: number[] = [];
  let failed = 0;
  let served = 0;
  // Alternately, so both see the same background on a shared machine.
  for (let i = 0; i < 3; i++) {
    const quiet = next();
    idle.push(await timedRollout(quiet.revision, version, quiet));
    let deployed = (): void => undefined;
    let ended = 0;
    const load = runLoad({
      port: httpPort,
      host: HOST,
      concurrency: 4,
      until: new Promise<void>((resolve) => (deployed = resolve)),
      minRequests: 0,
      maxMs: 120_000,
      keepAlive: true,
      onEnded: () => (ended += 1),
    });
    const busy = next();
    // The clients are sending, on warm connections, before the rollout starts.
    await waitFor(() => ended >= 20, 'the clients never got going');
    loaded.push(await timedRollout(busy.revision, version, busy).finally(deployed));
    const r = await load;
    failed += r.non2xx + r.errors;
    served += r.ok;
  }
  const figures = `idle ${idle.map(Math.round).join(', ')} ms; under load ${loaded.map(Math.round).join(', ')} ms`;
  assert.equal(failed, 0, `${failed} request(s) failed during the rollouts (${figures})`);
  assert.ok(served > 100, `only ${served} requests were served (${figures})`);
  // Nothing is in flight for longer than a few ms, so the bound is 1.5× idle plus slack for a
  // loaded 2-core machine (medians of 3 have differed by ~1 s there). An old replica held until
  // its drain timeout (2 s here, each) or for its stops one after the other breaks it.
  const allowed = 1.5 * median(idle) + 1500;
  t.diagnostic(`${figures}; allowed ${Math.round(allowed)} ms; ${served} requests served`);
  assert.ok(
    median(loaded) <= allowed,
    `under load ${Math.round(median(loaded))} ms > ${Math.round(allowed)} ms (${figures})`,
  );
  await waitFor(async () => (await running()).length === 2, 'the old replicas were never removed');
});

/**
 * The host pid of the replica's web server (the entrypoint's child). Stopped with SIGSTOP it
 * accepts no connection: a request the proxy sends it waits in the listen backlog, in flight,
 * while the container stays running; SIGCONT lets it answer.
 */
async function webServerPid(containerId: string): Promise<number> {
  const entrypoint = await entrypointPid(containerId);
  const children = await readFile(`/proc/${entrypoint}/task/${entrypoint}/children`, 'utf8');
  const [pid] = children.trim().split(/\s+/).map(Number);
  assert.ok(pid, `no child process under the entrypoint (${entrypoint})`);
  return pid;
}

test('a request in flight to an old replica completes: the rollout waits for it before it stops that replica', async () => {
  const { caddy, dns, dir, engine, agent, side, get, running, outcomeOf, latestReport, desiredApp } =
    agentUnderTest();
  // Read through the proxy port, as the agent does; this one only reads; the agent's own edge publishes.
  const edge = createCaddyEdge({
    adminSocket: caddy.adminSocket,
    settings: { ...caddy.settings, responderDial: `127.0.0.1:${dns.responderPort}`, https: null },
    tablePath: join(dir, 'agent', UPSTREAM_TABLE_FILE),
    certificatesPath: join(dir, 'agent', CERTIFICATE_TABLE_FILE),
    requestTimeoutMs: 2000,
  });
  const old = (await engine.list({ [LABELS.agent]: agent.id })).filter((c) => c.status === 'running');
  assert.equal(old.length, 2, old.map((c) => c.name).join(', '));
  const [held, other] = old as [ContainerDetails, ContainerDetails];
  const oldVersion = (await get()).body.trim();
  const server = await webServerPid(held.id);
  process.kill(server, 'SIGSTOP');
  const inflight = async (): Promise<number> => (await edge.inflight()).get(held.name) ?? 0;
  let slow: Promise<{ status: number; body: string }> | undefined;
  // The proxy picks a replica at random: the first request that goes to the stopped server is kept.
  for (let i = 0; i < 30 && !slow; i++) {
    let ended = false;
    const pending = get();
    pending.then(
      () => (ended = true),
      () => (ended = true),
    );
    await waitFor(async () => ended || (await inflight()) > 0, 'a request neither answered nor in flight');
    if (ended) assert.equal((await pending).status, 200);
    else slow = pending;
  }
  assert.ok(slow, 'no request went to the replica whose server is stopped');

  const app: DesiredApp = { ...desiredApp('r31', 31, HELLO_V2), drainTimeoutMs: 60_000 };
  side.push(state(31, app));
  // The new replicas serve and the other old one, drained, is stopping or gone: the held one,
  // out of the rotation as long, waits for its request.
  await waitFor(
    () => {
      const r = latestReport('r31');
      const states = new Map(r?.replicas.map((x) => [x.name, x.state]));
      const otherState = states.get(other.name);
      return (
        states.get(held.name) === 'draining' &&
        (otherState === undefined || otherState === 'stopping') &&
        [...states.values()].filter((s) => s === 'serving').length === 2
      );
    },
    () => `the rollout never got to draining ${held.name}: ${JSON.stringify(latestReport('r31'))}`,
  );
  assert.equal(latestReport('r31')?.phase, 'rolling', 'the rollout ended with a request in flight');
  assert.ok((await running()).includes(held.name), 'the replica was stopped with a request in flight');

  process.kill(server, 'SIGCONT');
  const answer = await slow;
  assert.deepEqual(answer, { status: 200, body: `${oldVersion}\n` });
  const outcome = await outcomeOf('r31');
  assert.equal(outcome.phase, 'converged', JSON.stringify(outcome));
  await waitFor(async () => !(await running()).includes(held.name), `${held.name} was never removed`);
});

/** The host pid of the replica's entrypoint (its PID 1). */
async function entrypointPid(containerId: string): Promise<number> {
  const { podman } = agentUnderTest();
  const inspected = await new Promise<string>((resolve, reject) => {
    const req = request({ socketPath: podman.socketPath, path: `/containers/${containerId}/json` }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
  return (JSON.parse(inspected) as { State: { Pid: number } }).State.Pid;
}

test('old replicas that take their whole stop timeout to exit do not hold the rollout back', async (t) => {
  const { engine, agent, get, running, timedRollout, desiredApp } = agentUnderTest();
  const idle = await timedRollout('r40', 40, desiredApp('r40', 40, HELLO_V1));
  // Stopped with SIGSTOP, the entrypoint acts on SIGTERM only when continued: like an app that
  // finishes its work first, each old replica exits at the stop timeout (2 s here), by SIGKILL,
  // while its web server goes on answering until then.
  const old = (await engine.list({ [LABELS.agent]: agent.id })).filter((c) => c.status === 'running');
  assert.equal(old.length, 2, old.map((c) => c.name).join(', '));
  for (const c of old) process.kill(await entrypointPid(c.id), 'SIGSTOP');
  const slowToExit = await timedRollout('r41', 41, desiredApp('r41', 41, HELLO_V2));
  t.diagnostic(`idle ${Math.round(idle)} ms; with old replicas slow to exit ${Math.round(slowToExit)} ms`);
  // Stops one after the other inside the rollout would add 2 × 2 s.
  assert.ok(
    slowToExit <= 1.5 * idle + 1500,
    `${Math.round(slowToExit)} ms with old replicas slow to exit vs ${Math.round(idle)} ms idle`,
  );
  assert.match((await get()).body, /hello v2/);
  const names = new Set(old.map((c) => c.name));
  await waitFor(
    async () => !(await running()).some((n) => names.has(n)),
    'the old replicas were never removed',
  );
});
