import { TERMINAL_DEPLOYMENT_STATUSES } from '@berth/protocol';
import type { DeploymentRow, Repos } from '@berth/store';
import { settingsRelease } from '../deploy/app-settings.js';
import type { FleetView } from '../deploy/placement.js';
import { queueDeployment } from '../deploy/rollout-steps.js';

/**
 * Replicas leave a server (drained, or down) through `move` deployments: the app's settings
 * release and replica count, placed again. That placement gives the server nothing, so its
 * replicas start elsewhere first and leave it last, as any staged rollout does (no request
 * fails). The release is the one the app's settings name, so a deploy already queued is not
 * undone: the move runs after it (one job per app at a time) with the same release.
 */

/** The apps with a replica placed on the server now. */
export async function appsPlacedOn(tx: Repos, serverId: string): Promise<string[]> {
  const placed = (await tx.placements.listCurrent()).filter((p) => p.serverId === serverId);
  return [...new Set(placed.map((p) => p.appId))];
}

/**
 * Queues a move of the app, unless one is already queued or running (so a watcher that asks
 * again, or berthd restarted, queues no second one). Throws DEPLOY_UNPLACEABLE when the
 * replicas fit nowhere else.
 */
export async function moveApp(
  tx: Repos,
  fleet: FleetView,
  appId: string,
  why: string,
  now: number,
): Promise<DeploymentRow | null> {
  const app = await tx.apps.getById(appId);
  const release = app ? await settingsRelease(tx, app) : null;
  if (!app || !release || app.replicas === 0) return null;
  const last = app.settingsDeploymentId ? await tx.deployments.get(app.settingsDeploymentId) : null;
  if (last?.kind === 'move' && !TERMINAL_DEPLOYMENT_STATUSES.includes(last.status)) return null;
  const idem = { key: null, requestHash: `move:${why}:${now}` };
  // berthd moves them itself (a drain, a lost server): no one asked for this deployment.
  return queueDeployment(tx, fleet, app, release, 'move', app.replicas, idem, now, { requestedBy: null });
}

/** A drained server: every app with a replica on it moves, in the drain's transaction. */
export async function moveReplicasOff(
  tx: Repos,
  fleet: FleetView,
  serverId: string,
  now: number,
): Promise<DeploymentRow[]> {
  const queued: DeploymentRow[] = [];
  for (const appId of await appsPlacedOn(tx, serverId)) {
    const d = await moveApp(tx, fleet, appId, `drain:${serverId}`, now);
    if (d) queued.push(d);
  }
  return queued;
}
