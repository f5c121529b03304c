/**
 * One server at a time: a rollout's new revision of an app reaches the servers of its `order`
 * one by one, the next only once every server before it reports the revision converged (berthd's
 * agents/staging.ts keeps the stages and pushes). The rule itself, without I/O.
 */
export interface RolloutStage {
  appId: string;
  revision: string;
  /** Servers with slots (by lowest slot), then the servers that run replicas but lost their slots. */
  order: readonly string[];
  /** How many of `order` have been sent the revision. */
  reached: number;
}

/** A new rollout of the app: only the first server in `order` gets it now. */
export const startStage = (appId: string, revision: string, order: readonly string[]): RolloutStage => ({
  appId,
  revision,
  order: [...order],
  reached: Math.min(1, order.length),
});

/**
 * Whether `serverId` must not be sent `revision` of the stage's app yet: the stage rolls that
 * revision and the server's turn has not come. A server outside the order, or another revision
 * (a revert, a newer rollout not staged yet), is never held back.
 */
export function isHeldBack(stage: RolloutStage | undefined, serverId: string, revision: string): boolean {
  if (stage?.revision !== revision) return false;
  const turn = stage.order.indexOf(serverId);
  return turn !== -1 && turn >= stage.reached;
}

/** How many servers of the order the stage reaches once those it reached report `converged`. */
export function reachedAfter(stage: RolloutStage, converged: (serverId: string) => boolean): number {
  let reached = stage.reached;
  while (reached < stage.order.length && stage.order.slice(0, reached).every(converged)) reached += 1;
  return reached;
}

/** Every server of the order has been sent the revision: the stage is done. */
export const isStageDone = (stage: RolloutStage): boolean => stage.reached >= stage.order.length;
