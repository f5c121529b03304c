/**
 * How a replica's stop waits for every edge in the fleet (DesiredState.edges, AgentReport.edgeEpoch).
 * Other servers' edges send a replica requests until berthd pushes them a serving set without it,
 * and the requests they sent before are still in flight then; its own agent stops it only once
 * they have all let it go.
 */
import { z } from 'zod';

/**
 * One serving set berthd pushed, numbered within one run of berthd (`run` changes when berthd
 * restarts, so an epoch of an earlier run is never taken for a later one).
 */
export const EdgeEpoch = z.object({
  run: z.string().min(1).max(64),
  epoch: z.number().int().min(0),
});
export type EdgeEpoch = z.infer<typeof EdgeEpoch>;

/** The serving set this push's `elsewhere` lists come from, and this server's replicas let go. */
export const EdgeRelease = EdgeEpoch.extend({
  /**
   * This server's replicas out of service that every other connected edge has stopped sending
   * to, with nothing left in flight: the agent may stop them.
   */
  released: z.array(z.string().min(1).max(255)).max(10_000),
  /**
   * How long an edge waits on its requests in flight to another server's replica that left
   * before it counts that replica as let go (the replica's own server stops it then anyway).
   */
  drainTimeoutMs: z.number().int().min(0).max(3_600_000),
});
export type EdgeRelease = z.infer<typeof EdgeRelease>;
