import { toAppHostname } from '@berth/core';
import type { DesiredApp, DesiredState, ReleaseSpec } from '@berth/protocol';
import type { AppRow, ReleaseRow, Store } from '@berth/store';

export interface DesiredStateSettings {
  domain: string;
  drainTimeoutMs: number;
  stopTimeoutMs: number;
}

/**
 * What every server should run, derived from the store on demand: an app is desired once a
 * deployment has made one of its releases current. One server for now, so it gets every app;
 * placement across servers comes with the fleet.
 */
export async function buildDesiredState(store: Store, settings: DesiredStateSettings): Promise<DesiredState> {
  const version = Number((await store.meta.get('desired_version')) ?? '0');
  const apps: DesiredApp[] = [];
  for (const app of await store.apps.list()) {
    if (!app.currentReleaseId || !app.currentDeploymentId || !app.revision) continue;
    const release = await store.releases.get(app.currentReleaseId);
    if (!release?.imageId) continue;
    apps.push(toDesiredApp(app, release, release.imageId, settings));
  }
  return { version, apps };
}

function toDesiredApp(
  app: AppRow,
  release: ReleaseRow,
  imageId: string,
  s: DesiredStateSettings,
): DesiredApp {
  const spec: ReleaseSpec = {
    id: release.id,
    version: release.version,
    image: release.image,
    imageId,
    env: release.env,
    port: release.port,
    command: release.command,
    health: release.health,
  };
  return {
    appId: app.id,
    appName: app.name,
    revision: app.revision ?? '',
    deploymentId: app.currentDeploymentId ?? '',
    release: spec,
    replicas: app.replicas,
    hostnames: [toAppHostname(app.name, s.domain)],
    drainTimeoutMs: s.drainTimeoutMs,
    stopTimeoutMs: s.stopTimeoutMs,
  };
}
