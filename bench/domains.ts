/**
 * `BENCH_ONLY=domains npm run bench` (issue 11): a `berth up --https-port --acme-*` against a
 * real Pebble (standing in for Let's Encrypt):
 *   - `domains add` → the first HTTPS response verified against the CA, per name;
 *   - `domains renew` → the renewed certificate served at the next handshake, per name;
 *   - 20 domain changes (10 adds, 10 removals, with no certificate) while keep-alive clients load
 *     another app: requests failed and connections reset (never retried);
 *   - the nginx edge's render → validate → swap → reload, on a private nginx.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { connect as tlsConnect } from 'node:tls';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { createClient } from '@berth/client';
import {
  measureNginxPublishes,
  type NginxPublishFigures,
} from '../packages/engine/src/proxy/nginx/test-support/bench.js';
import { HELLO_V1 } from '../test/support/images.js';
import { startPebble } from '../test/support/pebble.js';
import { httpsGet } from '../test/support/tls-edge.js';
import { BerthUnderTest, freePort } from '../test/e2e/support/berth.js';
import { runLoad, type LoadResult } from '../test/e2e/support/load.js';
import { percentile } from './measure.js';

type Client = ReturnType<typeof createClient>;

export interface DomainFigures {
  /** domains add → first verified HTTPS response, per name (ms). */
  firstHttps: number[];
  /** domains renew → the new certificate served, per name (ms). */
  renewals: number[];
  changes: number;
  load: LoadResult;
  nginx: NginxPublishFigures;
}

const NAMES = 6;

export async function measureDomains(
  connect: (berth: BerthUnderTest) => Promise<Client>,
): Promise<DomainFigures> {
  const files = await mkdtemp(join(tmpdir(), 'berth-bench-domains-'));
  const berth = await BerthUnderTest.create();
  const pebble = await startPebble({ httpPort: berth.httpPort });
  const httpsPort = await freePort();
  try {
    const caFile = join(files, 'pebble-ca.pem');
    await writeFile(caFile, pebble.listenerCaPem);
    await berth.start([
      ...['--https-port', String(httpsPort), '--acme-email', 'bench@example.com'],
      ...['--acme-directory', pebble.directoryUrl, '--acme-ca-cert', caFile],
    ]);
    const client = await connect(berth);
    for (const name of ['site', 'loaded']) {
      await client.createApp({ name, image: HELLO_V1, replicas: 1 });
      await client.deploy(name);
    }
    await waitServed(berth, 'loaded');
    await waitServed(berth, 'site');
    const firstHttps: number[] = [];
    for (let i = 0; i < NAMES; i++) {
      const host = `site${i}.example.test`;
      const started = performance.now();
      await client.addDomain('site', { name: host });
      for (;;) {
        const ok = await httpsGet(httpsPort, host, '/', pebble.issuingRootPem).then(
          (r) => r.status === 200,
          () => false,
        );
        if (ok) break;
        if (performance.now() - started > 60_000) throw new Error(`${host} was never served over HTTPS`);
        await sleep(10);
      }
      firstHttps.push(performance.now() - started);
    }
    const renewals: number[] = [];
    for (let i = 0; i < 3; i++) {
      const host = `site${i}.example.test`;
      const before = await servedFingerprint(httpsPort, host);
      const started = performance.now();
      await client.renewDomain('site', host);
      while ((await servedFingerprint(httpsPort, host).catch(() => before)) === before) {
        if (performance.now() - started > 60_000) throw new Error(`${host} was never renewed`);
        await sleep(10);
      }
      renewals.push(performance.now() - started);
    }
    // Names added and removed again at once (each add queues an order that then finds its name gone).
    const changes = (async () => {
      for (let i = 0; i < 10; i++) {
        await client.addDomain('site', { name: `change${i}.example.test` });
        await sleep(100);
        await client.removeDomain('site', `change${i}.example.test`);
        await sleep(100);
      }
    })();
    const load = await runLoad({
      port: berth.httpPort,
      host: 'loaded.localhost',
      concurrency: 4,
      until: changes,
      minRequests: 500,
      maxMs: 60_000,
      keepAlive: true,
    });
    await changes;
    return { firstHttps, renewals, changes: 20, load, nginx: await measureNginxPublishes(20) };
  } finally {
    await berth.destroy();
    await pebble.stop();
    await rm(files, { recursive: true, force: true });
  }
}

/** The SHA-256 fingerprint of the certificate the edge serves for `host` at a new handshake. */
function servedFingerprint(port: number, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    // Not verified: this only tells certificates apart (the first-HTTPS figure verifies them).
    const socket = tlsConnect(
      { host: '127.0.0.1', port, servername: host, rejectUnauthorized: false },
      () => {
        resolve(socket.getPeerCertificate().fingerprint256);
        socket.end();
      },
    );
    socket.once('error', reject);
  });
}

async function waitServed(berth: BerthUnderTest, app: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if ((await berth.get(app).catch(() => ({ status: 0 }))).status === 200) return;
    await sleep(100);
  }
  throw new Error(`${app} never served`);
}

export function domainRows(f: DomainFigures): string[] {
  const p = (xs: number[], q: number): string => `${Math.round(percentile(xs, q))} ms`;
  const resets = f.load.errorCodes.ECONNRESET ?? 0;
  return [
    `| domains add → first verified HTTPS (Pebble, HTTP-01, ${f.firstHttps.length} names) | ${p(f.firstHttps, 50)} | ${p(f.firstHttps, 95)} |`,
    `| domains renew → the new certificate served (Pebble, HTTP-01, ${f.renewals.length} names) | ${p(f.renewals, 50)} | ${p(f.renewals, 95)} |`,
    `| ${f.changes} domain changes under keep-alive load: ${f.load.ok} ok, ${f.load.errors + f.load.non2xx} failed, ${resets} reset | | |`,
    `| nginx edge: render → nginx -t → swap → reload (${f.nginx.publishes} publishes) | ${Math.round(f.nginx.totalP50Ms)} ms | max ${Math.round(f.nginx.totalMaxMs)} ms |`,
    `| nginx edge, keep-alive clients across those reloads: ${f.nginx.load.requests} requests, ${f.nginx.load.failures.length} failed, ${f.nginx.load.resets} reset | | |`,
  ];
}
