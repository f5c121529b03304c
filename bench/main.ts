/**
 * `npm run bench`: deploy latency against the floor measured in the same run, and a rolling
 * deploy under load. Starts its own `berth up` on a temp dir and free ports (like the e2e tests)
 * and prints a Markdown block for BENCHMARKS.md; the raw figures go to bench/results/.
 *
 *   BENCH_DEPLOYS=12 npm run bench
 *   BENCH_ONLY=idle-vs-load BENCH_LOAD_SAMPLES=7 BENCH_LOAD_CLIENTS=4 npm run bench
 *   BENCH_ONLY=data npm run bench       # volumes: rolling vs recreate deploys under load (./data.ts)
 *   BENCH_ONLY=databases npm run bench  # db create → accepting connections, per engine (./databases.ts)
 *   BENCH_ONLY=database-backups [BENCH_DB_MIB=1024] npm run bench  # backup, verify, restore vs pg_dump
 *   BENCH_ONLY=fleet npm run bench      # three servers: dead server, rolling deploy (./fleet.ts)
 *   BENCH_ONLY=domains npm run bench    # custom domains and certificates against Pebble (./domains.ts)
 *   BENCH_ONLY=dashboard npm run bench  # the dashboard's size and load times in Chromium (./dashboard.ts)
 *   BENCH_ONLY=dashboard-live [BENCH_DASHBOARDS=100] npm run bench  # step → page latency, 100 dashboards (./dashboard-live.ts)
 *   BENCH_ONLY=store-commits [BENCH_STORE_SECONDS=20] npm run bench  # store commits' event-loop lag, disk busy
 *   BENCH_ONLY=fleet-agents BENCH_AGENTS=1000 BENCH_AGENT_WORKERS=2 BENCH_IDLE_SECONDS=30 npm run bench
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '@berth/client';
import { ensureExampleImages, HELLO_V1, HELLO_V2 } from '../test/support/images.js';
import { BerthUnderTest } from '../test/e2e/support/berth.js';
import { runLoad } from '../test/e2e/support/load.js';
import { measureFloor } from './floor.js';
import { percentile, waitForBody, withPolling } from './measure.js';
import { buildRows, measureBuilds, type BuildFigures } from './builds.js';
import { measureTrust, trustRows, type TrustFigures } from './trust.js';
import { idleVsLoadReport, measureIdleVsLoad, type IdleVsLoadFigures } from './under-load.js';
import { fleetRows, measureFleet, type FleetFigures } from './fleet.js';
import { measureFleetAgents, type FleetAgentsFigures } from './fleet-agents.js';
import { fleetAgentsReport } from './fleet/report.js';
import { dashboardRows, measureDashboard, type DashboardFigures } from './dashboard.js';
import { dashboardLiveRows, measureDashboardLive, type DashboardLiveFigures } from './dashboard-live.js';
import { domainRows, measureDomains, type DomainFigures } from './domains.js';
import { dataRows, measureData, type DataFigures } from './data.js';
import { databaseRows, measureDatabases, type EngineFigures } from './databases.js';
import { measureStoreCommitLag, storeLagRows, type StoreLagFigures } from './store-commit-lag.js';
import {
  databaseBackupRows,
  measureDatabaseBackups,
  type DatabaseBackupFigures,
} from './database-backups.js';

const DEPLOYS = Number(process.env.BENCH_DEPLOYS ?? '12');
/** `idle-vs-load` runs only the 2-replica deploy idle vs under load (many samples, a few minutes). */
const ONLY = process.env.BENCH_ONLY;
/** The simulated fleet against its own berthd (fleet-agents.ts); `fleet-agents` runs only it. */
const FLEET = {
  agents: Number(process.env.BENCH_AGENTS ?? '1000'),
  workers: Number(process.env.BENCH_AGENT_WORKERS ?? '2'),
  idleSeconds: Number(process.env.BENCH_IDLE_SECONDS ?? '30'),
  ...(process.env.BENCH_CPU_PROF_DIR && { cpuProfileDir: process.env.BENCH_CPU_PROF_DIR }),
  ...(process.env.BENCH_SQL_TIMING_FILE && { sqlTimingFile: process.env.BENCH_SQL_TIMING_FILE }),
};
/** The PostgreSQL database the backup figure fills, in MiB (./database-backups.ts). */
const DB_MIB = Number(process.env.BENCH_DB_MIB ?? '1024');
/** How long each variant of the store-commit lag runs (./store-commit-lag.ts). */
const STORE_SECONDS = Number(process.env.BENCH_STORE_SECONDS ?? '20');
const LOAD = {
  clients: Number(process.env.BENCH_LOAD_CLIENTS ?? '4'),
  samples: Number(process.env.BENCH_LOAD_SAMPLES ?? '5'),
};

