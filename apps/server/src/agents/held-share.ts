import { parseRevision } from '@berth/core';
import type { DesiredApp, FleetRegistryAccess } from '@berth/protocol';
import type { Store } from '@berth/store';
import { toShare, type DesiredStateSettings, type SecretSealer } from './desired-state.js';

/**
 * The app as a server was sent it at `revision` (the one its agent reports it holds), rebuilt
 * from the store: that deployment's release (for a revert, the release it put back), its replica
 * count and this server's slots of its placement. What a server whose turn in a staged rollout
 * has not come keeps after a berthd restart (staging.ts). Null when the store cannot say (the
 * deployment or its release is gone).
 */
export async function rebuildShare(
  store: Store,
  serverId: string,
  appId: string,
  revision: string,
  settings: DesiredStateSettings,
  to: { sealSecrets: SecretSealer; registry: FleetRegistryAccess | null },
): Promise<DesiredApp | null> {
  const { deploymentId, direction } = parseRevision(revision);
  const [app, d] = await Promise.all([store.apps.getById(appId), store.deployments.get(deploymentId)]);
  if (!app || d?.appId !== appId) return null;
  const forward = direction === 'forward';
  const releaseId = forward ? d.releaseId : d.previousReleaseId;
  const release = releaseId ? await store.releases.get(releaseId) : null;
  if (!release?.imageId) return null;
  const replicas = forward ? d.replicas : (d.previousReplicas ?? d.replicas);
  // As currentRestart gave it while that deployment was current: a restart rolls out itself.
  const restartId =
    forward && d.kind === 'restart' ? d.id : await store.deployments.currentRestart(appId, release.id, d.id);
  const placed = (await store.placements.listForDeployment(d.id)).filter((p) => p.slot <= replicas);
  // As slotsOn: a deployment placed before berthd placed replicas goes without slots.
  const slots =
    placed.length === 0 && replicas > 0
      ? undefined
      : placed.filter((p) => p.serverId === serverId).map((p) => p.slot);
  const rollout = { deploymentId: d.id, direction, replicas, restartId };
  return toShare(store, app, rollout, { ...release, imageId: release.imageId }, slots, settings, to);
}
