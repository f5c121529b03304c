import { randomBytes } from 'node:crypto';
import { unbuiltImage } from '@berth/core';
import type { SecretBox } from '@berth/crypto';
import { BerthError, type GitRef, type GitSourceInput } from '@berth/protocol';
import type { AppRow, BuildRow, BuildSource, Repos } from '@berth/store';
import { openAppValue, sealAppValue } from './sealed.js';

/** The build-related steps of a deploy, run inside the caller's transaction. */

export type NewBuildSource = BuildSource;

/** The git source to build for an app (at `ref` when given); an app without one cannot build. */
export function gitSourceFor(app: AppRow, ref: GitRef | undefined): Extract<BuildSource, { type: 'git' }> {
  if (!app.source) {
    throw new BerthError(
      'BUILD_SOURCE_MISSING',
      `${app.name} has no git source, so there is no ref to build`,
      {
        hint: `Deploy a directory with: berth deploy ${app.name} --from-dir DIR, or an image with --image IMAGE`,
      },
    );
  }
  return { type: 'git', url: app.source.url, ref: ref ?? app.source.ref, commit: null };
}

/** An app made without image or git deploys only from uploads: say so instead of a failed pull. */
export function requireImage(app: AppRow): void {
  if (app.image !== unbuiltImage(app.name)) return;
  throw new BerthError('BUILD_SOURCE_MISSING', `${app.name} has no image or git source to deploy`, {
    hint: `Deploy a directory with: berth deploy ${app.name} --from-dir DIR, or an image with --image IMAGE`,
  });
}

export async function newBuild(
  tx: Repos,
  b: { id: string; app: AppRow; source: NewBuildSource; trigger: BuildRow['trigger']; deploymentId: string },
  now: number,
): Promise<BuildRow> {
  // The database numbers it, from the app's build counter.
  return tx.builds.create({
    id: b.id,
    appId: b.app.id,
    status: 'queued',
    trigger: b.trigger,
    source: b.source,
    commit: b.source.type === 'git' ? b.source.commit : null,
    subject: null,
    builder: null,
    plan: null,
    image: null,
    imageId: null,
    error: null,
    deploymentId: b.deploymentId,
    cancelRequestedAt: null,
    createdAt: now,
    startedAt: null,
    finishedAt: null,
  });
}

/** The git credentials given with a source, sealed; and the app's webhook secret, made once. */
export async function storeGitCredentials(
  tx: Repos,
  box: SecretBox,
  appId: string,
  git: Pick<GitSourceInput, 'token' | 'sshKey'>,
  now: number,
): Promise<void> {
  if (git.token) await tx.appSealed.put(sealAppValue(box, appId, 'git-token', git.token, now));
  if (git.sshKey) await tx.appSealed.put(sealAppValue(box, appId, 'git-ssh-key', git.sshKey, now));
  await webhookSecret(tx, box, appId, now);
}

/** The app's webhook secret (made on first use): 32 random bytes, base64url. */
export async function webhookSecret(tx: Repos, box: SecretBox, appId: string, now: number): Promise<string> {
  const row = await tx.appSealed.get(appId, 'webhook-secret');
  if (row) return openAppValue(box, row);
  const secret = randomBytes(32).toString('base64url');
  await tx.appSealed.put(sealAppValue(box, appId, 'webhook-secret', secret, now));
  return secret;
}

export async function rotateWebhookSecret(
  tx: Repos,
  box: SecretBox,
  appId: string,
  now: number,
): Promise<string> {
  const secret = randomBytes(32).toString('base64url');
  await tx.appSealed.put(sealAppValue(box, appId, 'webhook-secret', secret, now));
  return secret;
}
