/**
 * Issue 12's figures (`BENCH_ONLY=data npm run bench`, and part of the full run): rolling
 * deploys of an app with a volume under load (the target: no failed request), and what the
 * `recreate` strategy costs in the same conditions (the old replica stops before the new one
 * starts, for single writers: the edge holds requests through that gap).
 */
import type { createClient } from '@berth/client';
import { HELLO_V1, HELLO_V2 } from '../test/support/images.js';
import type { BerthUnderTest } from '../test/e2e/support/berth.js';
import { runLoad } from '../test/e2e/support/load.js';
import { percentile } from './measure.js';
import { deployAndWait } from './under-load.js';

type Client = ReturnType<typeof createClient>;

export interface StrategyUnderLoad {
  strategy: 'rolling' | 'recreate';
  deploys: number;
  /** API call → deployment succeeded, per deploy. */
  ms: number[];
  ok: number;
  non2xx: number;
  errors: number;
  /** The slowest request: with `recreate`, the gap shows here (the edge holds requests meanwhile). */
  slowestMs: number;
}

export interface DataFigures {
  clients: number;
  rolling: StrategyUnderLoad;
  recreate: StrategyUnderLoad;
}

const CLIENTS = 8;

export async function measureData(berth: BerthUnderTest, client: Client, deploys = 3): Promise<DataFigures> {
  return {
    clients: CLIENTS,
    rolling: await strategyUnderLoad(berth, client, 'rolling', deploys),
    recreate: await strategyUnderLoad(berth, client, 'recreate', deploys),
  };
}

/** An app of 2 replicas sharing a volume, redeployed `deploys` times while clients send requests. */
async function strategyUnderLoad(
  berth: BerthUnderTest,
  client: Client,
  strategy: 'rolling' | 'recreate',
  deploys: number,
): Promise<StrategyUnderLoad> {
  const app = `vol-${strategy}`;
  await client.createVolume({ name: `${app}-data` });
  await client.createApp({
    name: app,
    image: HELLO_V1,
    replicas: 2,
    strategy,
    volumes: [{ volume: `${app}-data`, path: '/data' }],
  });
  await deployAndWait(client, app, HELLO_V1);
  const f: StrategyUnderLoad = { strategy, deploys, ms: [], ok: 0, non2xx: 0, errors: 0, slowestMs: 0 };
  for (let i = 0; i < deploys; i++) {
    let deployed: () => void = () => undefined;
    const load = runLoad({
      port: berth.httpPort,
      host: `${app}.localhost`,
      concurrency: CLIENTS,
      until: new Promise<void>((resolve) => (deployed = resolve)),
      minRequests: 0,
      maxMs: 300_000,
      keepAlive: true,
    });
    f.ms.push(await deployAndWait(client, app, i % 2 === 0 ? HELLO_V2 : HELLO_V1).finally(() => deployed()));
    const r = await load;
    f.ok += r.ok;
    f.non2xx += r.non2xx;
    f.errors += r.errors;
    f.slowestMs = Math.max(f.slowestMs, r.slowestMs);
  }
  return f;
}

export function dataRows(f: DataFigures): { rows: string[]; verdict: string } {
  const ms = (xs: number[], q: number): string => `${Math.round(percentile(xs, q))} ms`;
  const row = (s: StrategyUnderLoad): string =>
    `| 2-replica app with a volume, \`${s.strategy}\` deploy under load (${f.clients} keep-alive clients, ${s.deploys} runs): API call → succeeded | ${ms(s.ms, 50)} | ${ms(s.ms, 95)} |`;
  const count = (s: StrategyUnderLoad): string =>
    `${s.ok + s.non2xx + s.errors} requests, ${s.non2xx} non-2xx, ${s.errors} connection errors, the slowest ${Math.round(s.slowestMs)} ms`;
  return {
    rows: [row(f.rolling), row(f.recreate)],
    verdict:
      `Volume app under load: \`rolling\` ${count(f.rolling)} (target: none failed, ` +
      `${f.rolling.non2xx + f.rolling.errors === 0 ? 'met' : 'NOT met'}); ` +
      `\`recreate\` ${count(f.recreate)} (the old replica stops before the new one starts: ` +
      `the edge holds requests through the gap, which shows as the slowest request).`,
  };
}
