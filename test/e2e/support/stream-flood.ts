/**
 * A bounded flood of long-lived stream requests against one berthd, and a latency sampler to run
 * beside it: what an attacker with one token does to `GET /apps/{app}/logs?follow=1`, and what
 * everyone else then sees. Loopback only; every loop is bounded in count and time.
 */
import { Agent, request, type ClientRequest, type IncomingMessage } from 'node:http';

/** A stream berthd admitted: it stays open, collecting lines, until closed. */
export interface HeldStream {
  lines: string[];
  closed: boolean;
  close(): void;
}

export interface FloodResult {
  held: HeldStream[];
  /** Responses by status code (200 = admitted and held open). */
  statuses: Record<string, number>;
  /** Bodies of a few refusals, to read their message. */
  refusals: { status: number; retryAfter: string | undefined; body: string }[];
  errors: Record<string, number>;
  ms: number;
}

export interface FloodOptions {
  port: number;
  path: string;
  token: string;
  attempts: number;
  /** Requests waiting for their answer at once; a held stream stops counting once its 200 came. */
  concurrency: number;
  maxMs: number;
}

/** Fires `attempts` requests for path, `concurrency` at a time, each on its own connection. */
export async function floodStreams(o: FloodOptions): Promise<FloodResult> {
  const result: FloodResult = { held: [], statuses: {}, refusals: [], errors: {}, ms: 0 };
  const started = Date.now();
  let fired = 0;
  const worker = async (): Promise<void> => {
    while (fired < o.attempts && Date.now() - started < o.maxMs) {
      fired++;
      await attempt(o, result);
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  result.ms = Date.now() - started;
  return result;
}

function attempt(o: FloodOptions, result: FloodResult): Promise<void> {
  return new Promise((resolve) => {
    const req: ClientRequest = request(
      {
        host: '127.0.0.1',
        port: o.port,
        path: o.path,
        agent: false,
        headers: { authorization: `Bearer ${o.token}` },
      },
      (res) => {
        const status = res.statusCode ?? 0;
        result.statuses[status] = (result.statuses[status] ?? 0) + 1;
        if (status === 200) {
          result.held.push(hold(req, res));
          resolve();
          return;
        }
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('close', () => {
          if (result.refusals.length < 5)
            result.refusals.push({ status, retryAfter: res.headers['retry-after'], body });
          resolve();
        });
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => {
      const code = err.code ?? err.message;
      result.errors[code] = (result.errors[code] ?? 0) + 1;
      resolve();
    });
    req.end();
  });
}

function hold(req: ClientRequest, res: IncomingMessage): HeldStream {
  const held: HeldStream = {
    lines: [],
    closed: false,
    close: () => {
      held.closed = true;
      req.destroy();
    },
  };
  let rest = '';
  res.setEncoding('utf8');
  res.on('data', (c: string) => {
    const parts = (rest + c).split('\n');
    rest = parts.pop() ?? '';
    held.lines.push(...parts.filter((l) => l !== ''));
  });
  res.on('close', () => (held.closed = true));
  res.on('error', () => (held.closed = true));
  return held;
}

export interface LatencySampler {
  /** Milliseconds per request, in the order they were made. */
  samples: number[];
  /** Stops after the request in flight; rejects if a request failed. */
  stop(): Promise<void>;
}

/**
 * Times `GET path` back to back, with a pause between, on one keep-alive connection opened
 * before it resolves: a client that was already connected, as a dashboard or a CLI in a loop is.
 */
export async function startLatencySampler(o: {
  port: number;
  path: string;
  token: string;
  gapMs: number;
  maxMs: number;
}): Promise<LatencySampler> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const samples: number[] = [];
  let stopped = false;
  const started = Date.now();
  const one = async (): Promise<void> => {
    const t0 = performance.now();
    const status = await get(o.port, o.path, o.token, agent);
    if (status !== 200) throw new Error(`GET ${o.path} answered ${status}`);
    samples.push(performance.now() - t0);
  };
  await one(); // connected and warm
  samples.length = 0;
  const loop = (async () => {
    try {
      while (!stopped && Date.now() - started < o.maxMs) {
        await one();
        await new Promise((r) => setTimeout(r, o.gapMs));
      }
    } finally {
      agent.destroy();
    }
  })();
  return {
    samples,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

function get(port: number, path: string, token: string, agent: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, agent, headers: { authorization: `Bearer ${token}` } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

export function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}
