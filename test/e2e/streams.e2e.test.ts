/**
 * Issue 8, item 10: 3,000 `logs --follow` attempts with one operator token once took `GET /apps`
 * from 20 ms to 3.3 s and made Podman stop answering. Against a real `berth up`: the flood is
 * refused past the per-principal cap, the API's latency stays near idle, Podman keeps answering,
 * and the followers that were admitted still get every new line.
 */
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { createDockerApiEngine, pingEngineSocket } from '@berth/engine';
import { ensureExampleImages, HELLO_V1 } from '../support/images.js';
import { BerthUnderTest } from './support/berth.js';
import type { FloodReply, FloodRequest } from './support/stream-flood-child.js';
import { percentile, startLatencySampler } from './support/stream-flood.js';

const CHILD = fileURLToPath(new URL('./support/stream-flood-child.ts', import.meta.url));
const ATTEMPTS = 3000;
/** berthd's default BERTHD_MAX_STREAMS_PER_PRINCIPAL. */
const PER_PRINCIPAL = 32;
/**
 * The latency bound under the flood. Idle, GET /apps answers in ~4 ms here; a 2-core machine
 * that other work shares adds tens of ms of scheduling noise, so the bound is absolute (250 ms
 * at p95, where the issue saw 3.3 s) plus a factor of idle that the noise cannot reach.
 */
const P95_BOUND_MS = 250;
const IDLE_FACTOR = 10;

/** Sends a request to the flood process and waits for the reply of that kind. */
function ask<K extends FloodReply['kind']>(
  child: ChildProcess,
  request: FloodRequest,
  kind: K,
): Promise<Extract<FloodReply, { kind: K }>> {
  return new Promise((resolve) => {
    const onMessage = (m: FloodReply): void => {
      if (m.kind !== kind) return;
      child.off('message', onMessage);
      resolve(m as Extract<FloodReply, { kind: K }>);
    };
    child.on('message', onMessage);
    child.send(request);
  });
}

