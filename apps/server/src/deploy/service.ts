import { createHash } from 'node:crypto';
import {
  DEFAULT_PORT,
  DEFAULT_REPLICAS,
  applyEnvPatch,
  releaseSettings,
  sameLimits,
  sortedEnv,
  toHealthCheck,
  toLimits,
  unbuiltImage,
} from '@berth/core';
import {
  BerthError,
  type AppCreate,
  type AppUpdate,
  type EnvPatch,
  type GitRef,
  type ScaleRequest,
} from '@berth/protocol';
import type { AppRow, DeploymentRow, Repos, Store } from '@berth/store';
import {
  gitSourceFor,
  newBuild,
  requireImage,
  storeGitCredentials,
  type NewBuildSource,
} from '../builds/steps.js';
import { checkImageUse } from '../access/images.js';
import type { KeyHolder } from '../secrets/keys.js';
import { recordDone, type AuditIntent } from '../audit/intent.js';
import { createId } from '../ids.js';
import { adoptRelease, settingsRelease } from './app-settings.js';
import type { FleetView } from './placement.js';
import {
  findReplay,
  newRelease,
  pickRuntime,
  queueDeployment,
  requireApp,
  requesterOf,
  requireTeam,
  rollbackTarget,
  servedReplicas,
  type Idempotency,
} from './rollout-steps.js';

export type { Idempotency } from './rollout-steps.js';

/**
 * What the API asks of apps and deployments, as transactions over the store. Every mutation
 * lands whole or not at all, together with its audit row; rollouts are queued as durable jobs,
 * never run in the request.
 */

export interface DeployServiceDeps {
  store: Store;
  clock: () => number;
  keys: KeyHolder;
  /** Called after a change the agents must see (desired state) or the worker should pick up. */
  onChange: () => void;
  /** Which servers' agents are connected: placement gives offline servers nothing new. */
  fleet: FleetView;
  /** The fleet registry's address (its images are each team's own), or null. */
  fleetRegistry?: string | null;
}

const hashRequest = (kind: string, body: unknown): string =>
  createHash('sha256')
    .update(JSON.stringify([kind, body ?? null]))
    .digest('hex');

/** The Idempotency-Key header of a request, with the hash of what the request asked. */
export const idempotencyOf = (
  headers: { 'idempotency-key'?: string | undefined },
  kind: string,
  body: unknown,
): Idempotency => ({ key: headers['idempotency-key'] ?? null, requestHash: hashRequest(kind, body) });

/** Runs fn in one transaction with the audit row of the change; tells the agents afterwards. */
export function createMutator(store: Store, clock: () => number, onChange: () => void) {
  return async <T>(intent: AuditIntent, fn: (tx: Repos, now: number) => Promise<T>): Promise<T> => {
    const result = await store.transaction(async (tx) => {
      const now = clock();
      const value = await fn(tx, now);
      await recordDone(tx, intent, now);
      return value;
    });
    onChange();
    return result;
  };
}

export type DeployService = ReturnType<typeof createDeployService>;

type Changed = { app: AppRow; deployment: DeploymentRow | null };

/** How a deployment from source was asked for: by a person (or script), a webhook, or an upload. */
export interface SourceTrigger {
  trigger: 'deploy' | 'webhook' | 'upload';
  /**
   * A webhook's pushed commit: built exactly, and only while it is still the tip of the branch
   * when the agent fetches it (a replayed old push then builds nothing).
   */
  commit?: string;
}

