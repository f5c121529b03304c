import type { DeploymentRow, Repos } from '@berth/store';
import { settingsRelease } from '../deploy/app-settings.js';
import type { FleetView } from '../deploy/placement.js';
import { queueDeployment } from '../deploy/rollout-steps.js';

/**
 * A server was drained: every app with a replica on it gets a `move` deployment, in the
 * drain's transaction. The placement of that deployment gives the drained server nothing, so
 * its replicas start elsewhere first and leave it last, as any rolling deploy does (no request
 * fails). The release is the one the app's settings name, so a deploy already queued is not
 * undone: the move runs after it (one job per app at a time) with the same release.
 */
export async function moveReplicasOff(
  tx: Repos,
  fleet: FleetView,
  serverId: string,
  now: number,
): Promise<DeploymentRow[]> {
  const appIds = new Set(
    (await tx.placements.listCurrent()).filter((p) => p.serverId === serverId).map((p) => p.appId),
  );
  const queued: DeploymentRow[] = [];
  for (const appId of appIds) {
    const app = await tx.apps.getById(appId);
    const release = app ? await settingsRelease(tx, app) : null;
    if (!app || !release || app.replicas === 0) continue;
    const idem = { key: null, requestHash: `move:${serverId}:${now}` };
    queued.push(await queueDeployment(tx, fleet, app, release, 'move', app.replicas, idem, now));
  }
  return queued;
}
