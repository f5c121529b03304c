/**
 * `BENCH_ONLY=fleet-agents npm run bench` (issue 10): BENCH_AGENTS simulated servers (1,000 by
 * default) against one real berthd in its own process. Each joins with its own token and
 * Ed25519 identity and holds the real agent `Link` (fleet/sim-agent.ts); they run in
 * BENCH_AGENT_WORKERS processes. Measured: the join and connect phases; two changes (a deploy,
 * then a redeploy) timed from the API call to each agent's desired state; berthd's RSS and CPU
 * while the fleet idles for BENCH_IDLE_SECONDS.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from '@berth/client';
import { HELLO_V1, HELLO_V2 } from '../test/support/images.js';
import { BerthdProcess } from './fleet/berthd-process.js';
import type { ChangeFigures, FleetAgentsFigures } from './fleet/figures.js';
import {
  addServers,
  checkOpenFiles,
  connectFleet,
  deployFleetApps,
  joinFleet,
  measureChange,
  measureIdle,
  openFilesLimit,
  type SqlWindow,
} from './fleet/phases.js';
import { clockTicksPerSecond, sampleProcess } from './fleet/proc-stats.js';
import { now } from './fleet/sim-agent.js';
import { readSqlTotals, sqlBetween } from './fleet/sql-totals.js';
import { AgentWorker } from './fleet/workers.js';

export type { FleetAgentsFigures } from './fleet/figures.js';

export interface FleetAgentsOptions {
  agents: number;
  workers: number;
  idleSeconds: number;
  /** Write berthd's CPU profile (node --cpu-prof) into this directory. */
  cpuProfileDir?: string;
  /** Write berthd's time per SQL statement to this file (fleet/sql-timing.ts). */
  sqlTimingFile?: string;
}

const benchStart = now();
/** Where the run is, on stderr (a full run takes minutes). */
const progress = (what: string): void =>
  void process.stderr.write(`[fleet-agents +${((now() - benchStart) / 1000).toFixed(1)} s] ${what}\n`);

export async function measureFleetAgents(o: FleetAgentsOptions): Promise<FleetAgentsFigures> {
  await checkOpenFiles(o.agents);
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
    const added = await addServers(client, o.agents);
    progress('joining');
    const joinFigures = await joinFleet(workers, berthd.origin, join(dir, 'agents'), added.tokens);
    progress('connecting');
    const connect = await connectFleet(workers, berthd.linkUrl, () => cpuMs([berthd.pid]));

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
      addServersMs: added.ms,
      join: joinFigures,
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