export function createDeployService({
  store,
  clock,
  keys,
  onChange,
  fleet,
  fleetRegistry = null,
}: DeployServiceDeps) {
  const mutate = createMutator(store, clock, onChange);

  return {
    /** After deployments were queued outside this service (a drained server's moves): run them. */
    changed: onChange,

    getApp: (name: string) => requireApp(store, name),

    /** `alsoInTransaction`: more writes that stand or fall with the app (its domains). */
    createApp: (
      input: AppCreate,
      where: { projectId: string; teamId: string },
      intent: AuditIntent,
      alsoInTransaction?: (tx: Repos, app: AppRow, now: number) => Promise<unknown>,
    ) =>
      mutate(intent, async (tx, now) => {
        if (input.image !== undefined)
          await checkImageUse(tx, await requireTeam(tx, where.teamId), input.image, fleetRegistry);
        const app: AppRow = {
          id: createId('app'),
          projectId: where.projectId,
          teamId: where.teamId,
          name: input.name,
          image: input.image ?? unbuiltImage(input.name),
          source: input.git
            ? { type: 'git', url: input.git.url, ref: input.git.ref ?? { kind: 'branch', name: 'main' } }
            : null,
          portSet: input.port !== undefined,
          port: input.port ?? DEFAULT_PORT,
          command: input.command ?? null,
          env: sortedEnv(input.env ?? {}),
          health: toHealthCheck(input.health),
          replicas: input.replicas ?? DEFAULT_REPLICAS,
          limits: toLimits(input.limits),
          currentReleaseId: null,
          currentReplicas: 0,
          currentDeploymentId: null,
          rolloutDirection: 'forward',
          settingsDeploymentId: null,
          constraints: input.constraints ?? [],
          strategy: input.strategy ?? 'rolling',
          createdAt: now,
          updatedAt: now,
        };
        await tx.apps.create(app);
        if (input.git) await storeGitCredentials(tx, keys.box, app.id, input.git, now);
        await alsoInTransaction?.(tx, app, now);
        return app;
      }),

    updateApp: (name: string, patch: AppUpdate, intent: AuditIntent) =>
      mutate(intent, async (tx, now) => {
        const app = await requireApp(tx, name);
        if (patch.image !== undefined)
          await checkImageUse(tx, await requireTeam(tx, app.teamId), patch.image, fleetRegistry);
        return tx.apps.update(
          app.id,
          {
            ...(patch.image !== undefined && { image: patch.image }),
            ...(patch.port !== undefined && { port: patch.port, portSet: true }),
            ...(patch.command !== undefined && { command: patch.command }),
            ...(patch.health !== undefined && { health: toHealthCheck(patch.health, app.health) }),
            ...(patch.constraints !== undefined && { constraints: patch.constraints }),
            ...(patch.strategy !== undefined && { strategy: patch.strategy }),
          },
          now,
        );
      }),

    /** Returns the ids of the builds that had not ended: their uploads are the caller's to delete. */
    deleteApp: (name: string, intent: AuditIntent) =>
      mutate(intent, async (tx) => {
        const app = await requireApp(tx, name);
        const unfinished = await tx.builds.listUnfinished(app.id);
        await tx.apps.delete(app.id);
        await tx.servers.bumpDesiredVersions();
        return unfinished.map((b) => b.id);
      }),

    /**
     * A new release from the app's spec, rolled out: of a new image when one is given, else built
     * from the app's git source (at `ref`, or the app's own ref) when it has one.
     */
    deploy: (
      name: string,
      request: { image?: string | undefined; ref?: GitRef | undefined },
      idem: Idempotency,
      intent: AuditIntent,
      how: SourceTrigger = { trigger: 'deploy' },
    ) =>
      mutate(intent, async (tx, now) => {
        const app = await requireApp(tx, name);
        const replay = await findReplay(tx, app, idem);
        if (replay) return replay;
        if (request.image === undefined && (app.source || request.ref)) {
          const source = gitSourceFor(app, request.ref);
          const pushed = how.commit
            ? { commit: how.commit, requireTip: how.trigger === 'webhook' }
            : { commit: null };
          return deployFromSource(tx, fleet, app, { ...source, ...pushed }, how.trigger, idem, now, {
            requestedBy: requesterOf(intent),
          });
        }
        if (request.image === undefined) requireImage(app);
        await checkImageUse(tx, await requireTeam(tx, app.teamId), request.image ?? app.image, fleetRegistry);
        const image = request.image;
        const current = image === undefined ? app : await tx.apps.update(app.id, { image }, now);
        const release = await newRelease(tx, current, now, { imageId: null });
        return queueDeployment(tx, fleet, current, release, 'deploy', current.replicas, idem, now, {
          requestedBy: requesterOf(intent),
        });
      }),

    /** A deployment built from an uploaded directory (`berth deploy --from-dir`), already stored by id. */
    deployArchive: (
      name: string,
      archive: { buildId: string; sha256: string; bytes: number },
      idem: Idempotency,
      intent: AuditIntent,
    ) =>
      mutate(intent, async (tx, now) => {
        const app = await requireApp(tx, name);
        const replay = await findReplay(tx, app, idem);
        if (replay) return replay;
        return deployFromSource(
          tx,
          fleet,
          app,
          { type: 'archive', sha256: archive.sha256, bytes: archive.bytes },
          'upload',
          idem,
          now,
          { requestedBy: requesterOf(intent), buildId: archive.buildId },
        );
      }),

    /** A new release with changed env and the current image; null when the app has no release yet. */
    patchEnv: (name: string, patch: EnvPatch, idem: Idempotency, intent: AuditIntent) =>
      mutate(intent, async (tx, now): Promise<Changed> => {
        const app = await requireApp(tx, name);
        const replay = await findReplay(tx, app, idem);
        if (replay) return { app, deployment: replay };
        const env = applyEnvPatch(app.env, patch);
        if (env === null) return { app, deployment: null };
        const updated = await tx.apps.update(app.id, { env }, now);
        return {
          app: updated,
          deployment: await rereleaseCurrent(tx, fleet, updated, 'env', idem, now, requesterOf(intent)),
        };
      }),

    /**
     * Replicas and/or limits, as settings at once. New limits need new containers: a new release
     * like an env change. Replicas alone scale the release of the app's settings.
     */
    scale: (name: string, request: ScaleRequest, idem: Idempotency, intent: AuditIntent) =>
      mutate(intent, async (tx, now): Promise<Changed> => {
        const app = await requireApp(tx, name);
        const replay = await findReplay(tx, app, idem);
        if (replay) return { app, deployment: replay };
        const replicas = request.replicas ?? app.replicas;
        const limits = toLimits(request.limits, app.limits);
        const base = await settingsRelease(tx, app);
        const updated = await tx.apps.update(app.id, { replicas, limits }, now);
        if (!base) return { app: updated, deployment: null };
        const deployment = sameLimits(limits, base.limits)
          ? await queueDeployment(tx, fleet, updated, base, 'scale', replicas, idem, now, {
              requestedBy: requesterOf(intent),
            })
          : await rereleaseCurrent(tx, fleet, updated, 'limits', idem, now, requesterOf(intent));
        return { app: updated, deployment };
      }),

    /** New containers of the current release, one replica at a time, health-gated like a deploy. */
    restart: (name: string, idem: Idempotency, intent: AuditIntent) =>
      mutate(intent, async (tx, now) => {
        const app = await requireApp(tx, name);
        const replay = await findReplay(tx, app, idem);
        if (replay) return replay;
        const current = app.currentReleaseId ? await tx.releases.get(app.currentReleaseId) : null;
        if (!current) {
          throw new BerthError('NO_RELEASE', `${app.name} has nothing running to restart`, {
            hint: `Deploy it first: berth deploy ${app.name}`,
          });
        }
        return queueDeployment(tx, fleet, app, current, 'restart', app.replicas, idem, now, {
          requestedBy: requesterOf(intent),
        });
      }),

    /**
     * The rolled-to release becomes the app's settings at once — image, env, port, health,
     * limits, secrets and the replica count it last served with — so every later change starts
     * from it, even before it is rolled out.
     */
    rollback: (name: string, toVersion: number | undefined, idem: Idempotency, intent: AuditIntent) =>
      mutate(intent, async (tx, now) => {
        const app = await requireApp(tx, name);
        const replay = await findReplay(tx, app, idem);
        if (replay) return replay;
        const target = await rollbackTarget(tx, app, toVersion);
        const replicas = await servedReplicas(tx, target);
        const deployment = await queueDeployment(tx, fleet, app, target, 'rollback', replicas, idem, now, {
          requestedBy: requesterOf(intent),
        });
        await adoptRelease(tx, app, target, replicas, now);
        return deployment;
      }),
  };
}

