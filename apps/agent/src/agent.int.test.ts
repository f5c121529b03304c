/**
 * The agent as a whole, against real parts: Podman, Caddy and the upstream DNS service, and a
 * real WebSocket server on berthd's side of the link. A push of desired state is planned and
 * applied into serving replicas; a new release rolls; a release that never gets healthy fails
 * with its logs while the old one serves; an older push is ignored; RPCs answer.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { LABELS } from '@berth/core';
import {
  createCaddyEdge,
  createDockerApiEngine,
  type ContainerDetails,
  startEdgeService,
  CERTIFICATE_TABLE_FILE,
  type ContainerEngine,
  type EdgeService,
  UPSTREAM_TABLE_FILE,
} from '@berth/engine';
import type { AppReport, DesiredApp, DesiredState } from '@berth/protocol';
import { pino } from 'pino';
import { testBuilderDir } from '../../../test/support/builder.js';
import { startTestCaddy, type TestCaddy } from '../../../test/support/caddy.js';
import { ensureExampleImages, HELLO_PORT, HELLO_V1, HELLO_V2 } from '../../../test/support/images.js';
import { removeContainersByLabel, startTestPodman, type TestPodman } from '../../../test/support/podman.js';
import { startAgent, type RunningAgent } from './agent.js';
import { parseAgentConfig } from './config.js';
import { runLoad } from '../../../test/e2e/support/load.js';
import { startBerthdSide, type BerthdSide } from './test-support/berthd-side.js';

const base32 = (): string =>
  [...randomBytes(20)].map((b) => 'abcdefghijklmnopqrstuvwxyz234567'[b % 32]).join('');
const APP_ID = `app_${base32()}`;
const TEAM_ID = `tea_${base32()}`;
const HOST = `web-${process.pid}.test`;

let dir: string;
let podman: TestPodman;
let caddy: TestCaddy;
let dns: EdgeService;
let engine: ContainerEngine;
let side: BerthdSide;
let agent: RunningAgent;
let httpPort: number;
const images: Record<string, string> = {};

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const address = s.address();
  await new Promise((resolve) => s.close(resolve));
  return typeof address === 'object' && address ? address.port : 0;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-agent-'));
  httpPort = await freePort();
  [podman, caddy] = await Promise.all([
    startTestPodman(join(dir, 'podman')),
    startTestCaddy(join(dir, 'caddy'), { httpPort, upstreamRefreshMs: 100 }),
    ensureExampleImages(),
  ]);
  engine = createDockerApiEngine({ socketPath: podman.socketPath, timeoutMs: 10_000 });
  for (const ref of [HELLO_V1, HELLO_V2]) images[ref] = (await engine.resolveImage(ref)).imageId;
  const secret = randomBytes(32).toString('base64url');
  dns = await startEdgeService({
    dnsSocket: caddy.settings.dnsSocket,
    tablePath: join(dir, 'agent', UPSTREAM_TABLE_FILE),
    responderPort: 0,
    certificates: { tablePath: join(dir, 'agent', CERTIFICATE_TABLE_FILE), port: 0, secret },
  });
  const certificatePort = Number(new URL(dns.certificateUrl).port);
  side = await startBerthdSide();
  const welcomed = side.welcomed();
  const config = parseAgentConfig({
    BERTH_AGENT_DATA_DIR: join(dir, 'agent'),
    BERTH_AGENT_SERVER_URL: side.url,
    BERTH_AGENT_ENGINE_SOCKET: podman.socketPath,
    BERTH_AGENT_CADDY_ADMIN: caddy.adminSocket,
    BERTH_AGENT_DNS_SOCKET: caddy.settings.dnsSocket,
    BERTH_AGENT_HTTP_LISTEN: caddy.settings.httpListen,
    BERTH_AGENT_UPSTREAM_REFRESH_MS: '100',
    BERTH_EDGE_RESPONDER_PORT: String(dns.responderPort),
    BERTH_EDGE_CERTIFICATE_PORT: String(certificatePort),
    BERTH_EDGE_CERTIFICATE_SECRET: secret,
    BERTH_AGENT_BUILDER_DIR: testBuilderDir(process.env),
    PATH: process.env.PATH,
  });
  agent = await startAgent(config, pino({ level: 'silent' }));
  await welcomed;
});

after(async () => {
  await agent?.stop();
  await side?.close();
  if (podman && agent) {
    await removeContainersByLabel(podman.socketPath, `${LABELS.agent}=${agent.id}`);
    for (const net of await engine.listNetworks({ [LABELS.agent]: agent.id }).catch(() => []))
      await engine.removeNetwork(net.name).catch(() => undefined);
    for (const table of [`berth_apps_${agent.id}`, `berth_build_${agent.id}`])
      await promisify(execFile)('nft', ['delete', 'table', 'inet', table]).catch(() => undefined);
  }
  await dns?.close();
  await caddy?.stop();
  await podman?.stop();
  await rm(dir, { recursive: true, force: true });
});

function desiredApp(
  revision: string,
  version: number,
  image: string,
  health: Partial<DesiredApp['release']['health']> = {},
): DesiredApp {
  return {
    appId: APP_ID,
    appName: 'web',
    teamId: TEAM_ID,
    revision,
    deploymentId: `dep_${base32()}`,
    release: {
      id: `rel_${base32()}`,
      version,
      image,
      imageId: images[image]!,
      env: {},
      port: HELLO_PORT,
      command: null,
      health: {
        type: 'http',
        path: '/',
        intervalMs: 200,
        timeoutMs: 30_000,
        probeTimeoutMs: 1000,
        ...health,
      },
      secrets: {},
      secretFiles: {},
      limits: { cpu: 0.5, memoryMiB: 128, pids: 256 },
    },
    replicas: 2,
    hostnames: [HOST],
    drainTimeoutMs: 2000,
    stopTimeoutMs: 2000,
  };
}

const state = (version: number, ...apps: DesiredApp[]): DesiredState => ({ version, apps });

/** The agent's latest report of the app's rollout of `revision`, once it is not rolling any more. */
async function outcomeOf(revision: string, timeoutMs = 90_000): Promise<AppReport> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const report = side
      .reports()
      .flatMap((r) => r.apps)
      .findLast((a) => a.revision === revision && a.phase !== 'rolling');
    if (report) return report;
    assert.ok(
      Date.now() < deadline,
      `revision ${revision} never ended: ${JSON.stringify(side.reports().at(-1))}`,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function get(path = '/'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: httpPort, path, headers: { host: HOST } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function running(): Promise<string[]> {
  const cs = await engine.list({ [LABELS.agent]: agent.id });
  return cs
    .filter((c) => c.status === 'running')
    .map((c) => c.name)
    .sort();
}

test('a pushed app is started, health-checked, routed through the proxy and reported converged', async () => {
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

test("RPCs: an unknown image is an error with a code; logs stream the replicas' lines, then end", async () => {
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

/** Pushes the release and times push → the agent's report of it converged. */
async function timedRollout(revision: string, version: number, app: DesiredApp): Promise<number> {
  const started = performance.now();
  side.push(state(version, app));
  const outcome = await outcomeOf(revision);
  assert.equal(outcome.phase, 'converged', JSON.stringify(outcome));
  return performance.now() - started;
}

async function waitFor(
  condition: () => boolean | Promise<boolean>,
  message: string | (() => string),
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    assert.ok(Date.now() < deadline, typeof message === 'string' ? message : message());
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

test('a rollout under 4 keep-alive clients sending back to back takes about as long as idle, and fails no request', async (t) => {
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
  const { State } = JSON.parse(inspected) as { State: { Pid: number } };
  const children = await readFile(`/proc/${State.Pid}/task/${State.Pid}/children`, 'utf8');
  const [pid] = children.trim().split(/\s+/).map(Number);
  assert.ok(pid, `no child process under the entrypoint (${State.Pid})`);
  return pid;
}

function latestReport(revision: string): AppReport | undefined {
  return side
    .reports()
    .flatMap((r) => r.apps)
    .findLast((a) => a.revision === revision);
}

test('a request in flight to an old replica completes: the rollout waits for it before it stops that replica', async () => {
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
