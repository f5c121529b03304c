import assert from 'node:assert/strict';
import type { App, Deployment } from '@berth/protocol';
import type { Store } from '@berth/store';
import { API, type Client } from './http.js';

/** Setting up apps and deployments through the API, as a client would. */

export async function createApp(
  client: Client,
  name: string,
  extra: Record<string, unknown> = {},
): Promise<App> {
  const res = await client.send({
    method: 'POST',
    url: `${API}/apps`,
    body: { name, image: 'nginx:1.27', ...extra },
  });
  assert.equal(res.status, 201, res.text);
  return res.json as App;
}

export async function deploy(client: Client, name: string, body: unknown = {}): Promise<Deployment> {
  const res = await client.send({ method: 'POST', url: `${API}/apps/${name}/deployments`, body });
  assert.equal(res.status, 202, res.text);
  return res.json as Deployment;
}

/**
 * What the deploy job and an agent would do for a rollout that succeeds: the image resolves, the
 * release becomes current, the deployment succeeds. No agent runs in these tests, so this stands
 * in for it, writing exactly the rows a successful rollout leaves behind.
 */
export async function markLive(store: Store, deploymentId: string): Promise<void> {
  const d = await store.deployments.get(deploymentId);
  assert.ok(d, `deployment ${deploymentId}`);
  const release = await store.releases.get(d.releaseId);
  assert.ok(release, `release ${d.releaseId}`);
  const now = Date.now();
  if (!release.imageId) await store.releases.setImageId(release.id, `sha256:${'ab'.repeat(32)}`);
  await store.transaction(async (tx) => {
    await tx.apps.update(
      d.appId,
      { currentReleaseId: d.releaseId, currentDeploymentId: d.id, revision: d.id, replicas: d.replicas },
      now,
    );
    await tx.deployments.update(d.id, { status: 'succeeded', startedAt: now, finishedAt: now });
  });
}

/** Creates an app and rolls out `releases` releases of it; returns the deployments, oldest first. */
export async function liveApp(
  client: Client,
  store: Store,
  name: string,
  releases = 1,
): Promise<Deployment[]> {
  await createApp(client, name);
  const out: Deployment[] = [];
  for (let i = 1; i <= releases; i += 1) {
    const d = await deploy(client, name, { image: `nginx:1.${i}` });
    await markLive(store, d.id);
    out.push(d);
  }
  return out;
}

/** A request each operation accepts, given an app named by its path (bodies and queries only). */
export const VALID_REQUESTS: Record<string, { body?: unknown; query?: string }> = {
  health: {},
  listServers: {},
  listApps: {},
  createApp: { body: { name: 'valid', image: 'nginx:1.27' } },
  getApp: {},
  updateApp: { body: { port: 8081 } },
  deleteApp: {},
  deployApp: { body: {} },
  listDeployments: {},
  rollbackApp: { body: {} },
  getDeployment: {},
  streamDeploymentEvents: { query: 'follow=false' },
  getEnv: {},
  patchEnv: { body: { set: { A: '1' } } },
  scaleApp: { body: { replicas: 2 } },
  listReleases: {},
  streamLogs: { query: 'tail=10' },
};

/** A well-formed id that names nothing. */
export const UNKNOWN_DEPLOYMENT = 'dep_aaaaaaaaaaaaaaaaaaaa';
