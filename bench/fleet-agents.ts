/**
 * `BENCH_ONLY=fleet-agents npm run bench` (issue 10): BENCH_AGENTS simulated servers (1,000 by
 * default) against one real berthd in its own process. Each joins with its own token and
 * Ed25519 identity and holds the real agent `Link` (fleet/sim-agent.ts); they run in
 * BENCH_AGENT_WORKERS processes. Measured: the join and connect phases; two changes (a deploy,
 * then a redeploy) timed from the API call to each agent's desired state; berthd's RSS and CPU
 * while the fleet idles for BENCH_IDLE_SECONDS.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from '@berth/client';
import { TERMINAL_DEPLOYMENT_STATUSES } from '@berth/protocol';
import { HELLO_V1, HELLO_V2 } from '../test/support/images.js';
import { changeLatencies } from './fleet/arrivals.js';
import { BerthdProcess } from './fleet/berthd-process.js';
import {
  clockTicksPerSecond,
  cpuPercentOfOneCore,
  sampleProcess,
  summarize,
  type Summary,
} from './fleet/proc-stats.js';
import { now } from './fleet/sim-agent.js';
import { readSqlTotals, sqlBetween, type SqlTotal } from './fleet/sql-totals.js';
import { AgentWorker } from './fleet/workers.js';

type Client = ReturnType<typeof createClient>;

export interface FleetAgentsOptions {
  agents: number;
  workers: number;
  idleSeconds: number;
  /** Write berthd's CPU profile (node --cpu-prof) into this directory. */
  cpuProfileDir?: string;
  /** Write berthd's time per SQL statement to this file (fleet/sql-timing.ts). */
  sqlTimingFile?: string;
}

/** berthd caps an app at 64 replicas (protocol's Replicas), so the fleet's replicas are in apps of 64. */
const REPLICAS_PER_APP = 64;
/** Small enough that any server fits a replica; each server ends up with one. */
const LIMITS = { cpu: 0.05, memoryMiB: 32 };
const CHANGE_TIMEOUT_MS = 120_000;

const benchStart = now();
/** Where the run is, on stderr (a full run takes minutes). */
const progress = (what: string): void =>
  void process.stderr.write(`[fleet-agents +${((now() - benchStart) / 1000).toFixed(1)} s] ${what}\n`);

export interface ChangeFigures {
  label: string;
  replicas: number;
  push: Summary;
  release: Summary;
  /** API call → the deployment succeeded (every placed server reported it converged). */
  succeededMs: number;
  /** CPU time berthd and the agent workers used from the call to the end, in ms. */
  berthdCpuMs: number;
  agentsCpuMs: number;
  /** With sqlTimingFile: the statements berthd spent most time in, from the call to the end. */
  sql: SqlTotal[];
}

export interface FleetAgentsFigures {
  agents: number;
  workers: number;
  openFilesLimit: string;
  addServersMs: number;
  join: { totalMs: number; each: Summary };
  connect: { totalMs: number; each: Summary; berthdCpuMs: number };
  setup: { apps: number; deployMs: number[] };
  changes: ChangeFigures[];
  idle: {
    seconds: number;
    berthdRssMib: number;
    berthdCpuPercent: number;
    agentsRssMib: number;
    agentsCpuPercent: number;
    connected: number;
    reconnects: number;
    sql: SqlTotal[];
  };
}

/** What berthd's SQLite did between two points of the run (empty without sqlTimingFile). */
type SqlWindow = () => Promise<() => Promise<SqlTotal[]>>;

