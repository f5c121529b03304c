import { Agent, request } from 'node:http';

export interface LoadResult {
  ok: number;
  non2xx: number;
  errors: number;
  errorCodes: Record<string, number>;
  /** How many responses carried each body (e.g. `hello v1` vs `hello v2`). */
  bodies: Record<string, number>;
  statuses: Record<string, number>;
  /** The longest a request took, sent to answered or failed (ms). */
  slowestMs: number;
}

export interface LoadOptions {
  port: number;
  /** The Host header. */
  host: string;
  /** Where to connect (127.0.0.1 unless given: a fleet server's edge is on its own address). */
  address?: string;
  concurrency: number;
  /** Keeps going until this resolves AND at least minRequests were made (bounded by maxMs). */
  until: Promise<unknown>;
  minRequests: number;
  maxMs: number;
  keepAlive: boolean;
  /** Called as each request ends, answered or failed (e.g. to wait for warm connections). */
  onEnded?: () => void;
}

/**
 * A bounded load loop against the proxy: `concurrency` workers send GETs back to back. Every
 * response and every connection error is counted; nothing is retried.
 */
export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const result: LoadResult = {
    ok: 0,
    non2xx: 0,
    errors: 0,
    errorCodes: {},
    bodies: {},
    statuses: {},
    slowestMs: 0,
  };
  const agent = new Agent({ keepAlive: opts.keepAlive, maxSockets: opts.concurrency });
  let done = false;
  void opts.until.finally(() => {
    done = true;
  });
  const started = Date.now();
  const more = (): boolean =>
    Date.now() - started < opts.maxMs &&
    (!done || result.ok + result.non2xx + result.errors < opts.minRequests);
  const one = (): Promise<void> => {
    const sent = performance.now();
    return new Promise<void>((resolve) => {
      const req = request(
        {
          host: opts.address ?? '127.0.0.1',
          port: opts.port,
          path: '/',
          agent,
          headers: { host: opts.host },
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => {
            const code = res.statusCode ?? 0;
            result.statuses[code] = (result.statuses[code] ?? 0) + 1;
            if (code >= 200 && code < 300) result.ok++;
            else result.non2xx++;
            const key = body.trim().slice(0, 60);
            result.bodies[key] = (result.bodies[key] ?? 0) + 1;
            resolve();
          });
          res.on('error', (err: NodeJS.ErrnoException) => {
            result.errors++;
            result.errorCodes[err.code ?? err.message] =
              (result.errorCodes[err.code ?? err.message] ?? 0) + 1;
            resolve();
          });
        },
      );
      req.on('error', (err: NodeJS.ErrnoException) => {
        result.errors++;
        result.errorCodes[err.code ?? err.message] = (result.errorCodes[err.code ?? err.message] ?? 0) + 1;
        resolve();
      });
      req.end();
    }).then(() => {
      opts.onEnded?.();
      result.slowestMs = Math.max(result.slowestMs, performance.now() - sent);
    });
  };
  const worker = async (): Promise<void> => {
    while (more()) await one();
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  agent.destroy();
  return result;
}
