import { request } from 'node:http';
import { connect } from 'node:net';
import type { HealthCheck } from '@berth/protocol';
import { nextProbeDelayMs, probeNowOnChange, type ProbePhase } from './health-schedule.js';
import type { ProbeWindow } from './logs/health-lines.js';

export type HealthStatus = 'unknown' | 'healthy' | 'unhealthy';

/** The User-Agent of every HTTP probe: access logs that show it let `logs --no-health` find them. */
export const PROBE_USER_AGENT = 'berth-health/1';

/**
 * What a probe reaches: a replica's published port (the release's http or tcp check), or a
 * command run in its container (a managed database's engine check: ./health-exec.ts), which
 * gets the check's probe timeout and answers as a probe does (null: healthy).
 */
export type ProbeTarget =
  { host: string; port: number } | { exec: (timeoutMs: number) => Promise<string | null> };

interface Tracked {
  endpoint: ProbeTarget;
  check: HealthCheck;
  phase: ProbePhase;
  status: HealthStatus;
  lastError: string | null;
  timer: NodeJS.Timeout | null;
  probing: boolean;
  /** When the recent probes ran (oldest first), for telling their log lines apart. */
  windows: ProbeWindow[];
}

/** Probe windows kept per replica: hours of steady probing, minutes of rolling. */
const WINDOWS_KEPT = 512;

/**
 * Probes replicas in the background and keeps the latest result per container, so the
 * reconciler reads health without waiting on a probe. A change of result wakes the reconciler.
 * How often: ./health-schedule.ts.
 */
export class HealthMonitor {
  private readonly tracked = new Map<string, Tracked>();

  constructor(
    private readonly onChange: () => void,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Starts or updates probing of a container, at the rate of its phase. */
  track(containerId: string, endpoint: ProbeTarget, check: HealthCheck, phase: ProbePhase): void {
    const t = this.tracked.get(containerId);
    if (t) {
      if (t.phase !== phase) {
        const now = probeNowOnChange(t.phase, phase);
        t.phase = phase;
        if (now) this.schedule(containerId, t, 0);
      }
      return;
    }
    const fresh: Tracked = {
      endpoint,
      check,
      phase,
      status: 'unknown',
      lastError: null,
      timer: null,
      probing: false,
      windows: [],
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

  /** When the recent probes of a container ran, oldest first (empty for one not probed). */
  windows(containerId: string): readonly ProbeWindow[] {
    return this.tracked.get(containerId)?.windows ?? [];
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
    const startMs = this.clock();
    const error = await probe(t.endpoint, t.check);
    t.probing = false;
    if (this.tracked.get(id) !== t) return;
    // A probe that found nothing listening made no request the app could log.
    if (!isRefusedProbe(error)) {
      t.windows.push({ startMs, endMs: this.clock() });
      if (t.windows.length > WINDOWS_KEPT) t.windows.shift();
    }
    const status: HealthStatus = error === null ? 'healthy' : 'unhealthy';
    t.lastError = error;
    const changed = status !== t.status;
    t.status = status;
    this.schedule(id, t, nextProbeDelayMs(t.check, t.phase, error === null));
    if (changed) this.onChange();
  }
}

const REFUSED = 'connection refused';

/** Whether a probe's error says its connection was refused (no request reached anything). */
export const isRefusedProbe = (error: string | null): boolean => error?.includes(REFUSED) ?? false;

/** One probe: null when healthy, else why not. */
export function probe(endpoint: ProbeTarget, check: HealthCheck): Promise<string | null> {
  if ('exec' in endpoint) return endpoint.exec(check.probeTimeoutMs);
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
        headers: { 'user-agent': PROBE_USER_AGENT, connection: 'close' },
        agent: false,
      },
      (res) => {
        res.resume();
        const code = res.statusCode ?? 0;
        resolve(code >= 200 && code < 400 ? null : `GET ${check.path} answered ${code}`);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${check.probeTimeoutMs} ms`)));
    req.on('error', (err) => resolve(`GET ${check.path}: ${describeError(err)}`));
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
    socket.once('error', (err) => resolve(`connect: ${describeError(err)}`));
  });
}

/**
 * Why a probe failed, without the published host address (`127.0.0.1:41234`): people know the
 * app by its own port, which the failure message names.
 */
const ERRNO_WORDS: Readonly<Record<string, string>> = {
  ECONNREFUSED: `${REFUSED} (nothing listens on the port)`,
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed',
};

function describeError(err: NodeJS.ErrnoException): string {
  return (err.code && ERRNO_WORDS[err.code]) ?? err.message;
}
