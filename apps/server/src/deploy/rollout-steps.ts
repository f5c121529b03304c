import type { DeploymentKind } from '@berth/protocol';
import { BerthError, formatLimits } from '@berth/protocol';
import { portWarnings } from '@berth/core';
import type { AppRow, DeploymentRow, ReleaseRow, Repos, TeamRow } from '@berth/store';
import type { AuditIntent } from '../audit/intent.js';
import { createId } from '../ids.js';
import { placeDeployment, type FleetView } from './placement.js';

/**
 * The steps every change that rolls something out shares: find the app, replay an idempotent
 * retry, freeze a release (with a copy of the app's sealed secrets), queue its deployment.
 * All of them run inside the caller's transaction.
 */

export interface Idempotency {
  key: string | null;
  /** Hash of what the request asked, to tell a retry from a different request reusing the key. */
  requestHash: string;
}

/**
 * Who a deployment says asked for it: the person or token behind the request, as the audit log
 * names them; null when berthd acts on its own (a webhook's push is `system`).
 */
export const requesterOf = (intent: Pick<AuditIntent, 'actorKind' | 'actorName'>): string | null =>
  intent.actorKind === 'user' || intent.actorKind === 'token' ? intent.actorName : null;

export async function requireApp(repos: Repos, name: string): Promise<AppRow> {
  const app = await repos.apps.getByName(name);
  if (!app) {
    throw new BerthError('APP_NOT_FOUND', `There is no app named "${name}"`, {
      hint: 'List apps with: berth apps list',
    });
  }
  return app;
}

export async function requireTeam(repos: Repos, id: string): Promise<TeamRow> {
  const team = await repos.teams.get(id);
  if (!team) throw new BerthError('TEAM_NOT_FOUND', 'The team of this app is gone');
  return team;
}

export async function findReplay(tx: Repos, app: AppRow, idem: Idempotency): Promise<DeploymentRow | null> {
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

export const pickRuntime = (r: ReleaseRow): Pick<AppRow, 'image' | 'port' | 'command' | 'health'> => ({
  image: r.image,
  port: r.port,
  command: r.command,
  health: r.health,
});

export async function newRelease(
  tx: Repos,
  spec: Pick<AppRow, 'id' | 'image' | 'port' | 'command' | 'env' | 'health' | 'replicas' | 'limits'>,
  now: number,
  {
    imageId,
    buildId = null,
    commit = null,
  }: { imageId: string | null; buildId?: string | null; commit?: string | null },
): Promise<ReleaseRow> {
  // The database numbers it (the app's release counter), so two requests never share a version.
  const release = await tx.releases.create({
    id: createId('rel'),
    appId: spec.id,
    image: spec.image,
    imageId,
    env: spec.env,
    port: spec.port,
    command: spec.command,
    health: spec.health,
    replicas: spec.replicas,
    limits: spec.limits,
    buildId,
    commit,
    createdAt: now,
  });
  // The release keeps the secrets it was made with (still sealed): a rollback brings them back.
  const secrets = await tx.secrets.list(spec.id);
  await tx.releaseSecrets.createMany(
    secrets.map((s) => ({
      releaseId: release.id,
      key: s.key,
      value: s.value,
      keyId: s.keyId,
      filePath: s.filePath,
    })),
  );
  return release;
}

export async function rollbackTarget(
  tx: Repos,
  app: AppRow,
  toVersion: number | undefined,
): Promise<ReleaseRow> {
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

/**
 * How many replicas a rollback to `release` runs: as many as it last served with (a scale keeps
 * the release and changes the count), else as many as it was made with.
 */
export async function servedReplicas(tx: Repos, release: ReleaseRow): Promise<number> {
  const last = await tx.deployments.lastSucceededOf(release.appId, release.id);
  return last?.replicas ?? release.replicas;
}

/**
 * Queues a deployment of `release` with its durable job and its placement (DEPLOY_UNPLACEABLE
 * when a replica fits on no server). The request that asks for it has set the app's settings (or
 * kept them), so the app records it as the deployment its settings come from.
 */
export async function queueDeployment(
  tx: Repos,
  fleet: FleetView,
  app: AppRow,
  release: ReleaseRow,
  kind: DeploymentKind,
  replicas: number,
  idem: Idempotency,
  now: number,
  who: { requestedBy: string | null; buildId?: string | null },
): Promise<DeploymentRow> {
  const deployment: DeploymentRow = {
    id: createId('dep'),
    appId: app.id,
    releaseId: release.id,
    kind,
    status: 'queued',
    replicas,
    previousReleaseId: app.currentReleaseId,
    previousReplicas: app.currentReplicas,
    idempotencyKey: idem.key,
    requestHash: idem.requestHash,
    error: null,
    buildId: who.buildId ?? null,
    requestedBy: who.requestedBy,
    createdAt: now,
    startedAt: null,
    finishedAt: null,
  };
  await tx.deployments.create(deployment);
  // False (no server has joined yet): the deploy job places it when the rollout starts.
  await placeDeployment(tx, fleet, app, release, deployment, now);
  await tx.apps.update(app.id, { settingsDeploymentId: deployment.id }, now);
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
  const what =
    kind === 'scale'
      ? `scale to ${replicas} replica(s)`
      : kind === 'limits'
        ? `v${release.version} with ${formatLimits(release.limits)}`
        : kind === 'move'
          ? `a move of v${release.version}'s replicas`
          : `${kind} of v${release.version}`;
  await tx.events.append(deployment.id, { at: now, level: 'info', message: `Queued ${what}` });
  for (const message of portWarnings(app.name, release))
    await tx.events.append(deployment.id, { at: now, level: 'warn', message });
  return deployment;
}
