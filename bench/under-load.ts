import { setTimeout as sleep } from 'node:timers/promises';
import type { createClient } from '@berth/client';
import { HELLO_V1, HELLO_V2 } from '../test/support/images.js';
import type { BerthUnderTest } from '../test/e2e/support/berth.js';
import { runLoad } from '../test/e2e/support/load.js';
import { percentile } from './measure.js';

type Client = ReturnType<typeof createClient>;

export interface IdleVsLoadFigures {
  clients: number;
  /** API call → deployment succeeded, without traffic. */
  idle: number[];
  /** The same, while `clients` keep-alive clients send requests back to back. */
  loaded: number[];
  /** Over every loaded deploy. */
  requests: number;
  non2xx: number;
  errors: number;
  /** The slowest request seen under load: an upper bound of how long one in flight holds a replica. */
  slowestMs: number;
}

/** The target of issue 9: under load within 1.5× the idle time plus the real drain. */
export const LOAD_RATIO_TARGET = 1.5;

/** How long the clients run before the deploy, so their connections and Caddy's are warm. */
const WARM_UP_MS = 1000;

/**
 * A 2-replica app redeployed `samples` times idle and `samples` times under load, alternately,
 * so both see the same background (the machine is shared). Each deploy is timed from the API
 * call to the deployment's end.
 */
export async function measureIdleVsLoad(
  berth: BerthUnderTest,
  client: Client,
  opts: { clients: number; samples: number },
): Promise<IdleVsLoadFigures> {
  const app = 'rolling';
  await client.createApp({ name: app, image: HELLO_V1, replicas: 2 });
  await deployAndWait(client, app, HELLO_V1);
  const f: IdleVsLoadFigures = {
    clients: opts.clients,
    idle: [],
    loaded: [],
    requests: 0,
    non2xx: 0,
    errors: 0,
    slowestMs: 0,
  };
  let image = HELLO_V2;
  const next = (): string => {
    const now = image;
    image = image === HELLO_V2 ? HELLO_V1 : HELLO_V2;
    return now;
  };
  for (let i = 0; i < opts.samples; i++) {
    f.idle.push(await deployAndWait(client, app, next()));
    let deployed: () => void = () => undefined;
    const load = runLoad({
      port: berth.httpPort,
      host: `${app}.localhost`,
      concurrency: opts.clients,
      until: new Promise<void>((resolve) => (deployed = resolve)),
      minRequests: 0,
      maxMs: 300_000,
      keepAlive: true,
    });
    await sleep(WARM_UP_MS);
    f.loaded.push(await deployAndWait(client, app, next()).finally(() => deployed()));
    const r = await load;
    f.requests += r.ok + r.non2xx + r.errors;
    f.non2xx += r.non2xx;
    f.errors += r.errors;
    f.slowestMs = Math.max(f.slowestMs, r.slowestMs);
  }
  return f;
}

/** API call → deployment succeeded, in ms; throws when it ends otherwise. */
export async function deployAndWait(client: Client, app: string, image: string): Promise<number> {
  const started = performance.now();
  const { id } = await client.deploy(app, image);
  let status = 'unknown';
  for await (const line of client.deploymentEvents(id, true))
    if (line.type === 'end') status = line.deployment.status;
  if (status !== 'succeeded') throw new Error(`deploy of ${app} to ${image} ended ${status}`);
  return performance.now() - started;
}

/** Rows for the bench table and the sentence that judges them against the target. */
export function idleVsLoadReport(f: IdleVsLoadFigures): { rows: string[]; verdict: string } {
  const ms = (xs: number[], q: number): string => `${Math.round(percentile(xs, q))} ms`;
  const idle = percentile(f.idle, 50);
  const loaded = percentile(f.loaded, 50);
  const allowed = LOAD_RATIO_TARGET * idle + f.slowestMs;
  const label = `${f.clients} keep-alive clients`;
  return {
    rows: [
      `| 2-replica deploy, idle: API call → deployment succeeded (${f.idle.length} runs) | ${ms(f.idle, 50)} | ${ms(f.idle, 95)} |`,
      `| 2-replica deploy under load (${label}): the same (${f.loaded.length} runs) | ${ms(f.loaded, 50)} | ${ms(f.loaded, 95)} |`,
    ],
    verdict:
      `2-replica deploy under load (${label}) vs idle, medians: ${Math.round(loaded)} ms vs ${Math.round(idle)} ms, ` +
      `${(loaded / idle).toFixed(2)}× (target ≤ ${LOAD_RATIO_TARGET}× + the real drain, the slowest request ` +
      `${Math.round(f.slowestMs)} ms: ≤ ${Math.round(allowed)} ms, ${loaded <= allowed ? 'met' : 'NOT met'}); ` +
      `${f.requests} requests during the loaded deploys, ${f.non2xx} non-2xx, ${f.errors} connection errors.`,
  };
}