describe('log-follow streams cannot stall the API or the engine', () => {
  let berth: BerthUnderTest;
  let token: string;
  let engineSocket: string;
  let flood: ChildProcess | null = null;

  before(async () => {
    await ensureExampleImages();
    berth = await BerthUnderTest.create();
    await berth.start();
    engineSocket =
      /(\/\S+\.sock)/.exec(berth.output.split('\n').find((l) => /Engine/.test(l)) ?? '')?.[1] ?? '';
    assert.ok(engineSocket, `no engine socket in:\n${berth.output}`);
    const created = await berth.cli([
      'apps',
      'create',
      'web',
      '--image',
      HELLO_V1,
      '--port',
      '8080',
      '--replicas',
      '2',
    ]);
    assert.equal(created.code, 0, created.stderr);
    const deployed = await berth.cli(['deploy', 'web']);
    assert.equal(deployed.code, 0, deployed.stdout + deployed.stderr);
    token = (await berth.json<{ token: string }>(['tokens', 'create', 'flood', '--role', 'operator'])).token;
  });
  after(async () => {
    if (flood?.connected) await ask(flood, { kind: 'close' }, 'closed');
    flood?.kill();
    await berth?.destroy();
  });

  test(`${ATTEMPTS} follow attempts: ${PER_PRINCIPAL} held, the rest refused, GET /apps and Podman answer`, async () => {
    const admin = await berth.token();
    const sampler = () =>
      startLatencySampler({
        port: berth.apiPort,
        path: '/api/v1/apps',
        token: admin,
        gapMs: 10,
        maxMs: 60_000,
      });
    const idleSampler = await sampler();
    await new Promise((r) => setTimeout(r, 2000));
    await idleSampler.stop();
    const idle = idleSampler.samples;

    const during = await sampler();
    const pings: number[] = [];
    let pinging = true;
    const pinger = (async () => {
      while (pinging) {
        const t0 = performance.now();
        assert.ok(await pingEngineSocket(engineSocket, 5000), 'Podman answers /_ping during the flood');
        pings.push(performance.now() - t0);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    flood = fork(CHILD, [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const result = await ask(
      flood,
      {
        kind: 'flood',
        options: {
          port: berth.apiPort,
          path: '/api/v1/apps/web/logs?follow=1&tail=1',
          token,
          attempts: ATTEMPTS,
          concurrency: ATTEMPTS,
          maxMs: 50_000,
        },
      },
      'flooded',
    );
    // Keep measuring a moment with the admitted streams held open.
    await new Promise((r) => setTimeout(r, 1000));
    pinging = false;
    await Promise.all([during.stop(), pinger]);

    const figures = {
      idle: { n: idle.length, p50: percentile(idle, 50), p95: percentile(idle, 95) },
      during: {
        n: during.samples.length,
        p50: percentile(during.samples, 50),
        p95: percentile(during.samples, 95),
        max: Math.max(...during.samples),
      },
      podmanPing: { n: pings.length, p95: percentile(pings, 95), max: Math.max(...pings) },
      flood: { ms: result.ms, statuses: result.statuses, errors: result.errors },
    };
    console.log(JSON.stringify(figures));

    assert.equal(result.statuses['200'], PER_PRINCIPAL, JSON.stringify(figures));
    assert.equal(result.statuses['429'], ATTEMPTS - PER_PRINCIPAL, JSON.stringify(figures));
    const refusal = result.refusals[0];
    assert.equal(refusal?.retryAfter, '5');
    assert.match(refusal?.body ?? '', /You have 32 streams open .*the limit is 32 per user or token/);

    assert.ok(during.samples.length >= 20, JSON.stringify(figures));
    assert.ok(figures.during.p95 < P95_BOUND_MS, `p95 under the flood: ${JSON.stringify(figures)}`);
    assert.ok(
      figures.during.p95 < Math.max(figures.idle.p95 * IDLE_FACTOR, 50),
      `p95 within ${IDLE_FACTOR}x of idle: ${JSON.stringify(figures)}`,
    );
    assert.ok(figures.podmanPing.max < 1000, `Podman kept answering: ${JSON.stringify(figures)}`);
    const engine = createDockerApiEngine({ socketPath: engineSocket, timeoutMs: 5000 });
    const mine = { 'berth.agent': await berth.agentId(), 'berth.app.name': 'web' };
    assert.equal((await engine.list(mine)).length, 2, 'the engine lists the containers');
  });

  test('the admitted followers still get every new line; one more follow is told the limit', async () => {
    assert.ok(flood);
    // The agent's health checks log lines too; the 404s below are the only 404s.
    const counts = { kind: 'counts', pattern: 'response:404' } as const;
    const before = await ask(flood, counts, 'counts');
    assert.equal(before.lines.length, PER_PRINCIPAL);
    assert.equal(before.closed, 0);
    // busybox httpd logs each request's status: three 404s are three new lines across the replicas.
    assert.deepEqual(new Set(before.lines), new Set([0]));
    for (let i = 0; i < 3; i++) assert.equal((await berth.get('web', `/flood-${i}`)).status, 404);
    const deadline = Date.now() + 10_000;
    let now = before;
    while (now.lines.some((n, i) => n < (before.lines[i] ?? 0) + 3) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      now = await ask(flood, counts, 'counts');
    }
    assert.deepEqual(
      now.lines.map((n, i) => n - (before.lines[i] ?? 0)),
      Array.from({ length: PER_PRINCIPAL }, () => 3),
      'every admitted follower got the three new lines, once each',
    );

    const refused = await berth.cli(['logs', 'web', '--follow', '--token', token]);
    assert.equal(refused.code, 1, refused.stdout + refused.stderr);
    assert.match(refused.stderr, /You have 32 streams open .*the limit is 32 per user or token/);
    assert.match(refused.stderr, /BERTHD_MAX_STREAMS_PER_PRINCIPAL/);

    await ask(flood, { kind: 'close' }, 'closed');
    flood = null;
    // The slots came back with the closed connections.
    const deadlineAfter = Date.now() + 5_000;
    let again = await berth.cli(['logs', 'web', '--tail', '1', '--token', token]);
    while (again.code !== 0 && Date.now() < deadlineAfter) {
      await new Promise((r) => setTimeout(r, 100));
      again = await berth.cli(['logs', 'web', '--tail', '1', '--token', token]);
    }
    assert.equal(again.code, 0, again.stderr);
  });
});
