import type { DesiredApp, ReleaseSpec, ReplicaState } from '@berth/protocol';

/** One container carrying this installation's labels, as the agent sees it right now. */
export interface ObservedReplica {
  containerId: string;
  name: string;
  appId: string;
  releaseId: string;
  /** The restart that made it (its label), or null. */
  restartId: string | null;
  slot: number;
  status: 'created' | 'running' | 'exited';
  /** When the container started running (engine clock), null if it never did. */
  startedAtMs: number | null;
  exitCode: number | null;
  /** Latest probe result since it started; `unknown` until a probe has answered. */
  health: 'unknown' | 'healthy' | 'unhealthy';
  /** In the app's upstream set, i.e. the proxy may send it requests. */
  routed: boolean;
  /**
   * When it left the upstream set. Null when it was never routed as far as the agent knows;
   * an agent that restarts finds unrouted replicas and uses its own start time here.
   */
  unroutedAtMs: number | null;
  /** Requests the proxy still has in flight to it (0 when the proxy no longer tracks it). */
  inflight: number;
  /**
   * Other servers' edges may still send it requests, or have some in flight: berthd has not yet
   * said that every one of them has let it go. Always false for a replica only this server's
   * edge reaches.
   */
  heldElsewhere: boolean;
  /**
   * Its stop (signal, grace period, removal) is under way. It is out of the upstream set and
   * drained, or past its drain timeout: nothing more is planned for it and it no longer holds a
   * rollout back, however long the app takes to exit.
   */
  stopping: boolean;
}

/** What the agent remembers of a rollout: its outcome, so a failed revision is not retried. */
export type RolloutOutcome = 'converged' | 'failed';

export interface ObservedState {
  nowMs: number;
  replicas: readonly ObservedReplica[];
  /** Outcomes by revision. */
  outcomes: Readonly<Record<string, RolloutOutcome>>;
  /** Per app, no new replica may start before this time (crash-loop backoff). */
  startBlockedUntilMs: Readonly<Record<string, number>>;
}

export interface PlanSettings {
  /**
   * How long after leaving the upstream set a replica may still be handed new requests (the
   * proxy's upstream refresh interval plus a margin). Its in-flight count is trusted only after.
   */
  unrouteSettleMs: number;
}

export type Action =
  | { kind: 'start'; appId: string; release: ReleaseSpec; slot: number; name: string }
  | { kind: 'route'; appId: string; containerId: string; name: string }
  | { kind: 'unroute'; appId: string; containerId: string; name: string; reason: string }
  | { kind: 'stop'; appId: string; containerId: string; name: string; reason: string; crashed: boolean }
  | {
      kind: 'fail';
      appId: string;
      revision: string;
      code: 'DEPLOY_HEALTHCHECK_FAILED' | 'DEPLOY_CONTAINER_EXITED';
      message: string;
      /** Whose last log lines explain the failure. */
      containerId: string;
    }
  | { kind: 'converge'; appId: string; revision: string };

export type ActionKind = Action['kind'];

export interface AppPlanInput {
  desired: DesiredApp;
  replicas: readonly ObservedReplica[];
}

/**
 * Whether a replica runs what the app wants now: its release, made by its latest restart (a
 * replica of the release made before a restart is replaced like one of an older release).
 */
export const isTargetOf = (
  app: Pick<DesiredApp, 'release' | 'restartId'>,
  r: Pick<ObservedReplica, 'releaseId' | 'restartId'>,
): boolean => r.releaseId === app.release.id && r.restartId === (app.restartId ?? null);

/** The replica slots this server runs of the app: its `slots`, or 1..replicas when berthd sends none. */
export const slotsOf = (app: Pick<DesiredApp, 'replicas' | 'slots'>): readonly number[] =>
  app.slots ?? Array.from({ length: app.replicas }, (_, i) => i + 1);

/**
 * Whether a replica is one this server should keep running: of the target release and restart,
 * in one of its slots. A target replica in a slot placed elsewhere is retired like an old one,
 * once a replica in one of this server's slots serves in its place.
 */
export const isWantedBy = (
  app: Pick<DesiredApp, 'release' | 'restartId' | 'replicas' | 'slots'>,
  r: Pick<ObservedReplica, 'releaseId' | 'restartId' | 'slot'>,
): boolean => isTargetOf(app, r) && (app.slots === undefined || app.slots.includes(r.slot));

/** How a replica is described to people and to berthd. */
export function toReplicaState(r: ObservedReplica, target: boolean): ReplicaState {
  if (r.stopping) return 'stopping';
  if (r.status === 'created') return 'created';
  if (r.status === 'exited') return 'exited';
  if (r.routed) return 'serving';
  if (r.unroutedAtMs !== null || !target) return 'draining';
  return r.health === 'healthy' ? 'healthy' : 'starting';
}
