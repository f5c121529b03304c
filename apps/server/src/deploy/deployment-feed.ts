import type { Store } from '@berth/store';

/**
 * Wakes whoever follows a deployment (the CLI's `deploy --follow`, the dashboard) when the store
 * commits a change to it or an event of it, so a step reaches a follower as soon as it is
 * written, and a follower costs nothing while nothing happens (it used to read the database
 * every 150 ms). Every write goes through this berthd's store, so nothing is missed; the
 * follower still reads from the database, which stays the one source of what happened.
 */
export class DeploymentFeed {
  private readonly waiting = new Map<string, Set<() => void>>();

  constructor(store: Pick<Store, 'onDeploymentsCommitted'>) {
    store.onDeploymentsCommitted((ids) => {
      for (const id of ids) {
        const wakers = this.waiting.get(id);
        if (!wakers) continue;
        this.waiting.delete(id);
        for (const wake of wakers) wake();
      }
    });
  }

  /**
   * Resolves at the next commit that touches the deployment, when `signal` aborts, or after
   * `maxWaitMs` (a safety net: a follower never hangs on a wake-up it could have missed).
   */
  next(deploymentId: string, signal: AbortSignal, maxWaitMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.waiting.get(deploymentId)?.delete(done);
        if (this.waiting.get(deploymentId)?.size === 0) this.waiting.delete(deploymentId);
        resolve();
      };
      const timer = setTimeout(done, maxWaitMs);
      signal.addEventListener('abort', done, { once: true });
      let wakers = this.waiting.get(deploymentId);
      if (!wakers) this.waiting.set(deploymentId, (wakers = new Set()));
      wakers.add(done);
    });
  }

  /** Followers waiting now (for tests and the bench). */
  get followers(): number {
    let n = 0;
    for (const set of this.waiting.values()) n += set.size;
    return n;
  }
}
