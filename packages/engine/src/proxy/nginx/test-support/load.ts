/**
 * Keep-alive clients that send requests through an edge until stopped, and count what they saw.
 * A connection reset on a reused keep-alive connection (the server closed it as the request went
 * out, which is what a reloading nginx's old worker does) is counted apart from a failure, and
 * never retried: the count is what a client without retries would see.
 */

import http from 'node:http';

export interface LoadReport {
  requests: number;
  ok: number;
  /** Resets (ECONNRESET, EPIPE, socket hang up) on a reused keep-alive connection. */
  resets: number;
  /** Anything else: a status other than 200, or an error on a fresh connection. */
  failures: string[];
  /** Responses by body (the replica's name). */
  byBody: Record<string, number>;
}

export interface LoadOptions {
  port: number;
  host: string;
  clients: number;
  /** Each request asks the backend to wait up to this long, so some are in flight at any time. */
  maxDelayMs?: number;
  /** Stop on its own after this many requests in all (a bound on the test's length). */
  maxRequests?: number;
}

export interface Load {
  stop(): Promise<LoadReport>;
}

const RESET_CODES = new Set(['ECONNRESET', 'EPIPE']);

export function startLoad(options: LoadOptions): Load {
  const report: LoadReport = { requests: 0, ok: 0, resets: 0, failures: [], byBody: {} };
  let stopping = false;
  const maxDelay = options.maxDelayMs ?? 20;
  const one = (agent: http.Agent): Promise<void> =>
    new Promise((resolve) => {
      report.requests++;
      const ms = Math.floor(Math.random() * maxDelay);
      const req = http.get(
        {
          host: '127.0.0.1',
          port: options.port,
          path: `/slow?ms=${ms}`,
          headers: { host: options.host },
          agent,
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => {
            if (res.statusCode === 200) {
              report.ok++;
              report.byBody[body] = (report.byBody[body] ?? 0) + 1;
            } else report.failures.push(`status ${res.statusCode}: ${body.slice(0, 80)}`);
            resolve();
          });
          res.on('error', (e) => {
            report.failures.push(`response: ${e.message}`);
            resolve();
          });
        },
      );
      req.on('error', (e: NodeJS.ErrnoException) => {
        if (req.reusedSocket && RESET_CODES.has(e.code ?? '')) report.resets++;
        else report.failures.push(`${e.code ?? ''} ${e.message}`);
        resolve();
      });
    });
  const loops = Array.from({ length: options.clients }, async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    while (!stopping && report.requests < (options.maxRequests ?? Infinity)) await one(agent);
    agent.destroy();
  });
  return {
    async stop() {
      stopping = true;
      await Promise.all(loops);
      return report;
    },
  };
}
