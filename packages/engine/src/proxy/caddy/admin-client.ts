/**
 * Caddy's admin API over its unix socket. Caddy 2.6 answers 403 "host not allowed" unless the
 * Host header is present and empty, so Node's automatic Host header is switched off.
 */

import http from 'node:http';
import { BerthError } from '@berth/protocol';

/** One upstream as Caddy reports it. */
export interface UpstreamStatus {
  /** `host:port` as Caddy dials it, e.g. `berth-web-v3-k2x9m4-1.replicas.berth.internal.:41234`. */
  address: string;
  /** Requests in flight to this upstream right now. */
  inflight: number;
  fails: number;
}

export interface CaddyAdmin {
  readonly socketPath: string;
  /** The running config, or null when Caddy runs without one. */
  getConfig(): Promise<unknown>;
  load(config: unknown): Promise<void>;
  upstreams(): Promise<UpstreamStatus[]>;
  /** Resolves when the admin API answers at all. */
  ping(): Promise<void>;
}

export interface CaddyAdminOptions {
  timeoutMs?: number;
}

interface AdminResponse {
  status: number;
  body: string;
}

const MAX_BODY_BYTES = 16 * 1024 * 1024;

function unavailable(socketPath: string, what: string, cause?: unknown): BerthError {
  return new BerthError('PROXY_UNAVAILABLE', `Caddy's admin API at ${socketPath} ${what}`, {
    hint: 'Check that Caddy is running (berth up starts it) and look at its log.',
    cause,
  });
}

function request(
  socketPath: string,
  method: 'GET' | 'POST',
  path: string,
  timeoutMs: number,
  body?: string,
): Promise<AdminResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { host: '' };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    const req = http.request(
      { socketPath, method, path, setHost: false, headers, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_BODY_BYTES) req.destroy(new Error(`answer to ${method} ${path} is too large`));
          else chunks.push(c);
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', (e) => reject(unavailable(socketPath, `broke off answering ${method} ${path}`, e)));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (e: NodeJS.ErrnoException) => {
      const what =
        e.code === 'ENOENT' || e.code === 'ECONNREFUSED'
          ? 'is not listening'
          : `failed on ${method} ${path}: ${e.message}`;
      reject(unavailable(socketPath, what, e));
    });
    req.end(body);
  });
}

/** Caddy reports errors as `{"error": "..."}`; fall back to the raw text. */
function caddyMessage(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      'error' in parsed &&
      typeof parsed.error === 'string'
    ) {
      return parsed.error;
    }
  } catch {
    // not JSON: use the text as it is
  }
  return body.trim().slice(0, 2000);
}

function parseJson(socketPath: string, what: string, body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch (e) {
    throw unavailable(socketPath, `answered ${what} with something that is not JSON`, e);
  }
}

/** Caddy's `[{address, num_requests, fails}]` → UpstreamStatus[]; skips entries it cannot read. */
export function toUpstreamStatuses(v: unknown): UpstreamStatus[] {
  if (!Array.isArray(v)) return [];
  const out: UpstreamStatus[] = [];
  for (const item of v as unknown[]) {
    if (typeof item !== 'object' || item === null) continue;
    const { address, num_requests: inflight, fails } = item as Record<string, unknown>;
    if (typeof address !== 'string') continue;
    out.push({
      address,
      inflight: typeof inflight === 'number' ? inflight : 0,
      fails: typeof fails === 'number' ? fails : 0,
    });
  }
  return out;
}

export function createCaddyAdmin(socketPath: string, options: CaddyAdminOptions = {}): CaddyAdmin {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const call = async (method: 'GET' | 'POST', path: string, body?: string): Promise<AdminResponse> => {
    const res = await request(socketPath, method, path, timeoutMs, body);
    if (res.status === 400 && path === '/load') {
      // Caddy refused a config we rendered: our bug, and the old config keeps serving.
      throw new BerthError('INTERNAL', `Caddy refused the proxy config: ${caddyMessage(res.body)}`);
    }
    if (res.status < 200 || res.status > 299) {
      throw unavailable(
        socketPath,
        `answered ${method} ${path} with ${res.status}: ${caddyMessage(res.body)}`,
      );
    }
    return res;
  };
  return {
    socketPath,
    async getConfig() {
      const res = await call('GET', '/config/');
      return parseJson(socketPath, 'GET /config/', res.body);
    },
    async load(config) {
      await call('POST', '/load', JSON.stringify(config));
    },
    async upstreams() {
      const res = await call('GET', '/reverse_proxy/upstreams');
      return toUpstreamStatuses(parseJson(socketPath, 'GET /reverse_proxy/upstreams', res.body));
    },
    async ping() {
      // The smallest part of the config: cheap to poll while waiting for Caddy to start.
      await call('GET', '/config/admin');
    },
  };
}
