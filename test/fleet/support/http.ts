/**
 * Reaching the fleet's servers. Namespaces have no DNS: name an app by the Host header and a
 * server by its IP. Every request uses a fresh connection (no keep-alive), so a frozen or
 * cut-off server shows as a timeout, not as a reused socket that happens to work.
 */
import { request } from 'node:http';
import type { FleetServer } from './server.js';

export interface HttpAnswer {
  status: number;
  body: string;
}

/** A request that got no answer in time (a frozen, partitioned or dead server). */
export class HttpTimeoutError extends Error {
  constructor(
    readonly url: string,
    readonly timeoutMs: number,
  ) {
    super(`GET ${url} got no answer within ${timeoutMs} ms`);
    this.name = 'HttpTimeoutError';
  }
}

export interface HttpGetOptions {
  /** The Host header (an app's domain); the URL's host when absent. */
  host?: string;
  timeoutMs?: number;
}

/** GET `url` from the root namespace, e.g. `http://${server.ip}:80/` with `{ host: 'app.test' }`. */
export function httpGet(url: string, options: HttpGetOptions = {}): Promise<HttpAnswer> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  return new Promise((resolve, reject) => {
    const headers = options.host === undefined ? {} : { Host: options.host };
    const req = request(url, { headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, body });
      });
      res.on('error', reject);
    });
    // A whole-request deadline: req.setTimeout only starts counting once connected, and a
    // connect to a cut-off address can take minutes to fail.
    const timer = setTimeout(() => req.destroy(new HttpTimeoutError(url, timeoutMs)), timeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end();
  });
}

export type ConnectOutcome = 'connected' | 'timeout' | 'refused' | 'unreachable' | 'error';

/**
 * Whether a TCP connection from inside `server` to ip:port succeeds. Runs node in the server's
 * namespace (its cgroup too): the root namespace's view says nothing about a server's.
 */
export async function connectFrom(
  server: FleetServer,
  ip: string,
  port: number,
  timeoutMs = 1_500,
): Promise<ConnectOutcome> {
  const r = await server.exec(process.execPath, ['-e', CONNECT_PROBE, ip, String(port), String(timeoutMs)], {
    timeoutMs: timeoutMs + 10_000,
  });
  const outcome = r.stdout.trim();
  return isOutcome(outcome) ? outcome : 'error';
}

const isOutcome = (s: string): s is ConnectOutcome =>
  ['connected', 'timeout', 'refused', 'unreachable', 'error'].includes(s);

/** argv: ip port timeoutMs; prints one ConnectOutcome. */
const CONNECT_PROBE = `
const [ip, port, ms] = process.argv.slice(1);
const s = require('node:net').connect({ host: ip, port: Number(port) });
const done = (what) => { console.log(what); s.destroy(); process.exit(0); };
s.setTimeout(Number(ms), () => done('timeout'));
s.once('connect', () => done('connected'));
s.once('error', (e) => done(e.code === 'ECONNREFUSED' ? 'refused'
  : e.code === 'ENETUNREACH' || e.code === 'EHOSTUNREACH' ? 'unreachable' : 'error'));
`;
