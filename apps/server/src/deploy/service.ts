import { createHash } from 'node:crypto';
import { DEFAULT_PORT, DEFAULT_REPLICAS, applyEnvPatch, sortedEnv, toHealthCheck } from '@berth/core';
import type { AppCreate, AppUpdate, EnvPatch } from '@berth/protocol';
import type { AppRow, DeploymentRow, Repos, Store } from '@berth/store';
import { recordDone, type AuditIntent } from '../audit/intent.js';
import { createId } from '../ids.js';
import {
  begin,
  findReplay,
  newRelease,
  pickRuntime,
  requireApp,
  rollbackTarget,
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
  /** Called after a change the agents must see (desired state) or the worker should pick up. */
  onChange: () => void;
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

export function createDeployService({ store, clock, onChange }: DeployServiceDeps) {
  const mutate = createMutator(store, clock, onChange);

  return {
    getApp: (name: string) => requireApp(store, name),

    createApp: (input: AppCreate, where: { projectId: string; teamId: string }, intent: AuditIntent) =>
      mutate(intent, async (tx, now) => {
        const app: AppRow = {
          id: createId('app'),
          projectId: where.projectId,
          teamId: where.teamId,
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

    updateApp: (name: string, patch: AppUpdate, intent: AuditIntent) =>
      mutate(intent, async (tx, now) => {
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

    deleteApp: (name: string, intent: AuditIntent) =>
      mutate(intent, async (tx) => {
        const app = await requireApp(tx, name);
        await tx.apps.delete(app.id);
        await tx.meta.increment('desired_version');
      }),

    /** A new release from the app's spec (optionally a new image), rolled out. */
    deploy: (name: string, image: string | undefined, idem: Idempotency, intent: AuditIntent) =>
      mutate(intent, async (tx, now) => {
        const app = await requireApp(tx, name);
        const replay = await findReplay(tx, app, idem);
        if (replay) return replay;
        const current = image === undefined ? app : await tx.apps.update(app.id, { image }, now);
        const release = await newRelease(tx, current, now, { imageId: null });
        return begin(tx, current, release, 'deploy', current.replicas, idem, now);
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
        return { app: updated, deployment: await rereleaseCurrent(tx, updated, 'env', idem, now) };
      }),

    scale: (name: string, replicas: number, idem: Idempotency, intent: AuditIntent) =>
      mutate(intent, async (tx, now): Promise<Changed> => {
        const app = await requireApp(tx, name);
        const replay = await findReplay(tx, app, idem);
        if (replay) return { app, deployment: replay };
        const current = app.currentReleaseId ? await tx.releases.get(app.currentReleaseId) : null;
        if (!current) return { app: await tx.apps.update(app.id, { replicas }, now), deployment: null };
        return { app, deployment: await begin(tx, app, current, 'scale', replicas, idem, now) };
      }),

    rollback: (name: string, toVersion: number | undefined, idem: Idempotency, intent: AuditIntent) =>
      mutate(intent, async (tx, now) => {
        const app = await requireApp(tx, name);
        const replay = await findReplay(tx, app, idem);
        if (replay) return replay;
        const target = await rollbackTarget(tx, app, toVersion);
        return begin(tx, app, target, 'rollback', app.replicas, idem, now);
      }),
  };
}

/**
 * After a change of env or secrets: a new release of the running image with the app's current
 * env and secrets, rolled out; null when nothing is deployed yet (the next deploy picks it up).
 */
export async function rereleaseCurrent(
  tx: Repos,
  app: AppRow,
  kind: 'env' | 'secrets',
  idem: Idempotency,
  now: number,
): Promise<DeploymentRow | null> {
  const current = app.currentReleaseId ? await tx.releases.get(app.currentReleaseId) : null;
  if (!current) return null;
  const release = await newRelease(tx, { ...app, ...pickRuntime(current) }, now, {
    imageId: current.imageId,
  });
  return begin(tx, app, release, kind, app.replicas, idem, now);
}
