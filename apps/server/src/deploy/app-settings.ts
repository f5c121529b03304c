import type { AppRow, ReleaseRow, Repos } from '@berth/store';

/**
 * An app's settings — image, command, port, health, env, replicas, limits and its secrets — are
 * what every change starts from and what the next release is made of. A request sets them at
 * once (a deploy its image, `env set` its env, a rollback all of them); the release they are
 * those of is the release of the deployment that request queued, until that deployment fails and
 * they go back to what serves. These run inside the caller's transaction.
 */

/**
 * The release the app's settings are those of: the one its latest request queued (possibly not
 * rolled out yet), else the current one; null when nothing was ever deployed.
 */
export async function settingsRelease(tx: Repos, app: AppRow): Promise<ReleaseRow | null> {
  const queued = app.settingsDeploymentId ? await tx.deployments.get(app.settingsDeploymentId) : null;
  const id = queued?.releaseId ?? app.currentReleaseId;
  return id ? tx.releases.get(id) : null;
}

/**
 * Makes a release's settings the app's: what it runs, `replicas`, and the secrets it was made
 * with (its sealed copy; the same app and key, so the same ciphertext opens). A secret whose value
 * and path are unchanged is left alone, so `secrets list` still says when it really changed.
 */
export async function adoptRelease(
  tx: Repos,
  app: AppRow,
  release: ReleaseRow,
  replicas: number,
  now: number,
): Promise<AppRow> {
  const updated = await tx.apps.update(
    app.id,
    {
      image: release.image,
      command: release.command,
      port: release.port,
      health: release.health,
      env: release.env,
      limits: release.limits,
      replicas,
    },
    now,
  );
  const current = new Map((await tx.secrets.list(app.id)).map((s) => [s.key, s]));
  for (const s of await tx.releaseSecrets.list(release.id)) {
    const have = current.get(s.key);
    current.delete(s.key);
    if (have && have.value === s.value && have.keyId === s.keyId && have.filePath === s.filePath) continue;
    await tx.secrets.put({
      appId: app.id,
      key: s.key,
      value: s.value,
      keyId: s.keyId,
      filePath: s.filePath,
      createdAt: now,
      updatedAt: now,
    });
  }
  for (const key of current.keys()) await tx.secrets.delete(app.id, key);
  return updated;
}
