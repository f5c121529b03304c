import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { App, Deployment, Release } from '@berth/protocol';
import { startTestApi, type TestApi } from './test-support/api.js';
import { createApp, deploy, markLive } from './test-support/fixtures.js';
import { API, createClient, type Client } from './test-support/http.js';

/**
 * A rollback makes the rolled-to release the app's settings — image, port, health, env,
 * replicas, limits and secrets — at once, and every later command (apps show, deploy, env,
 * scale, secrets) starts from them. No agent runs here: markLive stands in for a rollout.
 */

let api: TestApi;
let client: Client;
before(async () => {
  api = await startTestApi();
  client = createClient(api);
});
after(() => api.close());

const send = async (method: 'GET' | 'POST' | 'PATCH', url: string, body?: unknown) => {
  const res = await client.send({ method, url: `${API}${url}`, body });
  assert.ok(res.status < 300, `${method} ${url}: ${res.status} ${res.text}`);
  return res.json;
};
const getApp = async (name: string) => (await send('GET', `/apps/${name}`)) as App;
const releases = async (name: string) =>
  ((await send('GET', `/apps/${name}/releases`)) as { releases: Release[] }).releases;
const newest = async (name: string) => (await releases(name))[0];
const change = async (method: 'POST' | 'PATCH', url: string, body: unknown): Promise<Deployment> => {
  const res = (await send(method, url, body)) as { deployment: Deployment | null } | Deployment;
  const d = 'deployment' in res ? res.deployment : res;
  assert.ok(d, `${url} rolled nothing out`);
  return d;
};
const live = async (d: Deployment): Promise<Deployment> => {
  await markLive(api.store, d.id);
  return d;
};

/** Sealed values of the app's secrets and of a release's copy: the same ciphertexts when adopted. */
async function secretsOf(appId: string): Promise<Record<string, string>> {
  return Object.fromEntries(
    (await api.store.secrets.list(appId)).map((s) => [s.key, `${s.value}@${s.filePath}`]),
  );
}
async function secretsOfRelease(releaseId: string): Promise<Record<string, string>> {
  const rows = await api.store.releaseSecrets.list(releaseId);
  return Object.fromEntries(rows.map((s) => [s.key, `${s.value}@${s.filePath}`]));
}

/**
 * v1: nginx:1.1, port 8080, env A=1, secret S, 128 MiB, 2 replicas, scaled to 3 while it served.
 * Then env, secrets, limits and an image with another port: v5 serves nginx:1.2 on 9000, env A=2,
 * secrets S (changed) and T (a file), 256 MiB, 4 replicas.
 */
async function historyOf(name: string): Promise<{ app: App; v1: Release }> {
  const app = await createApp(client, name, {
    image: 'nginx:1.1',
    env: { A: '1' },
    replicas: 2,
    limits: { memoryMiB: 128 },
    health: { path: '/v1' },
  });
  await send('PATCH', `/apps/${name}/secrets`, { set: { S: 'one' } });
  await live(await deploy(client, name));
  await live(await change('POST', `/apps/${name}/scale`, { replicas: 3 }));
  const v1 = (await releases(name)).find((r) => r.version === 1);
  assert.ok(v1);
  await live(await change('PATCH', `/apps/${name}/env`, { set: { A: '2' } }));
  await live(
    await change('PATCH', `/apps/${name}/secrets`, {
      set: { S: 'two', T: 'tee' },
      files: { T: '/run/secrets/t' },
    }),
  );
  await live(await change('POST', `/apps/${name}/scale`, { replicas: 4, limits: { memoryMiB: 256 } }));
  await send('PATCH', `/apps/${name}`, { port: 9000, health: { path: '/v5' } });
  await live(await deploy(client, name, { image: 'nginx:1.2' }));
  const v5 = await getApp(name);
  assert.deepEqual(
    [
      v5.image,
      v5.port,
      v5.health.path,
      v5.env,
      v5.replicas,
      v5.limits.memoryMiB,
      v5.secrets,
      v5.currentRelease?.version,
    ],
    ['nginx:1.2', 9000, '/v5', { A: '2' }, 4, 256, ['S', 'T'], 5],
  );
  return { app, v1 };
}

const settingsOf = (a: App) => [
  a.image,
  a.port,
  a.health.path,
  a.env,
  a.replicas,
  a.limits.memoryMiB,
  a.secrets,
];
const V1_SETTINGS = ['nginx:1.1', 8080, '/v1', { A: '1' }, 3, 128, ['S']];

