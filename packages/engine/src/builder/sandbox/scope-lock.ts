/**
 * Who may use which builder storage at once, inside one agent. A team's storage is used by one
 * sandbox at a time (Podman's run state lives in each sandbox's own tmpfs, so two sandboxes on
 * one storage would not see each other's mounts). The base images' store is read by every team
 * build and written only by a bootstrap, which waits for the readers and holds them off.
 */
type Release = () => void;

export class ScopeLock {
  private readonly exclusive = new Map<string, Promise<void>>();
  private readers = 0;
  private writer: Promise<void> | null = null;
  private drained: (() => void) | null = null;

  /** Runs fn alone on `key`, and as a reader of the base store. */
  async team<T>(key: string, signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire(key, signal);
    try {
      await this.readBase(signal);
      try {
        return await fn();
      } finally {
        this.readers--;
        if (this.readers === 0) this.drained?.();
      }
    } finally {
      release();
    }
  }

  /** Runs fn as the only user of the base store. */
  async base<T>(signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire('\0base', signal);
    let done!: () => void;
    const writing = new Promise<void>((resolve) => (done = resolve));
    this.writer = writing;
    try {
      if (this.readers > 0) await new Promise<void>((resolve) => (this.drained = resolve));
      this.drained = null;
      return await fn();
    } finally {
      this.writer = null;
      done();
      release();
    }
  }

  private async readBase(signal: AbortSignal): Promise<void> {
    while (this.writer !== null) {
      signal.throwIfAborted();
      await abortable(this.writer, signal);
    }
    this.readers++;
  }

  private async acquire(key: string, signal: AbortSignal): Promise<Release> {
    for (;;) {
      signal.throwIfAborted();
      const busy = this.exclusive.get(key);
      if (!busy) break;
      await abortable(busy, signal);
    }
    let release!: Release;
    const held = new Promise<void>((resolve) => (release = resolve));
    this.exclusive.set(key, held);
    return () => {
      if (this.exclusive.get(key) === held) this.exclusive.delete(key);
      release();
    };
  }
}

function abortable(p: Promise<void>, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    void p.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}
