/**
 * Caddy's half of the Caddy edge: its admin API. The edge's config is loaded only when it differs
 * from what runs (at start, or after Caddy lost it), because every Caddy 2.6 load opens a new
 * listener, resets client connections and closes WebSockets. Routes, upstreams and certificates
 * never come through here: they go to the edge service (see caddy-edge.ts).
 */

import { isDeepStrictEqual } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { BerthError } from '@berth/protocol';
import { createCaddyAdmin } from './admin-client.js';
import type { CaddyAdmin, UpstreamStatus } from './admin-client.js';
import type { CaddyJson } from './config.js';
import { createSerialQueue } from '@berth/io';

export interface CaddyProxyOptions {
  adminSocket: string;
  /** How long ready() waits for the admin API. */
  readyTimeoutMs?: number;
  /** Per admin request. */
  requestTimeoutMs?: number;
}

/** JSON as Caddy hands it back: key order and `undefined` members do not count as differences. */
function normalize(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalize);
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(v).sort()) {
      const value = (v as Record<string, unknown>)[key];
      if (value !== undefined) out[key] = normalize(value);
    }
    return out;
  }
  return v;
}

export const isSameCaddyConfig = (a: unknown, b: unknown): boolean =>
  isDeepStrictEqual(
    normalize(JSON.parse(JSON.stringify(a ?? null))),
    normalize(JSON.parse(JSON.stringify(b ?? null))),
  );

async function waitForAdmin(admin: CaddyAdmin, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      await admin.ping();
      return;
    } catch (e) {
      last = e;
    }
    if (Date.now() >= deadline) break;
    await sleep(50);
  }
  const detail = last instanceof Error ? last.message : String(last);
  throw new BerthError(
    'PROXY_UNAVAILABLE',
    `Caddy did not answer on ${admin.socketPath} within ${timeoutMs} ms: ${detail}`,
    {
      hint: 'Check that Caddy started (its log says why not) and that no other Caddy holds the socket.',
      cause: last,
    },
  );
}

export interface CaddyProxy {
  /** Makes Caddy run exactly this config; returns false when nothing had to change. */
  applyConfig(config: CaddyJson): Promise<boolean>;
  /** In-flight requests per upstream. An upstream with none may be absent. */
  upstreams(): Promise<UpstreamStatus[]>;
  /** Resolves when the admin API answers. */
  ready(): Promise<void>;
}

export function createCaddyProxy(options: CaddyProxyOptions): CaddyProxy {
  const { adminSocket } = options;
  const admin = createCaddyAdmin(
    adminSocket,
    options.requestTimeoutMs === undefined ? {} : { timeoutMs: options.requestTimeoutMs },
  );
  // Two overlapping calls could each compare against the same old config and load in the wrong
  // order; one at a time keeps the last call's config the one that runs.
  const serialized = createSerialQueue();
  return {
    applyConfig(desired) {
      return serialized(async () => {
        const running = await admin.getConfig();
        if (isSameCaddyConfig(running, desired)) return false;
        await admin.load(desired);
        return true;
      });
    },
    upstreams: () => admin.upstreams(),
    ready: () => waitForAdmin(admin, options.readyTimeoutMs ?? 10_000),
  };
}