/** A build, the release that waits for its image, and the deployment that runs both. */
async function deployFromSource(
  tx: Repos,
  fleet: FleetView,
  app: AppRow,
  source: NewBuildSource,
  trigger: SourceTrigger['trigger'],
  idem: Idempotency,
  now: number,
  who: { requestedBy: string | null; buildId?: string },
): Promise<DeploymentRow> {
  const buildId = who.buildId ?? createId('bld');
  const release = await newRelease(tx, app, now, { imageId: null, buildId });
  const deployment = await queueDeployment(tx, fleet, app, release, 'deploy', app.replicas, idem, now, {
    requestedBy: who.requestedBy,
    buildId,
  });
  await newBuild(tx, { id: buildId, app, source, trigger, deploymentId: deployment.id }, now);
  return deployment;
}

/**
 * After a change of env, secrets or limits: a new release with the app's settings, running what
 * the release of its settings runs (the same image, or the same build), rolled out; null when
 * nothing was deployed yet (the next deploy picks the change up).
 */
export async function rereleaseCurrent(
  tx: Repos,
  fleet: FleetView,
  app: AppRow,
  kind: 'env' | 'secrets' | 'limits',
  idem: Idempotency,
  now: number,
  requestedBy: string | null,
): Promise<DeploymentRow | null> {
  const base = await settingsRelease(tx, app);
  if (!base) return null;
  // A release built from source keeps its berth.yaml env defaults under the app's env.
  const build = base.buildId ? await tx.builds.get(base.buildId) : null;
  const env = build?.plan ? releaseSettings(app, build.plan, false).env : app.env;
  const release = await newRelease(tx, { ...app, ...pickRuntime(base), env }, now, {
    imageId: base.imageId,
    buildId: base.buildId,
    commit: base.commit,
  });
  return queueDeployment(tx, fleet, app, release, kind, app.replicas, idem, now, { requestedBy });
}
