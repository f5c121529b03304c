import { toRevision } from '@berth/core';
import {
  BerthError,
  TERMINAL_BUILD_STATUSES,
  TERMINAL_DEPLOYMENT_STATUSES,
  type DeploymentError,
} from '@berth/protocol';
import type { AppRow, DeploymentRow, Repos, Store } from '@berth/store';
import type { AgentGateway } from '../agents/gateway.js';
import type { BuildRunner } from '../builds/runner.js';
import { adoptRelease } from './app-settings.js';

export interface DeploymentEndDeps {
  store: Store;
  clock: () => number;
  agents: AgentGateway;
  builds: BuildRunner;
}

/**
 * What ending an unsuccessful deployment puts back:
 * - `none`: nothing (another rollout already replaced it).
 * - `spec`: nothing was rolled out; the app's settings return to what serves.
 * - `rollout`: the release (and replica count) it replaced becomes current again — none, if it
 *   was the first — and the app's settings return to it.
 */
export type Undo = 'none' | 'spec' | 'rollout';

export interface EndOptions {
  /** `ignored`: a webhook's commit that was no longer the tip, with an audit row saying so. */
  status?: 'failed' | 'ignored';
  /** Its job gave up: a build it was running ends too. */
  abandonBuild?: boolean;
}

/**
 * The one way a deployment ends without succeeding, whether its job decided so or gave up: the
 * deployment, what serves and the app's settings change in one transaction, so nobody ever sees
 * a failed deployment whose app still points at its release or describes its settings.
 */
export function createDeploymentEnd({ store, clock, agents, builds }: DeploymentEndDeps) {
  async function end(
    deploymentId: string,
    error: DeploymentError,
    undo: Undo,
    { status = 'failed', abandonBuild = false }: EndOptions = {},
  ): Promise<void> {
    const ended = await store.transaction(async (tx) => {
      const d = await tx.deployments.get(deploymentId);
      if (!d || TERMINAL_DEPLOYMENT_STATUSES.includes(d.status)) return null;
      const now = clock();
      await tx.events.append(d.id, {
        at: now,
        level: status === 'failed' ? 'error' : 'warn',
        message:
          status === 'failed' ? `Deployment failed: ${error.message}` : `Nothing to deploy: ${error.message}`,
      });
      const app = await tx.apps.getById(d.appId);
      const putBack = app && undo === 'rollout' ? await putBackPrevious(tx, app, d, now) : false;
      if (putBack) await agents.unstageRollout(tx, d.appId, toRevision(d.id, 'forward'));
      if (app && undo !== 'none') await restoreSettings(tx, app.id, d, now);
      if (abandonBuild && d.buildId) await endBuild(tx, d.buildId, error, now);
      await tx.deployments.update(d.id, { status, error, finishedAt: now });
      // A webhook's push that was not built: the team's audit log says so, with the reason.
      if (status === 'ignored' && app) await tx.audit.append(ignoredRow(app, d, error.message, now));
      // A failure is in the team's audit log, and so reaches its notification webhooks.
      if (status === 'failed' && app) await tx.audit.append(failedRow(app, d, error, now));
      return { putBack, buildId: d.buildId };
    });
    if (ended?.putBack) await agents.pushDesired();
    // Only the upload it kept is left to delete: the build itself ended in the transaction.
    if (abandonBuild && ended?.buildId) await builds.abandon(ended.buildId, error);
  }

  /** A deploy job failed for good (attempts used up): its deployment ends, whatever step it was at. */
  const giveUp = async (payload: unknown, reason: string): Promise<void> => {
    const id = (payload as { deploymentId?: unknown } | null)?.deploymentId;
    if (typeof id !== 'string') throw new BerthError('INTERNAL', 'deploy job without a deployment id');
    const d = await store.deployments.get(id);
    if (!d) return;
    const error = { code: 'AGENT_UNAVAILABLE', message: reason, logs: [] };
    await end(d.id, error, d.status === 'rolling_out' ? 'rollout' : 'spec', { abandonBuild: true });
  };

  return { end, giveUp };
}

/** False when the deployment is no longer what serves (a newer one is, or it was put back already). */
async function putBackPrevious(tx: Repos, app: AppRow, d: DeploymentRow, now: number): Promise<boolean> {
  if (app.currentDeploymentId !== d.id || app.rolloutDirection !== 'forward') return false;
  const previous = d.previousReleaseId ? await tx.releases.get(d.previousReleaseId) : null;
  await tx.apps.update(
    app.id,
    {
      currentReleaseId: previous?.id ?? null,
      currentReplicas: previous ? (d.previousReplicas ?? d.replicas) : 0,
      rolloutDirection: 'revert',
    },
    now,
  );
  await tx.servers.bumpDesiredVersions();
  const message = previous
    ? `v${previous.version} keeps serving; the failed release's replicas are removed`
    : 'Nothing was serving before; the failed replicas are removed';
  await tx.events.append(d.id, { at: now, level: 'warn', message });
  return true;
}

/**
 * The settings this deployment's request set go back to those of what serves — unless a later
 * request set them since: then they are that request's, and its deployment is still to come.
 * With nothing serving (a first deploy that failed) they stay, to be fixed and deployed again.
 */
async function restoreSettings(tx: Repos, appId: string, d: DeploymentRow, now: number): Promise<void> {
  const app = await tx.apps.getById(appId);
  if (!app || app.settingsDeploymentId !== d.id) return;
  const serving = app.currentReleaseId ? await tx.releases.get(app.currentReleaseId) : null;
  const restored = serving ? await adoptRelease(tx, app, serving, app.currentReplicas, now) : app;
  await tx.apps.update(restored.id, { settingsDeploymentId: null }, now);
}

async function endBuild(tx: Repos, buildId: string, error: DeploymentError, now: number): Promise<void> {
  const build = await tx.builds.get(buildId);
  if (!build || TERMINAL_BUILD_STATUSES.includes(build.status)) return;
  await tx.builds.update(buildId, { status: 'failed', error, finishedAt: now });
}

function ignoredRow(app: AppRow, d: DeploymentRow, reason: string, at: number) {
  return {
    at,
    actorKind: 'system' as const,
    actorId: null,
    actorName: 'berthd',
    teamId: app.teamId,
    requestId: null,
    action: 'webhook.ignored',
    target: `app:${app.name}`,
    outcome: 'ok' as const,
    detail: { deployment: d.id, build: d.buildId, reason },
  };
}

function failedRow(app: AppRow, d: DeploymentRow, error: DeploymentError, at: number) {
  return {
    at,
    actorKind: 'system' as const,
    actorId: null,
    actorName: 'berthd',
    teamId: app.teamId,
    requestId: null,
    action: 'deploy.failed',
    target: `app:${app.name}`,
    outcome: 'failed' as const,
    detail: { deployment: d.id, code: error.code, error: error.message.slice(0, 2000) },
  };
}
