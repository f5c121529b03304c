import { formatDuration, toAppUrl, toRevision } from '@berth/core';
import {
  BerthError,
  formatLimits,
  TERMINAL_DEPLOYMENT_STATUSES,
  type DeploymentError,
} from '@berth/protocol';
import type { AppRow, DeploymentRow, PlacementRow, ReleaseRow, Store } from '@berth/store';
import { checkImageUse, checkResolvedImage } from '../access/images.js';
import type { AgentGateway } from '../agents/gateway.js';
import type { BuildRunner } from '../builds/runner.js';
import { createDeploymentEnd, type EndOptions, type Undo } from './deployment-end.js';
import { distributeImage } from './image-distribution.js';
import { takeInheritedBuild } from './inherited-build.js';
import { placeDeployment } from './placement.js';

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
 * rollout, and a rollout that finished while berthd was down is simply recognised. `giveUp` ends
 * the deployment of a job that failed for good, the same way the job ends a failed one.
 */
export function createDeployJob(deps: DeployJobDeps) {
  const { store, clock, agents } = deps;
  const ending = createDeploymentEnd(deps);
  const finish = (d: DeploymentRow, error: DeploymentError, undo: Undo, options?: EndOptions) =>
    ending.end(d.id, error, undo, options);

  return { run: runDeployJob, giveUp: ending.giveUp };

  async function runDeployJob(payload: unknown, signal: AbortSignal): Promise<void> {
    const deploymentId = (payload as { deploymentId?: unknown } | null)?.deploymentId;
    if (typeof deploymentId !== 'string')
      throw new BerthError('INTERNAL', 'deploy job without a deployment id');
    let d = await store.deployments.get(deploymentId);
    if (!d || TERMINAL_DEPLOYMENT_STATUSES.includes(d.status)) return;
    const app = await store.apps.getById(d.appId);
    let release = await store.releases.get(d.releaseId);
    if (!app || !release) return;

    if (d.status === 'queued') d = await startPreparing(d, release);
    if (d.status === 'preparing' && release.buildId && !release.imageId) {
      // Its own build, or (an env, secrets or limits change made while a build ran) that build's.
      const failure =
        d.buildId === release.buildId
          ? await deps.builds.run(d, release, signal)
          : await takeInheritedBuild(store, d, release);
      if (failure?.code === 'BUILD_COMMIT_NOT_TIP') {
        await finish(d, failure, 'spec', { status: 'ignored' });
        return;
      }
      if (failure) {
        await finish(d, failure, 'spec');
        return;
      }
      release = (await store.releases.get(release.id)) ?? release;
    }
    if (d.status === 'preparing') {
      const placedOn = await ensurePlaced(d, app, release);
      if (placedOn === null) return;
      const resolved = release.imageId
        ? { imageId: release.imageId, note: null }
        : await resolveImage(d, app, release, placedOn);
      if (resolved === null) return;
      // The image and how it was found land together: a job run again after a crash skips both.
      if (resolved.note) await recordImage(d, release, resolved.imageId, resolved.note);
      const moved = await distribute(d, app, release, resolved.imageId, placedOn);
      if (moved === false) return;
      if (moved !== null) await store.events.append(d.id, { at: clock(), level: 'info', message: moved });
      // Servers with slots in slot order, then those that lose theirs: one server at a time.
      const losing = agents.runningApp(app.id).filter((id) => !placedOn.includes(id));
      d = await activate(d, app, release, resolved.imageId, [...placedOn, ...losing]);
      await agents.pushDesired();
    }
    await awaitRollout(d, app, release, signal);
  }

  /** The job takes the deployment up: its status and first steps land in one transaction. */
  async function startPreparing(d: DeploymentRow, release: ReleaseRow): Promise<DeploymentRow> {
    return store.transaction(async (tx) => {
      const started = await tx.deployments.update(d.id, { status: 'preparing', startedAt: clock() });
      await tx.events.append(d.id, { at: clock(), level: 'info', message: describeStart(d, release) });
      if (!release.imageId && !release.buildId) {
        await tx.events.append(d.id, {
          at: clock(),
          level: 'info',
          message: `Resolving image ${release.image}`,
        });
      }
      return started;
    });
  }

  /**
   * The servers the deployment's slots are placed on. A deployment queued before any server
   * joined is placed now; with still none, it rolls out unplaced (to whichever agent connects,
   * as one machine did). Null when it cannot be placed: the deployment has failed and nothing
   * was rolled out.
   */
  async function ensurePlaced(d: DeploymentRow, app: AppRow, release: ReleaseRow): Promise<string[] | null> {
    const rows = await store.placements.listForDeployment(d.id);
    if (rows.length > 0 || d.replicas === 0) return serversOf(rows, d.replicas);
    try {
      await store.transaction(async (tx) => {
        const fresh = (await tx.apps.getById(app.id)) ?? app;
        return placeDeployment(tx, agents, fresh, release, d, clock());
      });
    } catch (err) {
      if (err instanceof BerthError && err.code === 'DEPLOY_UNPLACEABLE') {
        await finish(d, { code: err.code, message: err.message, logs: [] }, 'spec');
        return null;
      }
      throw err;
    }
    return serversOf(await store.placements.listForDeployment(d.id), d.replicas);
  }

  /** Null when the image cannot be had: the deployment has failed and nothing was rolled out. */
  async function resolveImage(
    d: DeploymentRow,
    app: AppRow,
    release: ReleaseRow,
    placedOn: readonly string[],
  ): Promise<{ imageId: string; note: string } | null> {
    try {
      // Checked again here: the team's allowance may have changed since the deploy was asked for.
      const team = await store.teams.get(app.teamId);
      if (!team) throw new BerthError('APP_NOT_FOUND', `The team of ${app.name} is gone`);
      await checkImageUse(store, team, release.image, agents.registryAddress());
      const started = clock();
      const { imageId, pulled, builtFor, serverName } = await agents.resolveImage(release.image, placedOn);
      await checkResolvedImage(store, team, release.image, builtFor);
      const how = pulled
        ? `pulled on ${serverName} in ${formatDuration(clock() - started)}`
        : `found on ${serverName}`;
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

  /**
   * Pushes an image only one server holds to the fleet registry (image-distribution.ts): the
   * event to record, null when nothing moved, false when it could not be done (the deployment
   * has failed and nothing was rolled out). A push that failed on the way is thrown: the job is
   * tried again.
   */
  async function distribute(
    d: DeploymentRow,
    app: AppRow,
    release: ReleaseRow,
    imageId: string,
    placedOn: readonly string[],
  ): Promise<string | null | false> {
    try {
      return await distributeImage({ store, agents, clock }, app, release, imageId, placedOn);
    } catch (err) {
      if (
        err instanceof BerthError &&
        (err.code === 'DEPLOY_IMAGE_NOT_FOUND' || err.code === 'REGISTRY_AUTH_FAILED')
      ) {
        await finish(d, { code: err.code, message: err.message, logs: err.logs }, 'spec');
        return false;
      }
      throw err;
    }
  }

  async function recordImage(d: DeploymentRow, release: ReleaseRow, imageId: string, note: string) {
    await store.transaction(async (tx) => {
      await tx.releases.setImageId(release.id, imageId);
      await tx.events.append(d.id, { at: clock(), level: 'info', message: note });
    });
  }

  /**
   * Records the image, makes the release current and the rollout wanted, staged to reach the
   * servers of `order` one at a time (agents/staging.ts), in one transaction.
   */
  async function activate(
    d: DeploymentRow,
    app: AppRow,
    release: ReleaseRow,
    imageId: string,
    order: readonly string[],
  ): Promise<DeploymentRow> {
    return store.transaction(async (tx) => {
      await agents.stageRollout(tx, app.id, toRevision(d.id, 'forward'), order);
      if (!release.imageId) await tx.releases.setImageId(release.id, imageId);
      const fresh = (await tx.apps.getById(app.id)) ?? app;
      await tx.apps.update(
        app.id,
        {
          currentReleaseId: d.releaseId,
          currentReplicas: d.replicas,
          currentDeploymentId: d.id,
          rolloutDirection: 'forward',
        },
        clock(),
      );
      await tx.servers.bumpDesiredVersions();
      await tx.events.append(d.id, {
        at: clock(),
        level: 'info',
        message: `Rolling out ${d.replicas} replica(s), one at a time`,
      });
      return tx.deployments.update(d.id, {
        status: 'rolling_out',
        previousReleaseId: fresh.currentReleaseId,
        previousReplicas: fresh.currentReplicas,
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
    if (current?.currentDeploymentId !== d.id || current.rolloutDirection !== 'forward') {
      await finish(
        d,
        { code: 'DEPLOY_SUPERSEDED', message: 'Another change replaced this rollout', logs: [] },
        'none',
      );
      return;
    }
    const budget = release.health.timeoutMs * (d.replicas + 1) + deps.drainTimeoutMs * d.replicas + 60_000;
    const timeout = AbortSignal.timeout(budget);
    const rows = await store.placements.listForDeployment(d.id);
    const placedOn: ReadonlySet<string> | 'any' =
      rows.length === 0 && d.replicas > 0 ? 'any' : new Set(serversOf(rows, d.replicas));
    const watch = { appId: app.id, revision: toRevision(d.id, 'forward'), placedOn };
    const result = await agents
      .waitForRollout(watch, AbortSignal.any([signal, timeout]))
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
}

/** The servers with slots of a deployment (not those carried over for a revert), in slot order. */
const serversOf = (rows: readonly PlacementRow[], replicas: number): string[] => [
  ...new Set(rows.filter((r) => r.slot <= replicas).map((r) => r.serverId)),
];

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
    case 'move':
      return `Moving replicas of v${release.version} to where placement now puts them`;
    case 'restart':
      return `Restarting v${release.version}: a new container for each replica, one at a time`;
  }
}
