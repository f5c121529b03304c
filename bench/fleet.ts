/**
 * The fleet part of `npm run bench` (issue 10): three servers of the fleet test harness
 * (network namespaces with their own Podman, test/fleet/support) joined to a `berth up
 * --no-agent`, the images on server 1 only (the others pull them from the fleet registry), an app of
 * 3 replicas (its first deploy timed: push, pulls, starts), then
 * - a rolling deploy under load through two servers' edges (requests, failures), and
 * - BENCH_FLEET_KILLS (≥ 5) times: kill the server running the most replicas (its processes and
 *   containers, its link down) → its replicas serving on the others; the server is then brought
 *   back (engine and agent restarted on its data dir, the same key) for the next round.
 *
 *   BENCH_ONLY=fleet npm run bench
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { BerthUnderTest } from '../test/e2e/support/berth.js';
import { runLoad, type LoadResult } from '../test/e2e/support/load.js';
import { joinAndRunAgent, runAgent, type FleetAgent } from '../test/fleet/support/agent.js';
import { startFleet, type Fleet } from '../test/fleet/support/harness.js';
import { httpGet } from '../test/fleet/support/http.js';
import type { FleetServer } from '../test/fleet/support/server.js';
import { ensureExampleImages, HELLO_V1, HELLO_V2 } from '../test/support/images.js';
import { percentile } from './measure.js';

const KILLS = Math.max(5, Number(process.env.BENCH_FLEET_KILLS ?? '5'));
const APP_HOST = 'web.localhost';

export interface FleetFigures {
  servers: number;
  rolling: LoadResult[];
  rollingMs: number;
  /** Kill → every replica serving on the other servers, per kill. */
  deadServerMs: number[];
  /** `berth deploy` of 3 replicas whose image only server 1 held, and its push as berthd reported it. */
  firstDeploy: { ms: number; push: string };
}

type Replicas = { name: string; server: string; state: string }[];

