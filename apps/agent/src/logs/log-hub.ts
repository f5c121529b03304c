import { BerthError } from '@berth/protocol';
import type { ContainerEngine, ContainerLogLine } from '@berth/engine';
import { FanOut, type Subscription } from './fan-out.js';
import { tailThenLive } from './tail-then-live.js';

export interface LogHubLimits {
  /** Containers whose live log stream the agent holds open at once (one per container, shared). */
  maxLiveStreams: number;
  /** One-off reads of a container's last lines at once; more wait their turn. */
  maxHistoryReads: number;
  /** Bytes a follower may fall behind by before it is dropped (its history counts too). */
  maxQueuedBytes: number;
}

/** A line of a live stream, with when the agent read it (the engine's own stamp may be whole seconds). */
export type LiveLine = ContainerLogLine & { receivedAtMs: number };

async function* stamped(lines: AsyncIterable<ContainerLogLine>): AsyncGenerator<LiveLine> {
  for await (const l of lines) yield { ...l, receivedAtMs: Date.now() };
}

/** What a queued line costs: its text plus a fixed overhead for the record around it. */
const lineSize = (l: ContainerLogLine): number => l.line.length + 64;

/**
 * The agent's access to container logs, bounded: one live engine stream per container, shared
 * by its followers, at most `maxLiveStreams` streams in all, and at most `maxHistoryReads` reads
 * of past lines (of stopped replicas, or without follow) in flight. Followers cannot multiply the
 * engine's work.
 */
/** A follower's place in a container's stream: the history it asked for, then live lines. */
export interface Joined {
  /** The last lines before the live ones (empty when they arrive through `live` instead). */
  backlog: LiveLine[];
  live: Subscription<LiveLine>;
}

interface SharedStream {
  fan: FanOut<LiveLine>;
  /** The tail the engine stream was opened with: its ring began with that many lines, or all. */
  tail: number;
}

/** Lines the shared stream keeps for late joiners: the API's largest tail, within a byte bound. */
const RING_LINES = 10_000;
const RING_BYTES = 1024 * 1024;

export class LogHub {
  private readonly shared = new Map<string, SharedStream>();
  /** Streams of followers whose tail the shared stream could not serve. */
  private privateStreams = 0;
  private historyInFlight = 0;
  private readonly historyQueue: (() => void)[] = [];

  constructor(
    private readonly engine: ContainerEngine,
    private readonly limits: LogHubLimits,
  ) {}

  /** Live engine streams open now. */
  get liveStreams(): number {
    return this.shared.size + this.privateStreams;
  }

  /**
   * Joins the live stream of a container with the last `tail` lines before it, opening the
   * stream if no one follows the container yet, and resolves once the engine streams. The tail
   * comes from the shared stream's own recent lines when it holds them; otherwise (a joiner that
   * wants more history than it kept) the follower gets an engine stream of its own.
   */
  async join(containerId: string, tail: number): Promise<Joined> {
    const existing = this.shared.get(containerId);
    if (existing) {
      const live = existing.fan.subscribe();
      const backlog = existing.fan.recent(tail, existing.tail >= tail);
      if (backlog) {
        await existing.fan.ready;
        return { backlog, live };
      }
      live.close();
      return this.open(containerId, tail, false);
    }
    return this.open(containerId, tail, true);
  }

  private async open(containerId: string, tail: number, share: boolean): Promise<Joined> {
    if (this.liveStreams >= this.limits.maxLiveStreams) {
      throw new BerthError(
        'RATE_LIMITED',
        `This server already streams the logs of ${this.liveStreams} containers, its limit; try again when some followers have left`,
        { hint: 'An operator can raise BERTH_AGENT_MAX_LOG_STREAMS on the agent' },
      );
    }
    if (!share) this.privateStreams++;
    const fan: FanOut<LiveLine> = new FanOut<LiveLine>({
      // The last `tail` lines first, then live ones, none lost between them (./tail-then-live.ts).
      open: (signal, onOpen) => stamped(tailThenLive(this.engine, containerId, tail, signal, onOpen)),
      maxQueued: this.limits.maxQueuedBytes,
      sizeOf: lineSize,
      ringItems: share ? RING_LINES : 0,
      ringSize: share ? RING_BYTES : 0,
      onClosed: () => {
        if (!share) this.privateStreams--;
        else if (this.shared.get(containerId)?.fan === fan) this.shared.delete(containerId);
      },
    });
    if (share) this.shared.set(containerId, { fan, tail });
    const live = fan.subscribe();
    await fan.ready;
    return { backlog: [], live };
  }

  /** The last `tail` lines of a container (none when it is gone), waiting for a read slot. */
  async history(containerId: string, tail: number, signal: AbortSignal): Promise<ContainerLogLine[]> {
    if (tail <= 0) return [];
    await this.historySlot(signal);
    try {
      const lines: ContainerLogLine[] = [];
      for await (const l of this.engine.logs(containerId, { tail, follow: false, signal })) lines.push(l);
      return lines;
    } finally {
      this.historyInFlight--;
      this.historyQueue.shift()?.();
    }
  }

  private historySlot(signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    if (this.historyInFlight < this.limits.maxHistoryReads) {
      this.historyInFlight++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const turn = (): void => {
        signal.removeEventListener('abort', onAbort);
        this.historyInFlight++;
        resolve();
      };
      const onAbort = (): void => {
        const i = this.historyQueue.indexOf(turn);
        if (i >= 0) this.historyQueue.splice(i, 1);
        reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.historyQueue.push(turn);
    });
  }
}
