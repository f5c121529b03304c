/**
 * Wakes whoever waits on one thing (a deployment's steps, a build's log) when a commit names it,
 * so a follower reads as soon as something is written and costs nothing while nothing is. The
 * follower still reads from the database, the one source of what happened; a wake-up is only a
 * hint, and `maxWaitMs` bounds a wait for one that never comes.
 */
export class KeyedFeed {
  private readonly waiting = new Map<string, Set<() => void>>();

  /** Wakes everyone waiting on these keys. */
  wake(keys: Iterable<string>): void {
    for (const key of keys) {
      const wakers = this.waiting.get(key);
      if (!wakers) continue;
      this.waiting.delete(key);
      for (const wake of wakers) wake();
    }
  }

  /**
   * Resolves at the next wake of `key`, when `signal` aborts, or after `maxWaitMs` (a safety net:
   * a follower never hangs on a wake-up it could have missed).
   */
  next(key: string, signal: AbortSignal, maxWaitMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.waiting.get(key)?.delete(done);
        if (this.waiting.get(key)?.size === 0) this.waiting.delete(key);
        resolve();
      };
      const timer = setTimeout(done, maxWaitMs);
      signal.addEventListener('abort', done, { once: true });
      let wakers = this.waiting.get(key);
      if (!wakers) this.waiting.set(key, (wakers = new Set()));
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