test('after a rollback, apps show and deploy, env, scale and secrets all start from the rolled-to release', async () => {
  const { app, v1 } = await historyOf('back');
  const rollback = await change('POST', '/apps/back/rollback', { toVersion: 1 });
  assert.deepEqual([rollback.kind, rollback.releaseVersion, rollback.replicas], ['rollback', 1, 3]);
  // At once, before it rolls out: v1's settings, with the 3 replicas it last served with.
  assert.deepEqual(settingsOf(await getApp('back')), V1_SETTINGS);
  assert.deepEqual(await secretsOf(app.id), await secretsOfRelease(v1.id));
  await live(rollback);
  const shown = await getApp('back');
  assert.deepEqual(settingsOf(shown), V1_SETTINGS);
  assert.deepEqual([shown.status, shown.currentRelease?.version], ['running', 1]);

  const env = await live(await change('PATCH', '/apps/back/env', { set: { B: '1' } }));
  const v6 = await newest('back');
  assert.deepEqual(
    [
      v6?.version,
      v6?.image,
      v6?.imageId,
      v6?.port,
      v6?.health.path,
      v6?.env,
      v6?.limits.memoryMiB,
      env.replicas,
    ],
    [6, 'nginx:1.1', v1.imageId, 8080, '/v1', { A: '1', B: '1' }, 128, 3],
    'env set keeps v1 (not v5) under the new env',
  );
  assert.deepEqual(await secretsOfRelease(v6?.id ?? ''), await secretsOfRelease(v1.id));

  const scale = await live(await change('POST', '/apps/back/scale', { replicas: 5 }));
  assert.deepEqual([scale.kind, scale.releaseVersion, scale.replicas], ['scale', 6, 5]);

  const limits = await live(await change('POST', '/apps/back/scale', { limits: { cpu: 0.5 } }));
  const v7 = await newest('back');
  assert.deepEqual(
    [limits.releaseVersion, v7?.image, v7?.limits, limits.replicas],
    [7, 'nginx:1.1', { cpu: 0.5, memoryMiB: 128, pids: v1.limits.pids }, 5],
  );

  await send('PATCH', '/apps/back/secrets', { set: { U: 'you' } });
  const v8 = await newest('back');
  const v8Secrets = await secretsOfRelease(v8?.id ?? '');
  assert.deepEqual(Object.keys(v8Secrets), ['S', 'U'], 'T was not in v1');
  assert.equal(v8Secrets.S, (await secretsOfRelease(v1.id)).S, 'S is v1’s value');
  assert.equal(v8?.image, 'nginx:1.1');

  const redeploy = await deploy(client, 'back');
  const v9 = await newest('back');
  assert.deepEqual(
    [redeploy.releaseVersion, v9?.image, v9?.port, v9?.env],
    [9, 'nginx:1.1', 8080, { A: '1', B: '1' }],
    'a plain deploy deploys v1’s image, not v5’s',
  );
});

test('a change asked while the rollback is still queued starts from the rolled-to release too', async () => {
  const { v1 } = await historyOf('queued');
  await change('POST', '/apps/queued/rollback', { toVersion: 1 });
  const env = await change('PATCH', '/apps/queued/env', { set: { B: '1' } });
  const v6 = await newest('queued');
  assert.deepEqual(
    [env.releaseVersion, v6?.image, v6?.imageId, v6?.env, env.replicas],
    [6, 'nginx:1.1', v1.imageId, { A: '1', B: '1' }, 3],
  );
  const scale = await change('POST', '/apps/queued/scale', { replicas: 1 });
  assert.deepEqual([scale.releaseVersion, scale.replicas], [6, 1], 'scales the release the env change made');
  const shown = await getApp('queued');
  assert.deepEqual(
    [shown.status, shown.currentRelease?.version, shown.image, shown.replicas],
    ['deploying', 5, 'nginx:1.1', 1],
    'v5 still serves; the settings are already the new ones',
  );
});

test('rollback without --to goes to the release that served before, with its settings', async () => {
  await createApp(client, 'prev', { image: 'nginx:1.1', env: { A: '1' } });
  await live(await deploy(client, 'prev'));
  await live(await deploy(client, 'prev', { image: 'nginx:1.2' }));
  await live(await change('PATCH', '/apps/prev/env', { set: { A: '3' } }));
  await change('POST', '/apps/prev/rollback', {});
  const shown = await getApp('prev');
  assert.deepEqual([shown.image, shown.env], ['nginx:1.2', { A: '1' }], 'v2: nginx:1.2 with the env it had');
});
