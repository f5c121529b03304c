/**
 * For `npm run bench`: the nginx edge's render → validate (`nginx -t`) → swap → reload, p50 over
 * `publishes` publishes that each change the upstreams, on a private nginx; and what keep-alive
 * clients saw across those reloads (resets counted, never retried).
 */

import { toAppRoutes } from '@berth/core';
import { startBackend } from './backend.js';
import { startLoad, type LoadReport } from './load.js';
import { startTestNginx } from './nginx.js';

export interface NginxPublishFigures {
  publishes: number;
  /** The whole publish() call. */
  totalP50Ms: number;
  totalMaxMs: number;
  renderP50Ms: number;
  testP50Ms: number;
  swapP50Ms: number;
  /** HUP → `start worker processes`. */
  loadedP50Ms: number;
  /** HUP → `start worker processes` → the old workers `gracefully shutting down`. */
  reloadP50Ms: number;
  load: LoadReport;
}

const p50 = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.ceil(s.length / 2) - 1] ?? Number.NaN;
};

export async function measureNginxPublishes(publishes = 20): Promise<NginxPublishFigures> {
  const nginx = await startTestNginx({ workerProcesses: 2 });
  const a = await startBackend('a');
  const b = await startBackend('b');
  try {
    const edge = nginx.edge();
    const routes = toAppRoutes([{ appId: 'app_bench', appName: 'bench', hostnames: ['bench.test'] }]);
    await edge.publish({ routes, upstreams: { bench: [a.upstream] } });
    const load = startLoad({ port: nginx.httpPort, host: 'bench.test', clients: 4, maxDelayMs: 10 });
    const parts = {
      total: [] as number[],
      render: [] as number[],
      test: [] as number[],
      swap: [] as number[],
      loaded: [] as number[],
      reload: [] as number[],
    };
    for (let i = 0; i < publishes; i++) {
      const t = performance.now();
      await edge.publish(
        { routes, upstreams: { bench: [i % 2 === 0 ? b.upstream : a.upstream] } },
        `bench ${i}`,
      );
      parts.total.push(performance.now() - t);
      const timing = edge.lastTiming();
      if (timing === null) throw new Error('a publish that changed the upstreams did not reload');
      parts.render.push(timing.renderMs);
      parts.test.push(timing.testMs);
      parts.swap.push(timing.swapMs);
      parts.loaded.push(timing.loadedMs);
      parts.reload.push(timing.reloadMs);
      await new Promise((r) => setTimeout(r, 100));
    }
    const report = await load.stop();
    return {
      publishes,
      totalP50Ms: Math.round(p50(parts.total)),
      totalMaxMs: Math.round(Math.max(...parts.total)),
      renderP50Ms: p50(parts.render),
      testP50Ms: p50(parts.test),
      swapP50Ms: p50(parts.swap),
      loadedP50Ms: p50(parts.loaded),
      reloadP50Ms: p50(parts.reload),
      load: report,
    };
  } finally {
    await nginx.stop();
    await a.close();
    await b.close();
  }
}
