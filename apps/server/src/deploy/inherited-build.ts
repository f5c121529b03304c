import { releaseSettings } from '@berth/core';
import type { DeploymentError } from '@berth/protocol';
import type { DeploymentRow, ReleaseRow, Store } from '@berth/store';

/**
 * An env, secrets or limits change asked for while a deploy from source was still building runs
 * what that build makes: its release waits for the build (same build id, no image yet). Deployments
 * of one app run one at a time, so by now the build has ended. Its image, commit and berth.yaml
 * settings complete this release the way they completed the build's own; null when they did.
 */
export async function takeInheritedBuild(
  store: Store,
  d: DeploymentRow,
  release: ReleaseRow,
): Promise<DeploymentError | null> {
  const build = release.buildId ? await store.builds.get(release.buildId) : null;
  if (!build || build.status !== 'succeeded' || !build.image || !build.imageId || !build.commit) {
    const which = build ? `Build #${build.number}` : 'The build';
    return {
      code: 'BUILD_FAILED',
      message: `${which}, whose image v${release.version} was to run, did not succeed; deploy again to build anew`,
      logs: [],
    };
  }
  const app = await store.apps.getById(d.appId);
  const own = { port: release.port, env: release.env, health: release.health, replicas: release.replicas };
  const settings =
    build.plan && app ? releaseSettings({ ...own, portSet: app.portSet }, build.plan, false) : own;
  await store.releases.completeBuild(release.id, {
    image: build.image,
    imageId: build.imageId,
    commit: build.commit,
    port: settings.port,
    env: settings.env,
    health: settings.health,
    replicas: release.replicas,
  });
  return null;
}
