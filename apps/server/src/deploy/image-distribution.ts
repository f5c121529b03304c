/**
 * Getting a release's image to every server that will run it. An image from a registry of its
 * own is pulled by each server by name (when resolved). An image that exists only in one
 * server's engine store — a build's result, or a `localhost/…` image loaded on the control
 * plane's host — is pushed once to the fleet registry, by the server that holds it, under
 * `<registry>/berth/<team id>/<app>:<release id>`; the release keeps the manifest's digest, and
 * every server pulls it by that digest (desired-state.ts names it), so what runs is exactly what
 * was resolved. Without a fleet registry nothing is pushed and each server must hold the image.
 */
import { formatDuration, imageOrigin, parseImageRef, toRegistryImageRef } from '@berth/core';
import type { AppRow, ReleaseRow, Store } from '@berth/store';
import type { AgentGateway } from '../agents/gateway.js';

/** What happened, for the deployment's events; null when nothing had to move. */
export async function distributeImage(
  deps: { store: Store; agents: AgentGateway; clock: () => number },
  app: AppRow,
  release: ReleaseRow,
  imageId: string,
  placedOn: readonly string[],
): Promise<string | null> {
  const registry = deps.agents.registryAddress();
  if (registry === null || release.registryDigest !== null) return null;
  const parts = parseImageRef(release.image);
  if (parts === null || imageOrigin(parts).kind === 'registry') return null;
  const destination = toRegistryImageRef({
    registry,
    teamId: app.teamId,
    appName: app.name,
    releaseId: release.id,
  });
  const started = deps.clock();
  const pushed = await deps.agents.pushImage(imageId, destination, placedOn);
  await deps.store.releases.setRegistryDigest(release.id, pushed.digest);
  return (
    `Pushed the image to the fleet registry from ${pushed.serverName} in ` +
    `${formatDuration(deps.clock() - started)} (${pushed.digest.slice(0, 19)}); other servers pull it by digest`
  );
}
