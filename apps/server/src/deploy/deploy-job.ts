import { formatDuration, toAppUrl } from '@berth/core';
import {
  BerthError,
  formatLimits,
  TERMINAL_DEPLOYMENT_STATUSES,
  type DeploymentError,
} from '@berth/protocol';
import type { AppRow, DeploymentRow, ReleaseRow, Store } from '@berth/store';
import { checkImageUse, checkResolvedImage } from '../access/images.js';
import type { AgentGateway } from '../agents/gateway.js';
import type { BuildRunner } from '../builds/runner.js';

export interface DeployJobDeps {
  store: Store;
  clock: () => number;
  agents: AgentGateway;
  builds: BuildRunner;
  domain: string;
  httpPort: number;
  drainTimeoutMs: number;
}

/**
 * Runs one deployment to its end. Every step checks what is already done, so a job re-claimed
 * after berthd died resumes where it was: it never resolves twice, never creates a second
 * rollout, and a rollout that finished while berthd was down is simply recognised.
 */
export function createDeployJob(deps: DeployJobDeps) {
  const { store, clock, agents } = deps;

  return async function runDeployJob(payload: unknown, signal: AbortSignal): Promise<void> {
    const deploymentId = (payload as { deploymentId?: unknown } | null)?.deploymentId;
    if (typeof deploymentId !== 'string')
      throw new BerthError('INTERNAL', 'deploy job without a deployment id');
    let d = await store.deployments.get(deploymentId);
    if (!d || TERMINAL_DEPLOYMENT_STATUSES.includes(d.status)) return;
    const app = await store.apps.getById(d.appId);
    let release = await store.releases.get(d.releaseId);
    if (!app || !release) return;

    if (d.status === 'queued') d = await begin(d, release);
    if (d.status === 'preparing' && d.buildId && !release.imageId) {
      const failure = await deps.builds.run(d, release, signal);
      if (failure?.code === 'BUILD_COMMIT_NOT_TIP') {
        await finish(d, failure, 'spec', 'ignored');
        return;
      }
      if (failure) {
        await finish(d, failure, 'spec');
        return;
      }
      release = (await store.releases.get(release.id)) ?? release;
    }
    if (d.status === 'preparing') {
      const resolved = release.imageId
        ? { imageId: release.imageId, note: null }
        : await resolveImage(d, app, release);
      if (resolved === null) return;
      d = await activate(d, app, release, resolved);
      await agents.pushDesired();
    }
    await awaitRollout(d, app, release, signal);
  };

  /** The deployment starts: its status and first steps land in one transaction. */
  async function begin(d: DeploymentRow, release: ReleaseRow): Promise<DeploymentRow> {
    return store.transaction(async (tx) => {
      const started = await tx.deployments.update(d.id, { status: 'preparing', startedAt: clock() });
      await tx.events.append(d.id, { at: clock(), level: 'info', message: describeStart(d, release) });
      if (!release.imageId && !d.buildId) {
        await tx.events.append(d.id, {
          at: clock(),
          level: 'info',
          message: `Resolving image ${release.image}`,
        });
      }
      return started;
    });
  }

  /** Null when the image cannot be had: the deployment has failed and nothing was rolled out. */
  async function resolveImage(
    d: DeploymentRow,
    app: AppRow,
    release: ReleaseRow,
  ): Promise<{ imageId: string; note: string } | null> {
    try {
      // Checked again here: the team's allowance may have changed since the deploy was asked for.
      const team = await store.teams.get(app.teamId);
      if (!team) throw new BerthError('APP_NOT_FOUND', `The team of ${app.name} is gone`);
      await checkImageUse(store, team, release.image);
      const started = clock();
      const { imageId, pulled, builtFor } = await agents.resolveImage(release.image);
      await checkResolvedImage(store, team, release.image, builtFor);
      const how = pulled ? `pulled in ${formatDuration(clock() - started)}` : 'found on the server';
      return { imageId, note: `Image ${release.image} is ${imageId.slice(0, 19)} (${how})` };
    } catch (err) {
      if (
        err instanceof BerthError &&
        (err.code === 'DEPLOY_IMAGE_NOT_FOUND' ||
          err.code === 'DEPLOY_IMAGE_PULL_FAILED' ||
          err.code === 'IMAGE_NOT_ALLOWED')
      ) {
        await finish(d, { code: err.code, message: err.message, logs: err.logs }, 'spec');
        return null;
      }
      throw err;
    }
  }

  /** Records the image, makes the release current and the rollout wanted, in one transaction. */
  async function activate(
    d: DeploymentRow,
    app: AppRow,
    release: ReleaseRow,
    resolved: { imageId: string; note: string | null },
  ): Promise<DeploymentRow> {
    return store.transaction(async (tx) => {
      if (!release.imageId) await tx.releases.setImageId(release.id, resolved.imageId);
      if (resolved.note) await tx.events.append(d.id, { at: clock(), level: 'info', message: resolved.note });
      const fresh = (await tx.apps.getById(app.id)) ?? app;
      const replicas = d.kind === 'scale' || d.kind === 'limits' ? d.replicas : fresh.replicas;
      await tx.apps.update(
        app.id,
        { currentReleaseId: d.releaseId, currentDeploymentId: d.id, revision: d.id, replicas },
        clock(),
      );
      await tx.meta.increment('desired_version');
      await tx.events.append(d.id, {
        at: clock(),
        level: 'info',
        message: `Rolling out ${replicas} replica(s), one at a time`,
      });
      return tx.deployments.update(d.id, {
        status: 'rolling_out',
        replicas,
        previousReleaseId: fresh.currentReleaseId,
        previousReplicas: fresh.replicas,
      });
    });
  }

  async function awaitRollout(
    d: DeploymentRow,
    app: AppRow,
    release: ReleaseRow,
    signal: AbortSignal,
  ): Promise<void> {
    const current = await store.apps.getById(app.id);
    if (current?.revision !== d.id) {
      await finish(
        d,
        { code: 'DEPLOY_SUPERSEDED', message: 'Another change replaced this rollout', logs: [] },
        'none',
      );
      return;
    }
    const budget = release.health.timeoutMs * (d.replicas + 1) + deps.drainTimeoutMs * d.replicas + 60_000;
    const timeout = AbortSignal.timeout(budget);
    const result = await agents
      .waitForRollout(app.id, d.id, AbortSignal.any([signal, timeout]))
      .catch((err: unknown) => {
        if (timeout.aborted) return { phase: 'timeout' as const };
        throw err;
      });
    if (result.phase === 'converged') {
      const url = toAppUrl(app.name, deps.domain, deps.httpPort);
      await store.transaction(async (tx) => {
        await tx.events.append(d.id, {
          at: clock(),
          level: 'info',
          message: `v${release.version} is live at ${url}`,
        });
        await tx.deployments.update(d.id, { status: 'succeeded', finishedAt: clock() });
      });
      return;
    }
    const error: DeploymentError =
      result.phase === 'timeout'
        ? {
            code: 'DEPLOY_TIMEOUT',
            message: `The rollout did not finish within ${formatDuration(budget)}`,
            logs: [],
          }
        : result.failure;
    await finish(d, error, 'rollout');
  }

  /**
   * Ends a deployment as failed (or `ignored`: a webhook's commit that was no longer the tip, with
   * its audit row), in one transaction with putting things back, so nobody sees a failed
   * deployment whose app still points at the failed release:
   * - `spec`: nothing was rolled out; the app's image, env and limits return to those of the release that serves.
   * - `rollout`: the previous release (and replica count) becomes current again; with none, the app
   *   stops running. Its image, env and limits go back too, so the spec always describes what serves.
   */
  async function finish(
    d: DeploymentRow,
    error: DeploymentError,
    undo: 'none' | 'spec' | 'rollout',
    status: 'failed' | 'ignored' = 'failed',
  ): Promise<void> {
    const app = await store.apps.getById(d.appId);
    const serving = app?.currentReleaseId ? await store.releases.get(app.currentReleaseId) : null;
    const previous = d.previousReleaseId ? await store.releases.get(d.previousReleaseId) : null;
    await store.transaction(async (tx) => {
      await tx.events.append(d.id, {
        at: clock(),
        level: status === 'failed' ? 'error' : 'warn',
        message:
          status === 'failed' ? `Deployment failed: ${error.message}` : `Nothing to deploy: ${error.message}`,
      });
      if (app && undo === 'spec' && serving) {
        await tx.apps.update(
          app.id,
          { image: serving.image, env: serving.env, limits: serving.limits },
          clock(),
        );
      }
      if (app && undo === 'rollout') {
        await tx.apps.update(
          app.id,
          {
            currentReleaseId: previous?.id ?? null,
            revision: `${d.id}:revert`,
            replicas: d.previousReplicas ?? d.replicas,
            ...(previous && { image: previous.image, env: previous.env, limits: previous.limits }),
          },
          clock(),
        );
        await tx.meta.increment('desired_version');
        const message = previous
          ? `v${previous.version} keeps serving; the failed release's replicas are removed`
          : 'Nothing was serving before; the failed replicas are removed';
        await tx.events.append(d.id, { at: clock(), level: 'warn', message });
      }
      await tx.deployments.update(d.id, { status, error, finishedAt: clock() });
      // A webhook's push that was not built: the team's audit log says so, with the reason.
      if (status === 'ignored' && app) await tx.audit.append(ignoredRow(app, d, error.message, clock()));
    });
    if (undo === 'rollout') await agents.pushDesired();
  }
}

function describeStart(d: DeploymentRow, release: ReleaseRow): string {
  switch (d.kind) {
    case 'deploy':
      return d.buildId
        ? `Deploying v${release.version}, built from source`
        : `Deploying v${release.version} (${release.image})`;
    case 'rollback':
      return `Rolling back to v${release.version} (${release.image})`;
    case 'env':
      return `Deploying v${release.version} with changed environment`;
    case 'secrets':
      return `Deploying v${release.version} with changed secrets`;
    case 'scale':
      return `Scaling to ${d.replicas} replica(s)`;
    case 'limits':
      return `Deploying v${release.version} with ${formatLimits(release.limits)}`;
    case 'restart':
      return `Restarting v${release.version}: a new container for each replica, one at a time`;
  }
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
