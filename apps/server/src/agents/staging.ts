import type { DesiredApp, DesiredState } from '@berth/protocol';
import type { AgentSession } from './session.js';

/**
 * One server at a time: a rollout's new revision of an app reaches the servers in order, the
 * next one only once every server before it reports it converged. Each server replaces its own
 * replicas one at a time, so across the fleet one replica is replaced at a time; and the servers
 * that lose their slots come last, so a replica that moves keeps serving where it was until its
 * replacement serves elsewhere. A server not reached yet keeps what it was last sent of the app.
 * In memory: after a berthd restart a rollout's remaining servers get it at once.
 */
export interface RolloutStage {
  appId: string;
  revision: string;
  /** Servers with slots (by lowest slot), then the servers that run replicas but lost their slots. */
  order: readonly string[];
  /** How many of `order` have been sent the revision. */
  reached: number;
}

export function createStaging() {
  const stages = new Map<string, RolloutStage>();
  /** What each server was last sent of each app: held back while its turn has not come. */
  const lastSent = new Map<string, Map<string, DesiredApp>>();

  const isConverged = (session: AgentSession | undefined, stage: RolloutStage): boolean => {
    const app = session?.report?.apps.find((a) => a.appId === stage.appId);
    return app?.revision === stage.revision && app.phase === 'converged';
  };

  return {
    /** A new rollout of the app: only the first server in `order` gets it now. */
    begin(appId: string, revision: string, order: readonly string[]): void {
      stages.set(appId, { appId, revision, order, reached: Math.min(1, order.length) });
    },

    /** The desired state `state` for a server, with apps whose turn has not come held back. */
    hold(serverId: string, state: DesiredState): DesiredState {
      const sent = lastSent.get(serverId);
      const apps: DesiredApp[] = [];
      for (const app of state.apps) {
        const stage = stages.get(app.appId);
        const turn = stage?.revision === app.revision ? stage.order.indexOf(serverId) : -1;
        if (stage === undefined || turn === -1 || turn < stage.reached) {
          apps.push(app);
          continue;
        }
        const before = sent?.get(app.appId);
        if (before) apps.push(before);
      }
      lastSent.set(serverId, new Map(apps.map((a) => [a.appId, a])));
      return { ...state, apps };
    },

    /**
     * After a report: every stage whose reached servers have all converged moves on to the next
     * server. Returns the servers to push to now.
     */
    advance(sessions: ReadonlyMap<string, AgentSession>): string[] {
      const next: string[] = [];
      for (const stage of stages.values()) {
        while (
          stage.reached < stage.order.length &&
          stage.order.slice(0, stage.reached).every((id) => isConverged(sessions.get(id), stage))
        ) {
          next.push(stage.order[stage.reached] as string);
          stage.reached += 1;
        }
        if (stage.reached === stage.order.length) stages.delete(stage.appId);
      }
      return next;
    },
  };
}
