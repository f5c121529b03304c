import { isTargetOf, parseReplicaLabels, type ObservedReplica, type Upstream } from '@berth/core';
import type { ContainerDetails } from '@berth/engine';
import type { DesiredApp } from '@berth/protocol';
import type { HealthMonitor, ProbeTarget } from './health.js';
import { toProbePhase } from './health-schedule.js';

export interface ObserveInput {
  containers: readonly ContainerDetails[];
  desired: readonly DesiredApp[];
  /** By app name, the replicas the edge serves. */
  served: Readonly<Record<string, readonly Upstream[]>>;
  health: HealthMonitor;
  /** When this agent knows a replica left the upstream set. */
  unroutedAt: Map<string, number>;
  /** In-flight requests per replica name; null when the proxy could not be asked. */
  inflight: ReadonlyMap<string, number> | null;
  /** Whether other servers' edges may still hold the replica in this container (fleet-drain.ts). */
  heldElsewhere: (c: ContainerDetails) => boolean;
  /** Containers whose stop this agent has under way. */
  stopping: ReadonlySet<string>;
  agentStartedAtMs: number;
  /** Whether the rollout of an app's revision has converged (its replicas are then probed less). */
  rolledOut: (revision: string) => boolean;
  /** What a target replica is probed by (./health-exec.ts replicaProbeTarget); null: not yet. */
  probeTarget: (c: ContainerDetails, app: DesiredApp) => ProbeTarget | null;
}

/**
 * Turns what the engine, the edge's upstreams, the health prober and the proxy say into the
 * observed state plan() reads. Also starts probing new replicas of each target release.
 */
export function observeReplicas(input: ObserveInput): ObservedReplica[] {
  const desiredById = new Map(input.desired.map((d) => [d.appId, d]));
  const out: ObservedReplica[] = [];
  for (const c of input.containers) {
    const labels = parseReplicaLabels(c.labels);
    if (!labels) continue;
    const app = desiredById.get(labels.appId);
    const upstream = input.served[labels.appName]?.find((u) => u.name === c.name) ?? null;
    const routed = upstream !== null;
    const isTarget = app !== undefined && isTargetOf(app, labels);
    const stopping = input.stopping.has(c.id);
    const target = c.status === 'running' && isTarget && !stopping ? input.probeTarget(c, app) : null;
    if (target !== null && app !== undefined) {
      const phase = toProbePhase(routed, input.rolledOut(app.revision));
      input.health.track(c.id, target, app.release.health, phase);
    }
    out.push({
      containerId: c.id,
      name: c.name,
      appId: labels.appId,
      releaseId: labels.releaseId,
      restartId: labels.restartId,
      slot: labels.slot,
      status: c.status,
      startedAtMs: c.startedAtMs,
      exitCode: c.exitCode,
      health: isTarget ? input.health.status(c.id) : 'unknown',
      routed,
      unroutedAtMs: routed ? null : unroutedAt(input, c, isTarget, stopping),
      inflight: inflightOf(input.inflight, c),
      heldElsewhere: !routed && input.heldElsewhere(c),
      stopping,
    });
  }
  return out;
}

/**
 * A replica this agent took out keeps its time. One found out of the upstream set after a
 * restart may have been serving a moment ago, so it drains as if it left when the agent started;
 * a target replica found unrouted is taken as not yet serving. One being stopped is past
 * draining: its time, dropped when its stop ended, is not made up again.
 */
function unroutedAt(
  input: ObserveInput,
  c: ContainerDetails,
  isTarget: boolean,
  stopping: boolean,
): number | null {
  const known = input.unroutedAt.get(c.id);
  if (known !== undefined) return known;
  if (isTarget || stopping || c.status !== 'running') return null;
  input.unroutedAt.set(c.id, input.agentStartedAtMs);
  return input.agentStartedAtMs;
}

function inflightOf(inflight: ReadonlyMap<string, number> | null, c: ContainerDetails): number {
  // Unknown counts as busy: without the proxy's word a replica drains until its timeout.
  if (inflight === null) return 1;
  return inflight.get(c.name) ?? 0;
}