export async function measureFleet(): Promise<FleetFigures> {
  await ensureExampleImages();
  // Its own subnet, so it can run beside the fleet tests' fleet (10.99.0.0/24).
  const fleet = await startFleet({ id: 'b', servers: 3, subnet: '10.99.7.0/24' });
  const berth = await BerthUnderTest.create();
  try {
    for (const ref of [HELLO_V1, HELLO_V2]) await fleet.seedImage(ref, [1]);
    await berth.start(['--api-host', fleet.controlIp, '--no-agent']);
    const agents = await joinAll(fleet, berth);
    await must(berth.cli(['apps', 'create', 'web', '--image', HELLO_V1, '--replicas', '3']));
    const started = performance.now();
    const deployed = await must(berth.cli(['deploy', 'web']));
    const firstDeploy = {
      ms: performance.now() - started,
      push:
        /Pushed the image to the fleet registry from \S+ in (\S+) \(/.exec(
          deployed.stdout + deployed.stderr,
        )?.[1] ?? '?',
    };
    const { rolling, rollingMs } = await rollingUnderLoad(fleet, berth);
    const deadServerMs: number[] = [];
    for (let i = 0; i < KILLS; i++) deadServerMs.push(await killOne(fleet, berth, agents));
    return { servers: fleet.servers.length, rolling, rollingMs, deadServerMs, firstDeploy };
  } finally {
    await berth.destroy();
    await fleet.stop();
  }
}

export function fleetRows(f: FleetFigures): string[] {
  const p = (q: number): string => `${(percentile(f.deadServerMs, q) / 1000).toFixed(1)} s`;
  const requests = f.rolling.reduce((n, r) => n + r.ok + r.non2xx + r.errors, 0);
  const failed = f.rolling.reduce((n, r) => n + r.non2xx + r.errors, 0);
  return [
    `| server killed → its replicas serving on the others (${f.deadServerMs.length} kills, ${f.servers} servers) | ${p(50)} | ${p(95)} |`,
    '',
    `Kills one by one: ${f.deadServerMs.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(', ')} (target ≤ 20 s).`,
    `Rolling deploy of 3 replicas over ${f.servers} servers under load through 2 edges (2 keep-alive clients each): ` +
      `${Math.round(f.rollingMs)} ms, ${requests} requests, ${failed} failed.`,
    `First deploy of 3 replicas whose image only server 1 held (pushed to the fleet registry with zstd in ${f.firstDeploy.push}, ` +
      `pulled by digest on the other ${f.servers - 1}): ${(f.firstDeploy.ms / 1000).toFixed(1)} s from \`berth deploy\` to all serving.`,
  ];
}

async function joinAll(fleet: Fleet, berth: BerthUnderTest): Promise<Map<FleetServer, FleetAgent>> {
  const controlUrl = `https://${fleet.controlIp}:${berth.apiPort}`;
  const agents = new Map<FleetServer, FleetAgent>();
  for (const s of fleet.servers) {
    const { token } = await berth.json<{ token: string }>(['servers', 'add', s.name]);
    agents.set(s, await joinAndRunAgent(s, { controlUrl, token }));
  }
  await until(60_000, 'servers online', async () => {
    const listed = await berth.json<{ servers: { status: string }[] }>(['servers', 'list']);
    return listed.servers.filter((s) => s.status === 'online').length === fleet.servers.length;
  });
  return agents;
}

async function rollingUnderLoad(
  fleet: Fleet,
  berth: BerthUnderTest,
): Promise<{ rolling: LoadResult[]; rollingMs: number }> {
  const started = performance.now();
  const deploy = berth.cli(['deploy', 'web', '--image', HELLO_V2]);
  const loads = [fleet.server(1), fleet.server(2)].map((s) =>
    runLoad({
      address: s.ip,
      port: 80,
      host: APP_HOST,
      concurrency: 2,
      until: deploy,
      minRequests: 200,
      maxMs: 120_000,
      keepAlive: true,
    }),
  );
  const [done, ...rolling] = await Promise.all([deploy, ...loads]);
  if (done.code !== 0) throw new Error(`the rolling deploy failed: ${done.stderr}`);
  return { rolling, rollingMs: performance.now() - started };
}

/** Kills the server with the most replicas; returns the time until they all serve elsewhere. */
async function killOne(
  fleet: Fleet,
  berth: BerthUnderTest,
  agents: Map<FleetServer, FleetAgent>,
): Promise<number> {
  const shown = async (): Promise<Replicas> =>
    (await berth.json<{ replicaStatus: Replicas }>(['apps', 'show', 'web'])).replicaStatus;
  const before = await shown();
  const victim = [...fleet.servers].sort(
    (a, b) =>
      before.filter((r) => r.server === b.name).length - before.filter((r) => r.server === a.name).length,
  )[0];
  if (!victim) throw new Error('no server');
  const survivors = fleet.servers.filter((s) => s !== victim);
  const started = performance.now();
  await victim.kill();
  await until(60_000, `replicas of ${victim.name} serving elsewhere`, async () => {
    const now = await shown();
    if (now.filter((r) => r.state === 'serving' && r.server !== victim.name).length !== 3) return false;
    const holders = survivors.filter((s) => now.some((r) => r.server === s.name));
    const answers = await Promise.all(holders.map((s) => served(s)));
    return answers.every((a) => a);
  });
  const ms = performance.now() - started;
  // Back for the next round: the link, the engine, the agent on its data dir (same key).
  await victim.heal();
  await victim.startEngine();
  const agent = agents.get(victim);
  if (!agent) throw new Error(`no agent of ${victim.name}`);
  agents.set(victim, runAgent(victim, agent.dataDir));
  await until(60_000, `${victim.name} back online`, async () => {
    const listed = await berth.json<{ servers: { name: string; status: string }[] }>(['servers', 'list']);
    return listed.servers.some((s) => s.name === victim.name && s.status === 'online');
  });
  return ms;
}

async function served(s: FleetServer): Promise<boolean> {
  const answer = await httpGet(`http://${s.ip}:80/`, { host: APP_HOST, timeoutMs: 2_000 }).catch(() => null);
  return answer?.status === 200;
}

type Ran = { code: number | null; stdout: string; stderr: string };

async function must(run: Promise<Ran>): Promise<Ran> {
  const r = await run;
  if (r.code !== 0) throw new Error(`berth exited ${r.code}: ${r.stdout}${r.stderr}`);
  return r;
}

async function until(ms: number, what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}
