import { LABELS } from '@berth/core';
import type { ContainerDetails, ContainerEngine, ContainerLogLine } from '@berth/engine';
import { BerthError, type LogLine, type LogsParams } from '@berth/protocol';
import type { ContainerWatch } from './container-watch.js';
import { SubscriberDropped, type Subscription } from './fan-out.js';
import { isHealthLine, type ProbeWindow, type ReadLine } from './health-lines.js';
import { filteredEmit, logFilterOf } from './log-filter.js';
import type { LiveLine, LogHub } from './log-hub.js';
import { byTime } from './log-time.js';

/** Sends lines to berthd; resolves once they are written to the link, so a slow link slows us. */
export type EmitLines = (lines: LogLine[]) => Promise<void>;

export interface AppLogsDeps {
  engine: ContainerEngine;
  hub: LogHub;
  watch: ContainerWatch;
  agentId: string;
  /** When the health probes of a container ran, to leave their lines out on request. */
  probeWindows: (containerId: string) => readonly ProbeWindow[];
}

const CHUNK_LINES = 500;
/** A replica that starts while someone follows is new: all of its lines are, up to this many. */
const NEW_REPLICA_TAIL = 10_000;

/**
 * `berth logs`: the last `tail` lines of each replica, merged by time; with follow, then live
 * lines, picking up replicas that start later. Live lines come from the hub's shared streams.
 * (A replica whose stream this follower opens sends its tail through the live stream, after the
 * merged lines of the others.)
 */
export async function streamAppLogs(
  deps: AppLogsDeps,
  params: LogsParams,
  emit: EmitLines,
  signal: AbortSignal,
): Promise<void> {
  // --since/--grep: only matching lines leave the agent.
  const send = filteredEmit(emit, logFilterOf(params));
  const labels = { [LABELS.agent]: deps.agentId, [LABELS.app]: params.appId };
  const containers = await deps.engine.list(labels);
  const named = params.health === false ? withoutProbes(deps) : toLogLines;
  if (!params.follow) {
    const history = await Promise.all(
      containers.map(async (c) => named(c, await deps.hub.history(c.id, params.tail, signal))),
    );
    await emitInChunks(send, history.flat().sort(byTime));
    return;
  }
  const follower = new Follower(deps, labels, params.appId, send, signal, named);
  try {
    await follower.run(containers, params.tail);
  } finally {
    follower.close();
  }
}

/** A replica's lines as the API sends them, prefixed with its name. */
type Naming = (c: ContainerDetails, lines: readonly (ContainerLogLine & ReadLine)[]) => LogLine[];

const toLogLines: Naming = (c, lines) =>
  lines.map((l) => ({ at: l.at, replica: c.name, stream: l.stream, line: l.line }));

/** `logs --no-health`: the lines recognised as the agent's own probes (./health-lines.ts) left out. */
const withoutProbes =
  (deps: AppLogsDeps): Naming =>
  (c, lines) => {
    const windows = deps.probeWindows(c.id);
    return toLogLines(
      c,
      lines.filter((l) => !isHealthLine(l, windows)),
    );
  };

async function emitInChunks(emit: EmitLines, lines: LogLine[]): Promise<void> {
  // One chunk even when empty: it tells berthd the stream is open, so it can answer 200.
  if (lines.length === 0) await emit([]);
  for (let i = 0; i < lines.length; i += CHUNK_LINES) await emit(lines.slice(i, i + CHUNK_LINES));
}

/** One `logs --follow` on this agent: its subscriptions to the replicas' shared streams. */
class Follower {
  private readonly subs = new Map<string, Subscription<LiveLine>>();
  private readonly attaching = new Set<string>();
  private readonly known = new Set<string>();
  private unwatch: (() => void) | null = null;
  private closed = false;
  private fail: (err: Error) => void = () => undefined;

  constructor(
    private readonly deps: AppLogsDeps,
    private readonly labels: Record<string, string>,
    private readonly appId: string,
    private readonly emit: EmitLines,
    private readonly signal: AbortSignal,
    private readonly named: Naming,
  ) {}

  /** Resolves when the follow is cancelled; rejects when this follower was dropped. */
  async run(containers: ContainerDetails[], tail: number): Promise<void> {
    const ended = new Promise<void>((resolve, reject) => {
      this.fail = reject;
      if (this.signal.aborted) resolve();
      this.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    ended.catch(() => undefined); // awaited below; a drop before then must not go unhandled
    // A running replica's tail comes with its live stream; a stopped one has only its tail.
    const running = containers.filter((c) => c.status === 'running');
    const backlogs: LogLine[][] = [];
    for (const c of running) {
      const joined = await this.deps.hub.join(c.id, tail);
      this.subs.set(c.id, joined.live);
      backlogs.push(this.named(c, joined.backlog));
    }
    const stopped = containers.filter((c) => c.status !== 'running');
    for (const lines of await Promise.all(
      stopped.map(async (c) => this.named(c, await this.deps.hub.history(c.id, tail, this.signal))),
    ))
      backlogs.push(lines);
    await emitInChunks(this.emit, backlogs.flat().sort(byTime));
    for (const c of containers) this.known.add(c.id);
    for (const c of running) {
      const sub = this.subs.get(c.id);
      if (sub) this.pump(c, sub);
    }
    this.unwatch = this.deps.watch.watch(this.appId, this.labels, (list) => this.discover(list));
    await ended;
  }

  close(): void {
    this.closed = true;
    this.unwatch?.();
    for (const sub of this.subs.values()) sub.close();
    this.subs.clear();
  }

  private discover(list: ContainerDetails[]): void {
    for (const c of list) {
      if (c.status !== 'running' || this.subs.has(c.id) || this.attaching.has(c.id)) continue;
      void this.attach(c, this.known.has(c.id) ? 0 : NEW_REPLICA_TAIL);
    }
  }

  private async attach(c: ContainerDetails, tail: number): Promise<void> {
    this.attaching.add(c.id);
    try {
      const joined = await this.deps.hub.join(c.id, tail);
      if (this.closed) return joined.live.close();
      this.subs.set(c.id, joined.live);
      await this.emit(this.named(c, joined.backlog));
      this.known.add(c.id);
      this.pump(c, joined.live);
    } catch {
      // At the hub's limit, or the container went away: the next poll tries again.
      this.subs.get(c.id)?.close();
      this.subs.delete(c.id);
    } finally {
      this.attaching.delete(c.id);
    }
  }

  private pump(c: ContainerDetails, sub: Subscription<LiveLine>): void {
    void (async () => {
      try {
        for await (const batch of sub) {
          const lines = this.named(c, batch);
          if (lines.length > 0 && !this.closed) await this.emit(lines);
        }
      } catch (err) {
        if (err instanceof SubscriberDropped)
          this.fail(
            new BerthError(
              'RATE_LIMITED',
              `This log stream fell behind ${c.name} by more than ${err.queued} bytes and was closed`,
              { hint: 'Follow again; a reader that keeps up is never dropped' },
            ),
          );
      } finally {
        if (this.subs.get(c.id) === sub) this.subs.delete(c.id);
      }
    })();
  }
}
