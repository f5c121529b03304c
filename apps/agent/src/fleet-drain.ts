import type { ContainerDetails } from '@berth/engine';
import type { EdgeEpoch, EdgeRelease } from '@berth/protocol';
import type { UpstreamsByApp } from './edge-upstreams.js';

/**
 * The zero-failure rule across servers, from both ends (protocol: agent-edges.ts).
 *
 * As an edge: when a push leaves another server's replica out, this edge stops sending it new
 * requests, but the ones it sent are still in flight. It reports the newest serving set whose
 * removals have all drained (`applied`), and berthd tells the replica's own server once every
 * other edge has.
 *
 * As a replica's own server: a replica other servers' edges reach (published on a private or mesh
 * address) is not stopped before berthd lists it as released (`heldElsewhere`), or its drain
 * timeout passes.
 */
export class RemoteDrains {
  /** Other servers' replicas this edge no longer routes, by name, and the epoch that dropped them. */
  private readonly pending = new Map<string, { epoch: number; sinceMs: number }>();
  private latest: EdgeRelease | null = null;

  /** After the edge has published `after` (the serving set `at`) in place of `before`. */
  afterPublish(
    before: UpstreamsByApp,
    after: UpstreamsByApp,
    at: EdgeRelease | undefined,
    nowMs: number,
  ): void {
    if (!at) return;
    if (this.latest && this.latest.run !== at.run) {
      // Another run of berthd numbers anew: what still drains counts against its first epoch.
      for (const p of this.pending.values()) p.epoch = at.epoch;
    }
    const kept = names(after);
    for (const name of names(before)) {
      if (!kept.has(name) && !this.pending.has(name))
        this.pending.set(name, { epoch: at.epoch, sinceMs: nowMs });
    }
    for (const name of kept) this.pending.delete(name);
    this.latest = at;
  }

  /**
   * Those with nothing in flight once the edge has settled are done, and so are those waited on
   * for the drain timeout: one request held open must not hold back every stop in the fleet.
   */
  settle(inflight: ReadonlyMap<string, number> | null, nowMs: number, settleMs: number): void {
    const maxWaitMs = this.latest?.drainTimeoutMs ?? 0;
    for (const [name, p] of this.pending) {
      const waited = nowMs - p.sinceMs;
      const drained = inflight !== null && (inflight.get(name) ?? 0) === 0 && waited >= settleMs;
      if (drained || waited >= maxWaitMs) this.pending.delete(name);
    }
  }

  get draining(): number {
    return this.pending.size;
  }

  /** The newest serving set applied with every removal up to it drained (null: none pushed yet). */
  applied(): EdgeEpoch | null {
    if (!this.latest) return null;
    const { run, epoch } = this.latest;
    let oldest = Infinity;
    for (const p of this.pending.values()) oldest = Math.min(oldest, p.epoch);
    return oldest === Infinity ? { run, epoch } : { run, epoch: Math.max(0, oldest - 1) };
  }
}

/**
 * Whether other servers' edges may still hold the replica in this container. Only one they can
 * reach (not published on loopback) and only in a fleet (berthd sends `edges`) can be held.
 */
export function heldElsewhere(edges: EdgeRelease | undefined, c: ContainerDetails): boolean {
  if (!edges || !reachableFromElsewhere(c)) return false;
  return !edges.released.includes(c.name);
}

/** Its published port, when other servers can reach it there (not on loopback: one server only). */
export function reachableFromElsewhere(
  c: ContainerDetails | undefined,
): { host: string; port: number } | null {
  const published = c?.published;
  if (!published || published.host.startsWith('127.') || published.host === '::1') return null;
  return { host: published.host, port: published.port };
}

const names = (ups: UpstreamsByApp): Set<string> =>
  new Set(Object.values(ups).flatMap((list) => list.map((u) => u.name)));
