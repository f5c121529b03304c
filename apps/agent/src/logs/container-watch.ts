import type { ContainerDetails, ContainerEngine } from '@berth/engine';

type Listener = (containers: ContainerDetails[]) => void;

interface Watch {
  labels: Record<string, string>;
  listeners: Set<Listener>;
  timer: NodeJS.Timeout | null;
}

/**
 * Which containers an app has, polled once per interval per app however many followers ask:
 * followers learn of replicas that start later (a deploy during `logs --follow`) without each
 * listing the engine's containers themselves.
 */
export class ContainerWatch {
  private readonly watches = new Map<string, Watch>();

  constructor(
    private readonly engine: ContainerEngine,
    private readonly intervalMs: number,
  ) {}

  /** Calls onList with the app's containers after every poll until the returned stop is called. */
  watch(key: string, labels: Record<string, string>, onList: Listener): () => void {
    let w = this.watches.get(key);
    if (!w) {
      w = { labels, listeners: new Set(), timer: null };
      this.watches.set(key, w);
      this.schedule(key, w);
    }
    w.listeners.add(onList);
    const watch = w;
    return () => {
      watch.listeners.delete(onList);
      if (watch.listeners.size > 0) return;
      if (watch.timer) clearTimeout(watch.timer);
      if (this.watches.get(key) === watch) this.watches.delete(key);
    };
  }

  private schedule(key: string, w: Watch): void {
    w.timer = setTimeout(() => {
      w.timer = null;
      void this.engine.list(w.labels).then(
        (list) => {
          if (this.watches.get(key) !== w) return;
          for (const listener of w.listeners) listener(list);
          this.schedule(key, w);
        },
        () => {
          if (this.watches.get(key) === w) this.schedule(key, w);
        },
      );
    }, this.intervalMs);
  }
}
