import { createHash } from 'node:crypto';
import { DEFAULT_PORT, DEFAULT_REPLICAS, applyEnvPatch, sortedEnv, toHealthCheck } from '@berth/core';
import {
  BerthError,
  type AppCreate,
  type AppUpdate,
  type DeploymentKind,
  type EnvPatch,
} from '@berth/protocol';
import type { AppRow, DeploymentRow, ReleaseRow, Repos, Store } from '@berth/store';
import { createId } from '../ids.js';

/**
 * What the API asks of apps and deployments, as transactions over the store. Every mutation
 * lands whole or not at all; rollouts are queued as durable jobs, never run in the request.
 */

export interface DeployServiceDeps {
  store: Store;
  clock: () => number;
  /** Called after a change the agents must see (desired state) or the worker should pick up. */
  onChange: () => void;
}

export interface Idempotency {
  key: string | null;
  /** Hash of what the request asked, to tell a retry from a different request reusing the key. */
  requestHash: string;
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

export type DeployService = ReturnType<typeof createDeployService>;

export function createDeployService({ store, clock, onChange }: DeployServiceDeps) {
  const mutate = async <T>(fn: (tx: Repos, now: number) => Promise<T>): Promise<T> => {
    const result = await store.transaction((tx) => fn(tx, clock()));
    onChange();
    return result;
  };

  return {
    getApp: (name: string) => requireApp(store, name),

    createApp: (input: AppCreate, ids: { projectId: string }) =>
      mutate(async (tx, now) => {
        const app: AppRow = {
          id: createId('app'),
          projectId: ids.projectId,
          name: input.name,
          image: input.image,
          port: input.port ?? DEFAULT_PORT,
          command: input.command ?? null,
          env: sortedEnv(input.env ?? {}),
          health: toHealthCheck(input.health),
          replicas: input.replicas ?? DEFAULT_REPLICAS,
          currentReleaseId: null,
          currentDeploymentId: null,
          revision: null,
          createdAt: now,
          updatedAt: now,
        };
        await tx.apps.create(app);
        return app;
      }),

    updateApp: (name: string, patch: AppUpdate) =>
      mutate(async (tx, now) => {
        const app = await requireApp(tx, name);
        return tx.apps.update(
          app.id,
          {
            ...(patch.image !== undefined && { image: patch.image }),
            ...(patch.port !== undefined && { port: patch.port }),
            ...(patch.command !== undefined && { command: patch.command }),
            ...(patch.health !== undefined && { health: toHealthCheck(patch.health, app.health) }),
          },
          now,
        );
      }),

    deleteApp: (name: string) =>
      mutate(async (tx) => {
        const app = await requireApp(tx, name);
        await tx.apps.delete(app.id);
        await tx.meta.increment('desired_version');
      }),

    /** A new release from the app's spec (optionally a new image), rolled out. */
    deploy: (name: string, image: string | undefined, idem: Idempotency) =>
      mutate(async (tx, now) => {
        const app = await requireApp(tx, name);
        const replay = await findReplay(tx, app, idem);
        if (replay) return replay;
        const current = image === undefined ? app : await tx.apps.update(app.id, { image }, now);
        const release = await newRelease(tx, current, now, { imageId: null });
        return begin(tx, current, release, 'deploy', current.replicas, idem, now);
      }),

    /** A new release with changed env and the current image; null when the app has no release yet. */
    patchEnv: (name: string, patch: EnvPatch, idem: Idempotency) =>
      mutate(async (tx, now): Promise<{ app: AppRow; deployment: DeploymentRow | null }> => {
        const app = await requireApp(tx, name);
        const replay = await findReplay(tx, app, idem);
        if (replay) return { app, deployment: replay };
        const env = applyEnvPatch(app.env, patch);
        if (env === null) return { app, deployment: null };
        const updated = await tx.apps.update(app.id, { env }, now);
        const current = app.currentReleaseId ? await tx.releases.get(app.currentReleaseId) : null;
        if (!current) return { app: updated, deployment: null };
        const release = await newRelease(tx, { ...updated, ...pickRuntime(current), env }, now, {
          imageId: current.imageId,
        });
        return {
          app: updated,
          deployment: await begin(tx, updated, release, 'env', updated.replicas, idem, now),
        };
      }),

    scale: (name: string, replicas: number, idem: Idempotency) =>
      mutate(async (tx, now): Promise<{ app: AppRow; deployment: DeploymentRow | null }> => {
        const app = await requireApp(tx, name);
        const replay = await findReplay(tx, app, idem);
        if (replay) return { app, deployment: replay };
        const current = app.currentReleaseId ? await tx.releases.get(app.currentReleaseId) : null;
        if (!current) return { app: await tx.apps.update(app.id, { replicas }, now), deployment: null };
        return { app, deployment: await begin(tx, app, current, 'scale', replicas, idem, now) };
      }),

    rollback: (name: string, toVersion: number | undefined, idem: Idempotency) =>
      mutate(async (tx, now) => {
        const app = await requireApp(tx, name);
        const replay = await findReplay(tx, app, idem);
        if (replay) return replay;
        const target = await rollbackTarget(tx, app, toVersion);
        return begin(tx, app, target, 'rollback', app.replicas, idem, now);
      }),
  };
}

async function requireApp(repos: Repos, name: string): Promise<AppRow> {
  const app = await repos.apps.getByName(name);
  if (!app) {
    throw new BerthError('APP_NOT_FOUND', `There is no app named "${name}"`, {
      hint: 'List apps with: berth apps list',
    });
  }
  return app;
}

async function findReplay(tx: Repos, app: AppRow, idem: Idempotency): Promise<DeploymentRow | null> {
  if (!idem.key) return null;
  const existing = await tx.deployments.findByIdempotencyKey(app.id, idem.key);
  if (!existing) return null;
  if (existing.requestHash !== idem.requestHash) {
    throw new BerthError(
      'IDEMPOTENCY_CONFLICT',
      `Idempotency key "${idem.key}" was already used for a different request`,
      {
        hint: 'Use a new key for a new request',
      },
    );
  }
  return existing;
}

const pickRuntime = (r: ReleaseRow): Pick<AppRow, 'image' | 'port' | 'command' | 'health'> => ({
  image: r.image,
  port: r.port,
  command: r.command,
  health: r.health,
});

async function newRelease(
  tx: Repos,
  spec: Pick<AppRow, 'id' | 'image' | 'port' | 'command' | 'env' | 'health' | 'replicas'>,
  now: number,
  { imageId }: { imageId: string | null },
): Promise<ReleaseRow> {
  const release: ReleaseRow = {
    id: createId('rel'),
    appId: spec.id,
    version: (await tx.releases.latestVersion(spec.id)) + 1,
    image: spec.image,
    imageId,
    env: spec.env,
    port: spec.port,
    command: spec.command,
    health: spec.health,
    replicas: spec.replicas,
    createdAt: now,
  };
  await tx.releases.create(release);
  return release;
}

async function rollbackTarget(tx: Repos, app: AppRow, toVersion: number | undefined): Promise<ReleaseRow> {
  if (toVersion !== undefined) {
    const release = await tx.releases.getByVersion(app.id, toVersion);
    if (!release) {
      throw new BerthError('RELEASE_NOT_FOUND', `${app.name} has no release v${toVersion}`, {
        hint: `List releases with: berth releases ${app.name}`,
      });
    }
    if (release.id === app.currentReleaseId) {
      throw new BerthError(
        'NOTHING_TO_ROLL_BACK',
        `v${toVersion} is already the current release of ${app.name}`,
      );
    }
    if (!release.imageId) {
      throw new BerthError(
        'NOTHING_TO_ROLL_BACK',
        `v${toVersion} of ${app.name} was never rolled out (its image was never resolved)`,
      );
    }
    return release;
  }
  const previous = app.currentReleaseId
    ? await tx.deployments.lastSucceededOtherThan(app.id, app.currentReleaseId)
    : null;
  const release = previous ? await tx.releases.get(previous.releaseId) : null;
  if (!release) {
    throw new BerthError('NOTHING_TO_ROLL_BACK', `${app.name} has no earlier release that was live`, {
      hint: `Deploy a new release with: berth deploy ${app.name} --image IMAGE`,
    });
  }
  return release;
}

async function begin(
  tx: Repos,
  app: AppRow,
  release: ReleaseRow,
  kind: DeploymentKind,
  replicas: number,
  idem: Idempotency,
  now: number,
): Promise<DeploymentRow> {
  const deployment: DeploymentRow = {
    id: createId('dep'),
    appId: app.id,
    releaseId: release.id,
    kind,
    status: 'queued',
    replicas,
    previousReleaseId: app.currentReleaseId,
    previousReplicas: app.replicas,
    idempotencyKey: idem.key,
    requestHash: idem.requestHash,
    error: null,
    createdAt: now,
    startedAt: null,
    finishedAt: null,
  };
  await tx.deployments.create(deployment);
  await tx.jobs.enqueue(
    {
      id: createId('job'),
      kind: 'deploy',
      payload: { deploymentId: deployment.id },
      idempotencyKey: `deploy:${deployment.id}`,
      concurrencyKey: app.id,
    },
    now,
  );
  const what = kind === 'scale' ? `scale to ${replicas} replica(s)` : `${kind} of v${release.version}`;
  await tx.events.append(deployment.id, { at: now, level: 'info', message: `Queued ${what}` });
  return deployment;
}
