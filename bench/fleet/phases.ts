/** The phases of the fleet bench (fleet-agents.ts), each measured on its own. */
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { createClient } from '@berth/client';
import { TERMINAL_DEPLOYMENT_STATUSES } from '@berth/protocol';
import { HELLO_V1 } from '../../test/support/images.js';
import { changeLatencies } from './arrivals.js';
import type { ChangeFigures, FleetAgentsFigures } from './figures.js';
import { cpuPercentOfOneCore, sampleProcess, summarize } from './proc-stats.js';
import { now } from './sim-agent.js';
import type { SqlTotal } from './sql-totals.js';
import type { AgentWorker } from './workers.js';

type Client = ReturnType<typeof createClient>;

/** berthd caps an app at 64 replicas (protocol's Replicas), so the fleet's replicas are in apps of 64. */
const REPLICAS_PER_APP = 64;
/** Small enough that any server fits a replica; each server ends up with one. */
const LIMITS = { cpu: 0.05, memoryMiB: 32 };
const CHANGE_TIMEOUT_MS = 120_000;

/** What berthd's SQLite did between two points of the run (empty without sqlTimingFile). */
export type SqlWindow = () => Promise<() => Promise<SqlTotal[]>>;

/** `berth servers add` for each simulated server, one after another: their join tokens. */
export async function addServers(
  client: Client,
  count: number,
): Promise<{ tokens: { name: string; token: string }[]; ms: number }> {
  const started = now();
  const tokens: { name: string; token: string }[] = [];
  for (let i = 1; i <= count; i++) {
    const name = `sim-${String(i).padStart(4, '0')}`;
    tokens.push({ name, token: (await client.addServer({ name })).token });
  }
  return { tokens, ms: now() - started };
}

/** Every worker joins its share of the servers (every n-th token). */
export async function joinFleet(
  workers: readonly AgentWorker[],
  origin: string,
  dir: string,
  tokens: readonly { name: string; token: string }[],
): Promise<FleetAgentsFigures['join']> {
  const joined = await Promise.all(
    workers.map((w, i) =>
      w.ask(
        { type: 'join', origin, dir, agents: tokens.filter((_, j) => j % workers.length === i) },
        'joined',
      ),
    ),
  );
  return {
    totalMs: Math.max(...joined.map((j) => j.endedAt)) - Math.min(...joined.map((j) => j.startedAt)),
    each: summarize(joined.flatMap((j) => j.joinMs)),
  };
}

/** All links dialled at once (as after a berthd restart), until each has its first desired state. */
export async function connectFleet(
  workers: readonly AgentWorker[],
  linkUrl: string,
  berthdCpuMs: () => Promise<number>,
): Promise<FleetAgentsFigures['connect']> {
  const cpuBefore = await berthdCpuMs();
  const connected = await Promise.all(workers.map((w) => w.ask({ type: 'connect', linkUrl }, 'connected')));
  const start = Math.min(...connected.map((c) => c.startedAt));
  return {
    totalMs: Math.max(...connected.flatMap((c) => c.firstDesiredAt)) - start,
    each: summarize(connected.flatMap((c) => c.firstDesiredAt.map((t) => t - c.startedAt))),
    berthdCpuMs: (await berthdCpuMs()) - cpuBefore,
  };
}

/** Apps of 64 replicas (the last one smaller) until every server runs one; each deploy timed. */
export async function deployFleetApps(
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

export async function measureChange(
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
export async function measureIdle(
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
export async function openFilesLimit(): Promise<string> {
  const limits = await readFile('/proc/self/limits', 'utf8');
  const m = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(limits);
  return m ? `${m[1]} soft / ${m[2]} hard` : 'unknown';
}

/**
 * berthd holds one socket per agent, plus its database and listeners: refuses to start a fleet
 * that would run out of file descriptors halfway. Node raises its soft limit to the hard one at
 * start, so what this reads is in effect the hard limit berthd will have too.
 */
export async function checkOpenFiles(agents: number): Promise<void> {
  const soft = /^(\d+) soft/.exec(await openFilesLimit())?.[1];
  const needed = agents + 256;
  if (soft !== undefined && Number(soft) < needed)
    throw new Error(
      `${agents} agents need about ${needed} open files in berthd, but the limit is ${soft}: ` +
        `raise it (ulimit -n ${needed}, up to the hard limit) or set BENCH_AGENTS lower`,
    );
}
