import { LIMIT_DEFAULTS, type DesiredApp } from '@berth/protocol';
import type { Action, ObservedReplica, ObservedState } from '../types.js';

/** Fixtures shared by the plan tests. */

export const NOW = 1_000_000;
export const R1 = 'rel_aaaaaaaaaaaaaaaaaaaa';
export const R2 = 'rel_bbbbbbbbbbbbbbbbbbbb';

export function desiredApp(
  over: Partial<DesiredApp> & { releaseId?: string; version?: number } = {},
): DesiredApp {
  const { releaseId = R2, version = 2, ...rest } = over;
  return {
    appId: 'app_wwwwwwwwwwwwwwwwwwww',
    appName: 'web',
    teamId: 'tm_tttttttttttttttttttt',
    revision: `rev-${releaseId}`,
    deploymentId: 'dep_dddddddddddddddddddd',
    release: {
      id: releaseId,
      version,
      image: 'localhost/hello:2',
      imageId: 'sha256:abc',
      env: {},
      port: 8080,
      command: null,
      health: { type: 'http', path: '/', intervalMs: 1000, timeoutMs: 10_000, probeTimeoutMs: 1000 },
      secrets: {},
      secretFiles: {},
      limits: LIMIT_DEFAULTS,
    },
    replicas: 2,
    hostnames: ['web.localhost'],
    drainTimeoutMs: 30_000,
    stopTimeoutMs: 10_000,
    ...rest,
  };
}

export function replica(
  over: Partial<ObservedReplica> & { slot: number; releaseId: string },
): ObservedReplica {
  const name = `c-${over.releaseId.slice(4, 7)}${over.restartId ? `-${over.restartId.slice(4, 7)}` : ''}-${over.slot}`;
  return {
    containerId: name,
    name,
    appId: 'app_wwwwwwwwwwwwwwwwwwww',
    restartId: null,
    status: 'running',
    startedAtMs: NOW - 1000,
    exitCode: null,
    health: 'healthy',
    routed: true,
    unroutedAtMs: null,
    inflight: 0,
    heldElsewhere: false,
    stopping: false,
    ...over,
  };
}

export const SETTINGS = { unrouteSettleMs: 500 };

export const observed = (replicas: ObservedReplica[], over: Partial<ObservedState> = {}): ObservedState => ({
  nowMs: NOW,
  replicas,
  outcomes: {},
  startBlockedUntilMs: {},
  ...over,
});

/** A compact view of actions: `start:2`, `route:c-bbb-1`, `unroute:c-aaa-2`, `stop:c-aaa-1`, `fail:CODE`, `converge`. */
export const brief = (actions: Action[]): string[] =>
  actions.map((a) => {
    switch (a.kind) {
      case 'start':
        return `start:${a.slot}`;
      case 'route':
      case 'unroute':
      case 'stop':
        return `${a.kind}:${a.name}`;
      case 'fail':
        return `fail:${a.code}`;
      case 'converge':
        return 'converge';
    }
  });