async function main(): Promise<void> {
  if (ONLY === 'store-commits' || ONLY === undefined)
    await reportStoreLag(await measureStoreCommitLag(STORE_SECONDS));
  if (ONLY === 'store-commits') return;
  if (ONLY === 'fleet-agents') {
    await reportFleetAgents(await measureFleetAgents(FLEET));
    return;
  }
  if (ONLY === 'dashboard') return reportDashboard(await measureDashboard());
  await ensureExampleImages();
  if (ONLY === 'dashboard-live')
    return reportDashboardLive(await measureDashboardLive(8, Number(process.env.BENCH_DASHBOARDS ?? '100')));
  if (ONLY === 'fleet') return reportFleet(await measureFleet());
  if (ONLY === 'domains') return reportDomains(await measureDomains(connect));
  const berth = await BerthUnderTest.create();
  await berth.start();
  try {
    const client = createClient({ url: `http://127.0.0.1:${berth.apiPort}`, token: await berth.token() });
    if (ONLY === 'idle-vs-load') {
      await reportIdleVsLoad(await measureIdleVsLoad(berth, client, LOAD));
      return;
    }
    if (ONLY === 'data') {
      await reportData(await measureData(berth, client));
      return;
    }
    if (ONLY === 'databases') {
      await reportDatabases(await measureDatabases(client));
      return;
    }
    if (ONLY === 'database-backups') {
      await reportDatabaseBackups(await measureDatabaseBackups(berth, client, DB_MIB));
      return;
    }
    await client.createApp({ name: 'bench', image: HELLO_V1, replicas: 1 });
    await followToEnd(client, (await client.deploy('bench')).id);
    // The floor the ratio uses is sampled under the same background as the deploys (the proxy
    // polled every 15 ms, which costs a busybox fork per poll); the quiet floor is shown beside it.
    const quietFloor = await measureFloor(berth, 4);
    const floor = await withPolling(berth.httpPort, 'bench.localhost', () => measureFloor(berth, 6));
    const deploys = await measureDeploys(berth, client);
    const load = await measureRollingUnderLoad(berth, client);
    const idleVsLoad = await measureIdleVsLoad(berth, client, LOAD);
    const trust = await measureTrust(`http://127.0.0.1:${berth.apiPort}`, client);
    const builds = await measureBuilds(berth, client);
    await report({ floor, quietFloor, deploys, load, idleVsLoad, trust, builds });
    await reportData(await measureData(berth, client));
    await reportDatabases(await measureDatabases(client));
    await reportDatabaseBackups(await measureDatabaseBackups(berth, client, DB_MIB));
  } finally {
    await berth.destroy();
  }
  await reportFleet(await measureFleet());
  // After berth up is gone: the fleet runs its own berthd, and wants the machine to itself.
  if (ONLY === undefined) await reportFleetAgents(await measureFleetAgents(FLEET));
}

type Client = ReturnType<typeof createClient>;

/** API call → the new release answers through the proxy, over DEPLOYS deploys of one replica. */
async function measureDeploys(
  berth: BerthUnderTest,
  client: Client,
): Promise<{ serving: number[]; succeeded: number[] }> {
  const serving: number[] = [];
  const succeeded: number[] = [];
  for (let i = 0; i < DEPLOYS; i++) {
    const image = i % 2 === 0 ? HELLO_V2 : HELLO_V1;
    const expect = image === HELLO_V2 ? 'hello v2' : 'hello v1';
    const started = performance.now();
    const d = await client.deploy('bench', image);
    const live = waitForBody(berth.httpPort, 'bench.localhost', expect).then(
      () => performance.now() - started,
    );
    const status = await followToEnd(client, d.id);
    succeeded.push(performance.now() - started);
    if (status !== 'succeeded') throw new Error(`deploy ${i} ${status}`);
    serving.push(await live);
  }
  return { serving, succeeded };
}

