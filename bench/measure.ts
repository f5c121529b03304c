import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

const POLL_MS = 15;

export function percentile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((q / 100) * sorted.length) - 1));
  return sorted[i] ?? Number.NaN;
}

/** One GET on a fresh connection; null on a connection error. */
export function getOnce(
  port: number,
  host: string,
  hostHeader?: string,
): Promise<{ status: number; body: string } | null> {
  return new Promise((resolve) => {
    const req = request(
      {
        host,
        port,
        path: '/',
        agent: false,
        headers: { host: hostHeader ?? `${host}:${port}` },
        timeout: 2000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
    req.end();
  });
}

/**
 * Polls through the proxy until the body contains `expect`. Every 15 ms: polling harder steals
 * CPU from the deploy being measured on a 2-core machine (each poll forks a busybox httpd).
 */
export async function waitForBody(
  port: number,
  hostHeader: string,
  expect: string,
  timeoutMs = 120_000,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const r = await getOnce(port, '127.0.0.1', hostHeader);
    if (r?.status === 200 && r.body.includes(expect)) return;
    await sleep(POLL_MS);
  }
  throw new Error(`${hostHeader} never served "${expect}"`);
}

/** Runs fn while polling the proxy the way waitForBody does, so both see the same background load. */
export async function withPolling<T>(port: number, hostHeader: string, fn: () => Promise<T>): Promise<T> {
  let done = false;
  const poller = (async () => {
    while (!done) {
      await getOnce(port, '127.0.0.1', hostHeader);
      await sleep(POLL_MS);
    }
  })();
  try {
    return await fn();
  } finally {
    done = true;
    await poller;
  }
}
