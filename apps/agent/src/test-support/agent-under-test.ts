/**
 * The agent as a whole, against real parts, for the agent-*.int.test.ts files: Podman, Caddy and
 * the upstream DNS service, and a real WebSocket server on berthd's side of the link. Each file
 * starts one in `before` and its tests share it, in order (a test starts from what the one
 * before it left).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { promisify } from 'node:util';
import { LABELS } from '@berth/core';
import {
  createDockerApiEngine,
  DEFAULT_BUILD_USER,
  prepareBuildHost,
  startEdgeService,
  CERTIFICATE_TABLE_FILE,
  type ContainerEngine,
  type EdgeService,
  UPSTREAM_TABLE_FILE,
} from '@berth/engine';
import type { AppReport, DesiredApp, DesiredState } from '@berth/protocol';
import { pino } from 'pino';
import { testBuilderDir } from '../../../../test/support/builder.js';
import { startTestCaddy, type TestCaddy } from '../../../../test/support/caddy.js';
import { ensureExampleImages, HELLO_PORT, HELLO_V1, HELLO_V2 } from '../../../../test/support/images.js';
import {
  removeContainersByLabel,
  startTestPodman,
  type TestPodman,
} from '../../../../test/support/podman.js';
import { startAgent, type RunningAgent } from '../agent.js';
import { parseAgentConfig } from '../config.js';
import { startBerthdSide, type BerthdSide } from './berthd-side.js';
import { freePort } from '../../../../test/support/ports.js';

const base32 = (): string =>
  [...randomBytes(20)].map((b) => 'abcdefghijklmnopqrstuvwxyz234567'[b % 32]).join('');
export const APP_ID = `app_${base32()}`;
const TEAM_ID = `tea_${base32()}`;
export const HOST = `web-${process.pid}.test`;

export interface AgentUnderTest {
  dir: string;
  podman: TestPodman;
  caddy: TestCaddy;
  dns: EdgeService;
  engine: ContainerEngine;
  side: BerthdSide;
  agent: RunningAgent;
  /** Where Caddy serves the apps' HTTP. */
  httpPort: number;
  /** The image id of each example image, by reference. */
  images: Record<string, string>;
  desiredApp: (
    revision: string,
    version: number,
    image: string,
    health?: Partial<DesiredApp['release']['health']>,
  ) => DesiredApp;
  /** The agent's latest report of the app's rollout of `revision`, once it is not rolling any more. */
  outcomeOf: (revision: string, timeoutMs?: number) => Promise<AppReport>;
  latestReport: (revision: string) => AppReport | undefined;
  /** A request for the app through the proxy. */
  get: (path?: string) => Promise<{ status: number; body: string }>;
  /** The names of the agent's running containers. */
  running: () => Promise<string[]>;
  /** Pushes the release and times push → the agent's report of it converged. */
  timedRollout: (revision: string, version: number, app: DesiredApp) => Promise<number>;
}

/**
 * Starts the agent and its parts before the file's tests and stops them after; call at the top
 * of a test file. `setUp` runs once it is started, in the same hook: Node 20 starts a test file's
 * top-level `before` hooks at once, without waiting for the ones before them.
 */
export function useAgentUnderTest(setUp?: (agent: AgentUnderTest) => Promise<unknown>): () => AgentUnderTest {
  let dir: string;
  let podman: TestPodman;
  let caddy: TestCaddy;
  let dns: EdgeService;
  let engine: ContainerEngine;
  let side: BerthdSide;
  let agent: RunningAgent;
  let httpPort: number;
  const images: Record<string, string> = {};
  let world: AgentUnderTest | null = null;

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
    // As `berth up` does before its agent starts: the agent looks for the build user once, at
    // its start, and on a fresh machine a test's own builder would make it only afterwards.
    await prepareBuildHost(DEFAULT_BUILD_USER);
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
    // BERTH_TEST_AGENT_LOG=debug shows the agent's log (on stderr) when a test needs explaining.
    agent = await startAgent(
      config,
      pino({ level: process.env.BERTH_TEST_AGENT_LOG ?? 'silent' }, pino.destination(2)),
    );
    await welcomed;
    world = {
      dir,
      podman,
      caddy,
      dns,
      engine,
      side,
      agent,
      httpPort,
      images,
      desiredApp,
      outcomeOf,
      latestReport,
      get,
      running,
      timedRollout,
    };
    await setUp?.(world);
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

  function latestReport(revision: string): AppReport | undefined {
    return side
      .reports()
      .flatMap((r) => r.apps)
      .findLast((a) => a.revision === revision);
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

  async function timedRollout(revision: string, version: number, app: DesiredApp): Promise<number> {
    const started = performance.now();
    side.push(state(version, app));
    const outcome = await outcomeOf(revision);
    assert.equal(outcome.phase, 'converged', JSON.stringify(outcome));
    return performance.now() - started;
  }

  return () => {
    if (world === null)
      throw new Error(
        'the agent is not started (useAgentUnderTest must be called at the top of a test file)',
      );
    return world;
  };
}

export const state = (version: number, ...apps: DesiredApp[]): DesiredState => ({ version, apps });

export async function waitFor(
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
