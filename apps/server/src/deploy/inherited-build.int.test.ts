// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Deployment } from '@berth/protocol';
import { startTestApi, type TestApi } from '../http/test-support/api.js';
import { sourceAppWithBuild } from '../http/test-support/fixtures.js';
import { API, createClient, type Client } from '../http/test-support/http.js';
import { takeInheritedBuild } from './inherited-build.js';

/**
 * An env change asked for while the app's deploy from source is still building runs what that
 * build makes (not the release that served before, which would undo the deploy). No agent runs
 * here: the build's end is written as the build runner writes it.
 */

let api: TestApi;
let client: Client;
before(async () => {
  api = await startTestApi();
  client = createClient(api);
});
after(() => api.close());

const COMMIT = 'c'.repeat(40);
const IMAGE_ID = `sha256:${'d'.repeat(64)}`;

/** A git app whose first deploy is building, then `env set A=2`: the env change's deployment. */
async function envChangeDuringBuild(name: string): Promise<{ build: Deployment; env: Deployment }> {
  const build = await sourceAppWithBuild(client, name, undefined, { env: { A: '1' } });
  const res = await client.send({
    method: 'PATCH',
    url: `${API}/apps/${name}/env`,
    body: { set: { A: '2' } },
  });
  assert.equal(res.status, 200, res.text);
  const env = (res.json as { deployment: Deployment | null }).deployment;
  assert.ok(env, 'the change is rolled out after the build, though nothing serves yet');
  return { build, env };
}

test('the change’s release takes the image, commit and berth.yaml settings of the build it waited for', async () => {
  const { build, env } = await envChangeDuringBuild('waits');
  assert.ok(build.build);
  const waiting = await api.store.releases.get(env.releaseId);
  assert.deepEqual(
    [waiting?.buildId, waiting?.imageId, waiting?.env],
    [build.build.id, null, { A: '2' }],
    'it waits for the same build, with the new env',
  );
  // What the build runner writes when the build succeeds.
  const plan = { port: 3000, healthPath: '/up', env: { A: 'yaml', B: 'yaml' }, replicas: 2 };
  await api.store.builds.update(build.build.id, {
    status: 'succeeded',
    commit: COMMIT,
    plan,
    image: 'localhost/berth/waits:cccccccccccc',
    imageId: IMAGE_ID,
  });
  const d = await api.store.deployments.get(env.id);
  assert.ok(d && waiting);
  assert.equal(await takeInheritedBuild(api.store, d, waiting), null);
  const done = await api.store.releases.get(env.releaseId);
  assert.deepEqual(
    [done?.image, done?.imageId, done?.commit, done?.port, done?.health.path, done?.env],
    ['localhost/berth/waits:cccccccccccc', IMAGE_ID, COMMIT, 3000, '/up', { A: '2', B: 'yaml' }],
    'the app’s env wins over berth.yaml’s, as in the build’s own release',
  );
});

test('when that build failed, the change fails too, saying why, and its release stays without an image', async () => {
  const { build, env } = await envChangeDuringBuild('broken');
  assert.ok(build.build);
  await api.store.builds.update(build.build.id, { status: 'failed' });
  const d = await api.store.deployments.get(env.id);
  const release = await api.store.releases.get(env.releaseId);
  assert.ok(d && release);
  const error = await takeInheritedBuild(api.store, d, release);
  assert.equal(error?.code, 'BUILD_FAILED');
  assert.match(error?.message ?? '', /^Build #1, whose image v2 was to run, did not succeed; deploy again/);
  assert.equal((await api.store.releases.get(env.releaseId))?.imageId, null);
});
