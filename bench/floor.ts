import { join } from 'node:path';
import { createCaddyAdmin, createDockerApiEngine } from '@berth/engine';
import { LIMIT_DEFAULTS } from '@berth/protocol';
import { HELLO_V1 } from '../test/support/images.js';
import type { BerthUnderTest } from '../test/e2e/support/berth.js';
import { getOnce } from './measure.js';

export interface Floor {
  createStart: number[];
  firstReply: number[];
  routeLoad: number[];
  total: number[];
}

/**
 * The least any deploy of one replica must take on this machine, measured on the same engine
 * and Caddy Berth uses, with nothing of Berth in between: create + start a container, poll it
 * until it first answers, and load one route change into Caddy.
 */
export async function measureFloor(berth: BerthUnderTest, samples: number): Promise<Floor> {
  const engine = createDockerApiEngine({ socketPath: join(berth.dataDir, 'run', 'podman.sock') });
  const caddy = createCaddyAdmin(join(berth.dataDir, 'run', 'caddy-admin.sock'));
  const { imageId } = await engine.resolveImage(HELLO_V1);
  // On a network of its own and with the default limits, as Berth runs every replica.
  const network = await engine.ensureNetwork({
    name: `berth-bench-floor-${process.pid}`,
    bridge: `bt-bench${process.pid % 100_000}`,
    labels: { 'berth.bench': 'floor' },
  });
  const floor: Floor = { createStart: [], firstReply: [], routeLoad: [], total: [] };
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    const c = await engine.createAndStart({
      name: `bench-floor-${process.pid}-${i}`,
      imageId,
      env: { PORT: '8080' },
      command: null,
      labels: { 'berth.bench': 'floor' },
      port: 8080,
      publishHost: '127.0.0.1',
      network: network.name,
      limits: LIMIT_DEFAULTS,
      files: [],
    });
    const t1 = performance.now();
    const port = c.published?.port ?? 0;
    while ((await getOnce(port, '127.0.0.1'))?.status !== 200) {
      if (performance.now() - t0 > 30_000) throw new Error('floor container never answered');
    }
    const t2 = performance.now();
    await engine.stopAndRemove(c.id, 1);
    const routeLoad = await timeRouteLoad(caddy);
    floor.createStart.push(t1 - t0);
    floor.firstReply.push(t2 - t0);
    floor.routeLoad.push(routeLoad);
    floor.total.push(t2 - t0 + routeLoad);
  }
  await engine.removeNetwork(network.name);
  return floor;
}

/** One POST /load of the running config with one extra route, then the original back. */
async function timeRouteLoad(caddy: ReturnType<typeof createCaddyAdmin>): Promise<number> {
  const original = (await caddy.getConfig()) as {
    apps?: { http?: { servers?: Record<string, { routes?: unknown[] }> } };
  };
  const changed = structuredClone(original);
  const server = Object.values(changed.apps?.http?.servers ?? {})[0];
  if (!server) throw new Error('Caddy has no HTTP server to change');
  server.routes = [
    {
      match: [{ host: ['bench-floor.localhost'] }],
      handle: [{ handler: 'static_response', body: 'floor' }],
      terminal: true,
    },
    ...(server.routes ?? []),
  ];
  const t0 = performance.now();
  await caddy.load(changed);
  const ms = performance.now() - t0;
  await caddy.load(original);
  return ms;
}
