/**
 * One source, many subscribers: the shape of a container's log stream shared by every follower.
 * The source opens with the first subscriber and is aborted when the last one leaves. Each
 * subscriber has a bounded queue: one that falls behind by more than its bound is dropped (its
 * iteration ends with SubscriberDropped); the source and the other subscribers go on.
 *
 * The fan-out also keeps the last items it delivered (a bounded ring), so a late subscriber's
 * history is cut from the very sequence its live items continue: no gap and no duplicate, which
 * timestamps cannot promise (Podman's are whole seconds).
 */

export interface FanOutOptions<T> {
  /** Opens the source. Abort the signal to close it; call onOpen once it delivers live items. */
  open: (signal: AbortSignal, onOpen: () => void) => AsyncIterable<T>;
  /** The most a subscriber may have waiting, in `sizeOf` units (bytes for log lines). */
  maxQueued: number;
  sizeOf: (item: T) => number;
  /** The most recent items kept for late subscribers, by count and by `sizeOf` total. */
  ringItems: number;
  ringSize: number;
  /** The fan-out is finished (source ended, failed, or its last subscriber left). */
  onClosed: () => void;
}

export class SubscriberDropped extends Error {
  constructor(readonly queued: number) {
    super(`fell behind by more than ${queued} bytes`);
    this.name = 'SubscriberDropped';
  }
}

type End = { kind: 'ended' } | { kind: 'closed' } | { kind: 'dropped'; error: SubscriberDropped };

export class Subscription<T> implements AsyncIterable<T[]> {
  private queue: T[] = [];
  private queued = 0;
  private wake: (() => void) | null = null;
  private end: End | null = null;

  constructor(
    private readonly options: Pick<FanOutOptions<T>, 'maxQueued' | 'sizeOf'>,
    private readonly leave: (s: Subscription<T>) => void,
  ) {}

  get finished(): boolean {
    return this.end !== null;
  }

  /** Stops receiving; the source closes if this was the last subscriber. */
  close(): void {
    this.finish({ kind: 'closed' });
  }

  /** @internal the source delivers one item. */
  push(item: T): void {
    if (this.end) return;
    const size = this.options.sizeOf(item);
    if (this.queued + size > this.options.maxQueued) {
      this.finish({ kind: 'dropped', error: new SubscriberDropped(this.options.maxQueued) });
      return;
    }
    this.queue.push(item);
    this.queued += size;
    this.notify();
  }

  /** @internal the source is gone: deliver what is queued, then end. */
  sourceEnded(): void {
    if (this.end) return;
    this.end = { kind: 'ended' };
    this.notify();
  }

  /**
   * Yields everything queued at once (a batch), waiting while the queue is empty. Leaving the
   * loop early closes the subscription: a reader that stopped must not hold the source open.
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<T[]> {
    try {
      for (;;) {
        if (this.end?.kind === 'dropped') throw this.end.error;
        if (this.end?.kind === 'closed') return;
        if (this.queue.length > 0) {
          const batch = this.queue;
          this.queue = [];
          this.queued = 0;
          yield batch;
          continue;
        }
        if (this.end) return;
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
    } finally {
      this.close();
    }
  }

  private finish(end: End): void {
    if (this.end && this.end.kind !== 'ended') return;
    const wasActive = this.end === null;
    this.end = end;
    this.queue = [];
    this.queued = 0;
    this.notify();
    if (wasActive) this.leave(this);
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}

export class FanOut<T> {
  private readonly subscribers = new Set<Subscription<T>>();
  private ring: T[] = [];
  private ringBytes = 0;
  private evicted = false;
  private readonly stop = new AbortController();
  private closed = false;
  /** Settles when the source is live (or has already ended): lines from then on reach subscribers. */
  readonly ready: Promise<void>;
  private markReady: () => void = () => undefined;

  constructor(private readonly options: FanOutOptions<T>) {
    this.ready = new Promise((resolve) => (this.markReady = resolve));
  }

  get size(): number {
    return this.subscribers.size;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * The last `count` items delivered, if the ring holds them all: it does when it has that many,
   * or when it never dropped one and `complete` says the source began with at least that many.
   */
  recent(count: number, complete: boolean): T[] | null {
    if (count <= 0) return [];
    if (this.ring.length >= count) return this.ring.slice(-count);
    return !this.evicted && complete ? [...this.ring] : null;
  }

  /** A new subscriber; the first one opens the source. Throws once the fan-out is closed. */
  subscribe(): Subscription<T> {
    if (this.closed) throw new Error('this fan-out is closed');
    const sub = new Subscription<T>(this.options, (s) => this.leave(s));
    this.subscribers.add(sub);
    if (this.subscribers.size === 1 && !this.started) this.start();
    return sub;
  }

  private started = false;

  private start(): void {
    this.started = true;
    void this.pump().finally(() => this.close());
  }

  private async pump(): Promise<void> {
    try {
      for await (const item of this.options.open(this.stop.signal, this.markReady)) {
        this.remember(item);
        for (const sub of this.subscribers) sub.push(item);
      }
    } catch {
      // A failed source ends its subscribers like an ended one; the owner may open it again.
    }
  }

  private remember(item: T): void {
    this.ring.push(item);
    this.ringBytes += this.options.sizeOf(item);
    while (this.ring.length > this.options.ringItems || this.ringBytes > this.options.ringSize) {
      const oldest = this.ring.shift();
      if (oldest === undefined) break;
      this.ringBytes -= this.options.sizeOf(oldest);
      this.evicted = true;
    }
  }

  private leave(sub: Subscription<T>): void {
    this.subscribers.delete(sub);
    if (this.subscribers.size === 0) this.close();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.markReady();
    this.stop.abort();
    for (const sub of this.subscribers) sub.sourceEnded();
    this.subscribers.clear();
    this.options.onClosed();
  }
}