async function measureRollingUnderLoad(berth: BerthUnderTest, client: Client) {
  await client.createApp({ name: 'loaded', image: HELLO_V1, replicas: 2 });
  await followToEnd(client, (await client.deploy('loaded')).id);
  const started = performance.now();
  const deploy = client.deploy('loaded', HELLO_V2).then((d) => followToEnd(client, d.id));
  const result = await runLoad({
    port: berth.httpPort,
    host: 'loaded.localhost',
    concurrency: 8,
    until: deploy,
    minRequests: 2000,
    maxMs: 120_000,
    keepAlive: true,
  });
  const status = await deploy;
  return { status, ms: performance.now() - started, ...result };
}

async function followToEnd(client: Client, id: string): Promise<string> {
  let status = 'unknown';
  for await (const line of client.deploymentEvents(id, true))
    if (line.type === 'end') status = line.deployment.status;
  return status;
}

async function report(r: {
  floor: Awaited<ReturnType<typeof measureFloor>>;
  quietFloor: Awaited<ReturnType<typeof measureFloor>>;
  trust: TrustFigures;
  builds: BuildFigures;
  deploys: { serving: number[]; succeeded: number[] };
  load: Awaited<ReturnType<typeof measureRollingUnderLoad>>;
  idleVsLoad: IdleVsLoadFigures;
}): Promise<void> {
  const p = (xs: number[], q: number): string => `${Math.round(percentile(xs, q))} ms`;
  const floorP50 = percentile(r.floor.total, 50);
  const ratio = percentile(r.deploys.serving, 50) / floorP50;
  const idleVsLoad = idleVsLoadReport(r.idleVsLoad);
  const lines = [
    `### ${today()} — \`npm run bench\` (${DEPLOYS} deploys, 1 replica, localhost/hello)`,
    '',
    machine(),
    '',
    '| measure | p50 | p95 |',
    '|---|---|---|',
    `| API call → new release serving through the proxy | ${p(r.deploys.serving, 50)} | ${p(r.deploys.serving, 95)} |`,
    `| API call → deployment succeeded (old replica drained and removed) | ${p(r.deploys.succeeded, 50)} | ${p(r.deploys.succeeded, 95)} |`,
    `| floor, under the same 15 ms polling as the deploys: engine create + start | ${p(r.floor.createStart, 50)} | ${p(r.floor.createStart, 95)} |`,
    `| floor: create → first healthy reply | ${p(r.floor.firstReply, 50)} | ${p(r.floor.firstReply, 95)} |`,
    `| floor: one Caddy route load | ${p(r.floor.routeLoad, 50)} | ${p(r.floor.routeLoad, 95)} |`,
    `| floor total (first healthy reply + route load) | ${p(r.floor.total, 50)} | ${p(r.floor.total, 95)} |`,
    `| floor total with nothing polling the proxy | ${p(r.quietFloor.total, 50)} | ${p(r.quietFloor.total, 95)} |`,
    ...trustRows(r.trust),
    ...idleVsLoad.rows,
    ...buildRows(r.builds),
    '',
    `Base image bootstrap (node, up to date or built): ${r.builds.bootstrapSeconds.toFixed(1)} s. Warm build + deploy target: ≤ 10 s.`,
    '',
    `Serving p50 is ${ratio.toFixed(2)}× the floor (target ≤ 1.5×, and ≤ 1.5 s).`,
    '',
    `Rolling deploy of 2 replicas under load (8 concurrent keep-alive clients): ${r.load.status} in ${Math.round(r.load.ms)} ms; ` +
      `${r.load.ok} requests served, ${r.load.non2xx} non-2xx, ${r.load.errors} connection errors.`,
    '',
    idleVsLoad.verdict,
  ];
  await publish(lines, r);
}

async function reportIdleVsLoad(f: IdleVsLoadFigures): Promise<void> {
  const { rows, verdict } = idleVsLoadReport(f);
  const lines = [
    `### ${today()} — \`BENCH_ONLY=idle-vs-load BENCH_LOAD_SAMPLES=${f.idle.length} BENCH_LOAD_CLIENTS=${f.clients} npm run bench\``,
    '',
    machine(),
    '',
    '| measure | p50 | p95 |',
    '|---|---|---|',
    ...rows,
    '',
    verdict,
  ];
  await publish(lines, { idleVsLoad: f });
}

async function reportData(f: DataFigures): Promise<void> {
  const { rows, verdict } = dataRows(f);
  const lines = [
    `### ${today()} — \`BENCH_ONLY=data npm run bench\` (volumes: deploy strategies under load)`,
    '',
    machine(),
    '',
    '| measure | p50 | p95 |',
    '|---|---|---|',
    ...rows,
    '',
    verdict,
  ];
  await publish(lines, { data: f });
}

