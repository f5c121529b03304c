import { BerthError } from '@berth/protocol';
import type { ContainerEngine, ContainerLogLine } from '@berth/engine';
import { FanOut, type Subscription } from './fan-out.js';

export interface LogHubLimits {
  /** Containers whose live log stream the agent holds open at once (one per container, shared). */
  maxLiveStreams: number;
  /** One-off reads of a container's last lines at once; more wait their turn. */
  maxHistoryReads: number;
  /** Bytes a follower may fall behind by before it is dropped. */
  maxQueuedBytes: number;
}

/** What a queued line costs: its text plus a fixed overhead for the record around it. */
const lineSize = (l: ContainerLogLine): number => l.line.length + 64;

/**
 * The agent's access to container logs, bounded: at most one live engine stream per container,
 * shared by every follower of it, at most `maxLiveStreams` of them, and at most
 * `maxHistoryReads` reads of past lines in flight. Followers cannot multiply the engine's work.
 */
export class LogHub {
  private readonly live = new Map<string, FanOut<ContainerLogLine>>();
  private historyInFlight = 0;
  private readonly historyQueue: (() => void)[] = [];

  constructor(
    private readonly engine: ContainerEngine,
    private readonly limits: LogHubLimits,
  ) {}

  /** Live engine streams open now. */
  get liveStreams(): number {
    return this.live.size;
  }

  /**
   * Joins the live stream of a container, opening it if no one follows it yet, and resolves once
   * the engine streams: every line written after that reaches the subscription.
   */
  async join(containerId: string): Promise<Subscription<ContainerLogLine>> {
    let fan = this.live.get(containerId);
    if (!fan) {
      if (this.live.size >= this.limits.maxLiveStreams) {
        throw new BerthError(
          'RATE_LIMITED',
          `This server already streams the logs of ${this.live.size} containers, its limit; try again when some followers have left`,
          { hint: 'An operator can raise BERTH_AGENT_MAX_LOG_STREAMS on the agent' },
        );
      }
      const created: FanOut<ContainerLogLine> = new FanOut<ContainerLogLine>({
        open: (signal, onOpen) => this.engine.logs(containerId, { tail: 0, follow: true, signal, onOpen }),
        maxQueued: this.limits.maxQueuedBytes,
        sizeOf: lineSize,
        onClosed: () => {
          if (this.live.get(containerId) === created) this.live.delete(containerId);
        },
      });
      this.live.set(containerId, created);
      fan = created;
    }
    const sub = fan.subscribe();
    await fan.ready;
    return sub;
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
