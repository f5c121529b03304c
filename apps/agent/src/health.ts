import { request } from 'node:http';
import { connect } from 'node:net';
import type { HealthCheck } from '@berth/protocol';

export type HealthStatus = 'unknown' | 'healthy' | 'unhealthy';

interface Tracked {
  endpoint: { host: string; port: number };
  check: HealthCheck;
  /** New replicas are probed quickly so a deploy does not wait out a long interval. */
  eager: boolean;
  status: HealthStatus;
  lastError: string | null;
  timer: NodeJS.Timeout | null;
  probing: boolean;
}

/** How often a replica that is not serving yet is probed. */
const EAGER_INTERVAL_MS = 10;

/**
 * Probes replicas in the background and keeps the latest result per container, so the
 * reconciler reads health without waiting on a probe. A change of result wakes the reconciler.
 */
export class HealthMonitor {
  private readonly tracked = new Map<string, Tracked>();

  constructor(private readonly onChange: () => void) {}

  /** Starts or updates probing of a container; `eager` while it is not serving yet. */
  track(
    containerId: string,
    endpoint: { host: string; port: number },
    check: HealthCheck,
    eager: boolean,
  ): void {
    const t = this.tracked.get(containerId);
    if (t) {
      if (t.eager !== eager) {
        t.eager = eager;
        this.schedule(containerId, t, 0);
      }
      return;
    }
    const fresh: Tracked = {
      endpoint,
      check,
      eager,
      status: 'unknown',
      lastError: null,
      timer: null,
      probing: false,
    };
    this.tracked.set(containerId, fresh);
    this.schedule(containerId, fresh, 0);
  }

  status(containerId: string): HealthStatus {
    return this.tracked.get(containerId)?.status ?? 'unknown';
  }

  lastError(containerId: string): string | null {
    return this.tracked.get(containerId)?.lastError ?? null;
  }

  /** Stops probing containers that are gone or no longer running. */
  retain(containerIds: ReadonlySet<string>): void {
    for (const [id, t] of this.tracked) {
      if (containerIds.has(id)) continue;
      if (t.timer) clearTimeout(t.timer);
      this.tracked.delete(id);
    }
  }

  stop(): void {
    this.retain(new Set());
  }

  private schedule(id: string, t: Tracked, delayMs: number): void {
    if (t.timer) clearTimeout(t.timer);
    t.timer = setTimeout(() => void this.probeOnce(id, t), delayMs);
    t.timer.unref();
  }

  private async probeOnce(id: string, t: Tracked): Promise<void> {
    if (t.probing || this.tracked.get(id) !== t) return;
    t.probing = true;
    const error = await probe(t.endpoint, t.check);
    t.probing = false;
    if (this.tracked.get(id) !== t) return;
    const status: HealthStatus = error === null ? 'healthy' : 'unhealthy';
    t.lastError = error;
    const changed = status !== t.status;
    t.status = status;
    this.schedule(id, t, t.eager ? EAGER_INTERVAL_MS : t.check.intervalMs);
    if (changed) this.onChange();
  }
}

/** One probe: null when healthy, else why not. */
export function probe(endpoint: { host: string; port: number }, check: HealthCheck): Promise<string | null> {
  return check.type === 'tcp' ? probeTcp(endpoint, check.probeTimeoutMs) : probeHttp(endpoint, check);
}

function probeHttp(endpoint: { host: string; port: number }, check: HealthCheck): Promise<string | null> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: endpoint.host,
        port: endpoint.port,
        path: check.path,
        method: 'GET',
        timeout: check.probeTimeoutMs,
        headers: { 'user-agent': 'berth-health/1', connection: 'close' },
        agent: false,
      },
      (res) => {
        res.resume();
        const code = res.statusCode ?? 0;
        resolve(code >= 200 && code < 400 ? null : `GET ${check.path} answered ${code}`);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${check.probeTimeoutMs} ms`)));
    req.on('error', (err) => resolve(`GET ${check.path}: ${err.message}`));
    req.end();
  });
}

function probeTcp(endpoint: { host: string; port: number }, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = connect({ host: endpoint.host, port: endpoint.port, timeout: timeoutMs });
    socket.once('connect', () => {
      socket.destroy();
      resolve(null);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(`no connection within ${timeoutMs} ms`);
    });
    socket.once('error', (err) => resolve(`connect: ${err.message}`));
  });
}
