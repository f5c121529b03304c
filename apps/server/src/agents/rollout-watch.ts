import type { AppReport, RolloutFailure } from '@berth/protocol';
import type { AgentSession } from './session.js';

export type RolloutResult = { phase: 'converged' } | { phase: 'failed'; failure: RolloutFailure };

/** A rollout waited for: of `revision` of an app, on the servers its deployment placed slots on. */
export interface RolloutWatch {
  appId: string;
  revision: string;
  /**
   * Servers with slots of the app in this deployment; `any` for a deployment placed before berthd
   * placed replicas (it converges on the first server that reports it converged, as it did).
   */
  placedOn: ReadonlySet<string> | 'any';
}

/**
 * Where a rollout stands across the fleet, from each connected agent's latest report: failed as
 * soon as one server reports the revision failed; converged when every server with slots reports
 * it converged and every other server has let the app go (it reports no replicas of it, or the
 * revision converged with none). Null: not yet.
 */
export function rolloutOutcome(watch: RolloutWatch, sessions: Iterable<AgentSession>): RolloutResult | null {
  const byServer = new Map<string, AppReport | undefined>();
  for (const s of sessions)
    byServer.set(
      s.serverId,
      s.report?.apps.find((a) => a.appId === watch.appId),
    );
  for (const app of byServer.values()) {
    if (app?.revision === watch.revision && app.phase === 'failed' && app.failure)
      return { phase: 'failed', failure: app.failure };
  }
  if (watch.placedOn === 'any') {
    const done = [...byServer.values()].some(
      (a) => a?.revision === watch.revision && a.phase === 'converged',
    );
    return done ? { phase: 'converged' } : null;
  }
  for (const serverId of watch.placedOn) {
    const app = byServer.get(serverId);
    if (app?.revision !== watch.revision || app.phase !== 'converged') return null;
  }
  for (const [serverId, app] of byServer) {
    if (watch.placedOn.has(serverId) || app === undefined || app.replicas.length === 0) continue;
    if (app.revision !== watch.revision || app.phase !== 'converged') return null;
  }
  return { phase: 'converged' };
}