export async function measureFleetAgents(o: FleetAgentsOptions): Promise<FleetAgentsFigures> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-bench-fleet-'));
  const berthd = await BerthdProcess.start(dir, {
    cpuProfileDir: o.cpuProfileDir,
    sqlTimingFile: o.sqlTimingFile,
  });
  const workers = Array.from({ length: o.workers }, () => AgentWorker.spawn());
  try {
    const client = createClient({ url: berthd.origin, token: await berthd.adminToken() });
    const hz = await clockTicksPerSecond();
    const cpuMs = async (pids: readonly number[]): Promise<number> =>
      ((await Promise.all(pids.map(sampleProcess))).reduce((s, p) => s + p.cpuTicks, 0) / hz) * 1000;
    const workerPids = workers.map((w) => w.pid);
    const file = o.sqlTimingFile;
    const sqlWindow: SqlWindow = async () => {
      if (!file) return () => Promise.resolve([]);
      const before = await readSqlTotals(berthd.pid, file);
      return async () => sqlBetween(before, await readSqlTotals(berthd.pid, file), 5);
    };

    progress(`berthd pid ${berthd.pid}, agent workers ${workerPids.join(', ')}: adding ${o.agents} servers`);
    const names = Array.from({ length: o.agents }, (_, i) => `sim-${String(i + 1).padStart(4, '0')}`);
    const added = now();
    const tokens: { name: string; token: string }[] = [];
    for (const name of names) tokens.push({ name, token: (await client.addServer({ name })).token });
    const addServersMs = now() - added;

    progress('joining');
    const joined = await Promise.all(
      workers.map((w, i) =>
        w.ask(
          {
            type: 'join',
            origin: berthd.origin,
            dir: join(dir, 'agents'),
            agents: tokens.filter((_, j) => j % o.workers === i),
          },
          'joined',
        ),
      ),
    );
    const joinTotal = Math.max(...joined.map((j) => j.endedAt)) - Math.min(...joined.map((j) => j.startedAt));

    progress('connecting');
    const cpuBeforeConnect = await cpuMs([berthd.pid]);
    const connected = await Promise.all(
      workers.map((w) => w.ask({ type: 'connect', linkUrl: berthd.linkUrl }, 'connected')),
    );
    const connectStart = Math.min(...connected.map((c) => c.startedAt));
    const firstDesired = connected.flatMap((c) => c.firstDesiredAt.map((t) => t - c.startedAt));
    const connect = {
      totalMs: Math.max(...connected.flatMap((c) => c.firstDesiredAt)) - connectStart,
      each: summarize(firstDesired),
      berthdCpuMs: (await cpuMs([berthd.pid])) - cpuBeforeConnect,
    };

    progress('deploying the fleet apps');
    const setup = await deployFleetApps(client, o.agents);
    const changes: ChangeFigures[] = [];
    for (const [label, image] of [
      ['deploy of a new image', HELLO_V2],
      ['redeploy (the second change)', HELLO_V1],
    ] as const) {
      await sleep(2000);
      progress(label);
      changes.push(
        await measureChange(client, workers, label, image, sqlWindow, {
          berthd: () => cpuMs([berthd.pid]),
          agents: () => cpuMs(workerPids),
        }),
      );
    }
    progress(`idle for ${o.idleSeconds} s`);
    const idle = await measureIdle(berthd.pid, workers, o.idleSeconds, hz, sqlWindow);
    return {
      agents: o.agents,
      workers: o.workers,
      openFilesLimit: await openFilesLimit(),
      addServersMs,
      join: { totalMs: joinTotal, each: summarize(joined.flatMap((j) => j.joinMs)) },
      connect,
      setup,
      changes,
      idle,
    };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await berthd.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Apps of 64 replicas (the last one smaller) until every server runs one; each deploy timed. */
async function deployFleetApps(
  client: Client,
  agents: number,
): Promise<{ apps: number; deployMs: number[] }> {
  const deployMs: number[] = [];
  for (let i = 0, left = agents; left > 0; i++, left -= REPLICAS_PER_APP) {
    const name = `fleet-${i}`;
    await client.createApp({
      name,
      image: HELLO_V1,
      replicas: Math.min(left, REPLICAS_PER_APP),
      limits: LIMITS,
    });
    const started = now();
    await untilEnded(client, (await client.deploy(name)).id);
    deployMs.push(now() - started);
  }
  return { apps: deployMs.length, deployMs };
}

async function measureChange(
  client: Client,
  workers: readonly AgentWorker[],
  label: string,
  image: string,
  sqlWindow: SqlWindow,
  cpu: { berthd: () => Promise<number>; agents: () => Promise<number> },
): Promise<ChangeFigures> {
  await Promise.all(workers.map((w) => w.ask({ type: 'mark' }, 'marked')));
  const sqlSince = await sqlWindow();
  const [berthdBefore, agentsBefore] = await Promise.all([cpu.berthd(), cpu.agents()]);
  const calledAt = now();
  const deployment = await client.deploy('fleet-0', image);
  await untilEnded(client, deployment.id);
  const succeededMs = now() - calledAt;
  const [berthdAfter, agentsAfter] = await Promise.all([cpu.berthd(), cpu.agents()]);
  const sql = await sqlSince();
  const collected = await Promise.all(workers.map((w) => w.ask({ type: 'collect' }, 'collected')));
  const { push, release } = changeLatencies(
    collected.flatMap((c) => c.agents),
    calledAt,
    deployment.id,
  );
  return {
    label,
    replicas: deployment.replicas,
    push: summarize(push),
    release: summarize(release),
    succeededMs,
    berthdCpuMs: berthdAfter - berthdBefore,
    agentsCpuMs: agentsAfter - agentsBefore,
    sql,
  };
}

async function untilEnded(client: Client, id: string): Promise<void> {
  const deadline = now() + CHANGE_TIMEOUT_MS;
  for (;;) {
    const d = await client.getDeployment(id);
    if (d.status === 'succeeded') return;
    if (TERMINAL_DEPLOYMENT_STATUSES.includes(d.status))
      throw new Error(`deployment ${id} ${d.status}: ${JSON.stringify(d.error)}`);
    if (now() > deadline) throw new Error(`deployment ${id} still ${d.status} after ${CHANGE_TIMEOUT_MS} ms`);
    await sleep(50);
  }
}

/** Nothing changing: berthd's RSS at the end and its CPU over the window, and the agents' beside it. */
async function measureIdle(
  berthdPid: number,
  workers: readonly AgentWorker[],
  seconds: number,
  hz: number,
  sqlWindow: SqlWindow,
): Promise<FleetAgentsFigures['idle']> {
  await sleep(5000);
  const pids = [berthdPid, ...workers.map((w) => w.pid)];
  const sqlSince = await sqlWindow();
  const before = await Promise.all(pids.map(sampleProcess));
  const started = now();
  await sleep(seconds * 1000);
  const after = await Promise.all(pids.map(sampleProcess));
  const ms = now() - started;
  const sql = await sqlSince();
  const collected = await Promise.all(workers.map((w) => w.ask({ type: 'collect' }, 'collected')));
  const ticks = after.map((a, i) => a.cpuTicks - (before[i]?.cpuTicks ?? 0));
  const [berthdTicks = 0, ...workerTicks] = ticks;
  return {
    seconds,
    berthdRssMib: (after[0]?.rssKib ?? 0) / 1024,
    berthdCpuPercent: cpuPercentOfOneCore(berthdTicks, hz, ms),
    agentsRssMib: after.slice(1).reduce((s, a) => s + a.rssKib, 0) / 1024,
    agentsCpuPercent: cpuPercentOfOneCore(
      workerTicks.reduce((s, t) => s + t, 0),
      hz,
      ms,
    ),
    connected: collected.reduce((s, c) => s + c.connected, 0),
    reconnects: collected.reduce((s, c) => s + c.reconnects, 0),
    sql,
  };
}

/** The soft and hard limits on open files, as /proc/self/limits says them. */
async function openFilesLimit(): Promise<string> {
  const limits = await readFile('/proc/self/limits', 'utf8');
  const m = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(limits);
  return m ? `${m[1]} soft / ${m[2]} hard` : 'unknown';
}