async function reportDatabases(f: EngineFigures[]): Promise<void> {
  const lines = [
    `### ${today()} — \`BENCH_ONLY=databases npm run bench\` (managed databases)`,
    '',
    machine(),
    '',
    '| measure | p50 | p95 |',
    '|---|---|---|',
    ...databaseRows(f),
  ];
  await publish(lines, { databases: f });
}

async function reportDatabaseBackups(f: DatabaseBackupFigures): Promise<void> {
  const lines = [
    `### ${today()} — \`BENCH_ONLY=database-backups npm run bench\` (a PostgreSQL backup, verified, restored)`,
    '',
    machine(),
    '',
    '| step | time | of the database | vs the floor |',
    '|---|---|---|---|',
    ...databaseBackupRows(f),
  ];
  await publish(lines, { databaseBackups: f });
}

async function reportStoreLag(f: StoreLagFigures): Promise<void> {
  const lines = [
    `### ${today()} — \`BENCH_ONLY=store-commits npm run bench\` (store commits while dd writes to the same disk)`,
    '',
    machine(),
    '',
    `A commit every 50 ms for ${f.seconds} s; the lag is how late a 10 ms timer fired.`,
    '',
    '| store | commits | lag p50 | lag p99 | lag max | lags over 1 s |',
    '|---|---|---|---|---|---|',
    ...storeLagRows(f),
  ];
  await publish(lines, { storeCommits: f });
}

async function reportDomains(f: DomainFigures): Promise<void> {
  const lines = [
    `### ${today()} — \`BENCH_ONLY=domains npm run bench\` (Pebble as the CA, HTTP-01 through the edge)`,
    '',
    machine(),
    '',
    '| measure | p50 | p95 |',
    '|---|---|---|',
    ...domainRows(f),
  ];
  await publish(lines, { domains: f });
}

async function reportDashboard(f: DashboardFigures): Promise<void> {
  const lines = [
    `### ${today()} — \`BENCH_ONLY=dashboard npm run bench\` (headless Chromium, berth up --no-agent)`,
    '',
    machine(),
    '',
    ...dashboardRows(f),
  ];
  await publish(lines, { dashboard: f });
}

async function reportDashboardLive(f: DashboardLiveFigures): Promise<void> {
  const lines = [
    `### ${today()} — \`BENCH_ONLY=dashboard-live npm run bench\` (headless Chromium, berth up with Podman)`,
    '',
    machine(),
    '',
    ...dashboardLiveRows(f),
  ];
  await publish(lines, { dashboardLive: f });
}

/** An API client of the berth up under test, as the admin. */
async function connect(berth: BerthUnderTest): Promise<Client> {
  return createClient({ url: `http://127.0.0.1:${berth.apiPort}`, token: await berth.token() });
}

async function reportFleet(f: FleetFigures): Promise<void> {
  const lines = [
    `### ${today()} — \`BENCH_ONLY=fleet npm run bench\` (fleet harness: 3 servers in network namespaces)`,
    '',
    machine(),
    '',
    '| measure | p50 | p95 |',
    '|---|---|---|',
    ...fleetRows(f),
  ];
  await publish(lines, { fleet: f });
}

async function reportFleetAgents(f: FleetAgentsFigures): Promise<void> {
  const { rows, notes, verdict } = fleetAgentsReport(f);
  const lines = [
    `### ${today()} — \`BENCH_ONLY=fleet-agents BENCH_AGENTS=${f.agents} BENCH_AGENT_WORKERS=${f.workers} npm run bench\``,
    '',
    machine(),
    '',
    ...rows,
    '',
    ...notes.flatMap((n) => [n, '']),
    verdict,
  ];
  await publish(lines, { fleetAgents: f });
}

const today = (): string => new Date().toISOString().slice(0, 10);

const machine = (): string =>
  `Machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${Math.round(totalmem() / 2 ** 30)} GiB, load average ${loadavg()[0]?.toFixed(1)} at the end; Node ${process.version}.`;

/** Prints the Markdown block for BENCHMARKS.md and keeps the raw figures in bench/results/. */
async function publish(lines: readonly string[], raw: unknown): Promise<void> {
  process.stdout.write(`\n${lines.join('\n')}\n`);
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`),
    JSON.stringify(raw, null, 2),
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
