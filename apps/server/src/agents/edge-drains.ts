import { randomUUID } from 'node:crypto';
import type { EdgeEpoch, EdgeRelease } from '@berth/protocol';
import type { AgentSession } from './session.js';

type Reporting = Pick<AgentSession, 'serverId' | 'report'>;

/**
 * The zero-failure rule across servers (protocol: agent-edges.ts). A replica leaves other
 * servers' edges only when berthd pushes them a serving set without it, and requests they sent it
 * before are still in flight then. So each serving set is numbered (an epoch of this run of
 * berthd), each edge reports the newest one it has applied and drained, and a replica's own
 * server is told it may stop the replica once every other connected edge has applied the epoch
 * that first left it out. Only numbers and the names of replicas being drained travel, so it
 * stays cheap with a thousand servers.
 */
export function createEdgeDrains(sessions: ReadonlyMap<string, Reporting>, drainTimeoutMs: number) {
  const run = randomUUID();
  // From 1: an edge still draining the first epoch's removals reports 0, which releases nothing.
  let epoch = 1;
  /** Per server, its replicas out of service, each with the first epoch whose serving set left it out. */
  const leftAt = new Map<string, Map<string, number>>();
  /** Per server, the released names its latest push carried: a change is pushed to it. */
  const sent = new Map<string, string>();

  const appliedBy = (s: Reporting): number => {
    const e = s.report?.edgeEpoch;
    return e && e.run === run ? e.epoch : -1;
  };
  /** The oldest epoch every connected edge but `serverId`'s has applied (Infinity: no other edge). */
  const othersApplied = (serverId: string): number => {
    let min = Infinity;
    for (const s of sessions.values()) if (s.serverId !== serverId) min = Math.min(min, appliedBy(s));
    return min;
  };
  const releasedOf = (serverId: string): string[] => {
    const left = leftAt.get(serverId);
    if (!left) return [];
    const upTo = othersApplied(serverId);
    return [...left]
      .filter(([, at]) => at <= upTo)
      .map(([name]) => name)
      .sort();
  };

  return {
    /** The fleet's serving replicas changed: indexes taken from now on are the next epoch. */
    servingChanged(): void {
      epoch += 1;
    },

    /** Taken with the serving index, in the same synchronous step, so the two always agree. */
    current(): EdgeEpoch {
      return { run, epoch };
    },

    /**
     * After a report of `s` (and servingChanged, in the same step): its replicas that left service
     * count from the current epoch. One found out of service without having been seen leave (a
     * restart of berthd) counts from now too: every edge is pushed this epoch on connecting.
     */
    reported(s: Reporting): void {
      const out = new Set<string>();
      for (const app of s.report?.apps ?? []) {
        for (const r of app.replicas) if (r.state === 'draining' || r.state === 'stopping') out.add(r.name);
      }
      if (out.size === 0) {
        leftAt.delete(s.serverId);
        sent.delete(s.serverId);
        return;
      }
      const left = leftAt.get(s.serverId) ?? new Map<string, number>();
      for (const name of left.keys()) if (!out.has(name)) left.delete(name);
      for (const name of out) if (!left.has(name)) left.set(name, epoch);
      leftAt.set(s.serverId, left);
    },

    /** What a push to `serverId` carries, whose `elsewhere` lists come from the serving set `at`. */
    releaseFor(serverId: string, at: EdgeEpoch): EdgeRelease {
      const released = releasedOf(serverId);
      sent.set(serverId, released.join('\n'));
      return { ...at, released, drainTimeoutMs };
    },

    /** Servers whose released replicas changed since their latest push (they are pushed again). */
    due(): string[] {
      const out: string[] = [];
      for (const serverId of leftAt.keys()) {
        const key = releasedOf(serverId).join('\n');
        if (key === (sent.get(serverId) ?? '')) continue;
        sent.set(serverId, key);
        out.push(serverId);
      }
      return out;
    },

    /** A server's link ended: its replicas are no longer anyone's to release. */
    disconnected(serverId: string): void {
      leftAt.delete(serverId);
      sent.delete(serverId);
    },
  };
}

export type EdgeDrains = ReturnType<typeof createEdgeDrains>;
