import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { App, Deployment } from '@berth/protocol';
import BetterSqlite3 from 'better-sqlite3';
import { createTestClock, startTestApi, type TestApi } from '../http/test-support/api.js';
import { createApp, deploy, markLive } from '../http/test-support/fixtures.js';
import { API, createClient } from '../http/test-support/http.js';

/**
 * A deployment whose job gives up ends the way the job ends a failed one: in one transaction, the
 * deployment fails, what it replaced serves again and the app's settings go back to it. berthd
 * runs with its job worker and no agent; a test clock makes retries and lapsed leases come due.
 */

const clock = createTestClock();
let dataDir: string;
let api: TestApi | null = null;

const start = async (): Promise<TestApi> => {
  api = await startTestApi({ dataDir, clock: clock.now, worker: true });
  return api;
};
const stop = async (): Promise<void> => {
  // Like berthd killed mid-job: the job keeps its lease and is taken up again once it lapses.
  await api?.close();
  api = null;
};
const running = (): TestApi => {
  assert.ok(api, 'berthd is not running');
  return api;
};

async function send(method: 'GET' | 'POST' | 'PATCH', url: string, body?: unknown): Promise<unknown> {
  const res = await createClient(running()).send({ method, url: `${API}${url}`, body });
  assert.ok(res.status < 300, `${method} ${url}: ${res.status} ${res.text}`);
  return res.json;
}

/** Polls until `check` holds (berthd's worker runs on its own timers); fails after 30 s. */
async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await sleep(20);
  }
}

function jobOf(deploymentId: string): { status: string; attempts: number; lastError: string | null } {
  const raw = new BetterSqlite3(join(dataDir, 'berth.db'), { readonly: true });
  try {
    const row = raw
      .prepare('select status, attempts, last_error as lastError from jobs where idempotency_key = ?')
      .get(`deploy:${deploymentId}`) as
      { status: string; attempts: number; lastError: string | null } | undefined;
    assert.ok(row, `no job for ${deploymentId}`);
    return row;
  } finally {
    raw.close();
  }
}

const statusOf = async (id: string) => (await running().store.deployments.get(id))?.status;
const appNamed = async (name: string) => (await send('GET', `/apps/${name}`)) as App;

/** v1 (nginx:1.1, env A=1, 2 replicas), v2 (env A=2, scaled to 3), then v3 (nginx:1.2) serve in turn. */
async function twoLiveReleases(name: string): Promise<void> {
  const client = createClient(running());
  await createApp(client, name, { image: 'nginx:1.1', env: { A: '1' }, replicas: 2 });
  await markLive(running().store, (await deploy(client, name)).id);
  await send('PATCH', `/apps/${name}/env`, { set: { A: '2' } }).then((r) =>
    markLive(running().store, (r as { deployment: Deployment }).deployment.id),
  );
  const scaled = (await send('POST', `/apps/${name}/scale`, { replicas: 3 })) as { deployment: Deployment };
  await markLive(running().store, scaled.deployment.id);
  await markLive(running().store, (await deploy(client, name, { image: 'nginx:1.2' })).id);
}

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'berth-end-'));
  // Without the worker while the history is written by hand (markLive stands in for rollouts).
  api = await startTestApi({ dataDir, clock: clock.now });
  await twoLiveReleases('prep');
  await twoLiveReleases('roll');
  await stop();
  await start();
});
after(async () => {
  await stop();
  await rm(dataDir, { recursive: true, force: true });
});

test('a deploy whose job gives up before rolling out fails, and the app keeps the settings that serve', async () => {
  const d = await deploy(createClient(running()), 'prep', { image: 'nginx:9.9' });
  assert.equal((await appNamed('prep')).image, 'nginx:9.9', 'the request set the image at once');
  // No agent resolves the image: each attempt fails and is retried later, until none is left.
  await until('the job gave up', async () => {
    if (jobOf(d.id).status === 'queued') clock.advance(60_000);
    return (await statusOf(d.id)) === 'failed';
  });
  const job = jobOf(d.id);
  assert.deepEqual([job.status, job.attempts], ['failed', 5]);
  const failed = await running().store.deployments.get(d.id);
  assert.equal(failed?.error?.code, 'AGENT_UNAVAILABLE');
  const app = await appNamed('prep');
  assert.deepEqual(
    [app.status, app.currentRelease?.version, app.image, app.env, app.replicas],
    ['running', 3, 'nginx:1.2', { A: '2' }, 3],
  );
  const row = await running().store.apps.getByName('prep');
  assert.deepEqual([row?.settingsDeploymentId, row?.rolloutDirection], [null, 'forward']);
  const events = await running().store.events.list(d.id, 0);
  assert.match(events.at(-1)?.message ?? '', /^Deployment failed: .*agent/i);
});

test('a rollback whose job gives up mid-rollout puts back what served, settings and all', async () => {
  const rollback = (await send('POST', '/apps/roll/rollback', { toVersion: 1 })) as Deployment;
  await until('the rollback is rolling out', async () => (await statusOf(rollback.id)) === 'rolling_out');
  const rolling = await running().store.apps.getByName('roll');
  assert.deepEqual(
    [rolling?.image, rolling?.env, rolling?.replicas, rolling?.currentReplicas],
    ['nginx:1.1', { A: '1' }, 2, 2],
    'v1 is current and the settings are v1’s',
  );
  // berthd stops mid-rollout on every attempt: each restart takes the job up again.
  for (let attempt = 2; attempt <= 5; attempt++) {
    await stop();
    clock.advance(11_000);
    await start();
    await until(`attempt ${attempt} is running`, () =>
      Promise.resolve(jobOf(rollback.id).attempts === attempt && jobOf(rollback.id).status === 'running'),
    );
  }
  await stop();
  clock.advance(11_000);
  await start();
  await until('the rollback failed', async () => (await statusOf(rollback.id)) === 'failed');

  const ended = await running().store.deployments.get(rollback.id);
  assert.deepEqual(
    [ended?.error?.code, ended?.error?.message],
    ['AGENT_UNAVAILABLE', 'lease expired after 5 attempts'],
  );
  const app = await appNamed('roll');
  assert.deepEqual(
    [app.status, app.currentRelease?.version, app.image, app.env, app.replicas],
    ['running', 3, 'nginx:1.2', { A: '2' }, 3],
    'v3 serves again, and the settings are its own',
  );
  const row = await running().store.apps.getByName('roll');
  assert.deepEqual(
    [row?.currentDeploymentId, row?.rolloutDirection, row?.currentReplicas, row?.settingsDeploymentId],
    [rollback.id, 'revert', 3, null],
  );
  const messages = (await running().store.events.list(rollback.id, 0)).map((e) => e.message);
  assert.ok(
    messages.includes("v3 keeps serving; the failed release's replicas are removed"),
    messages.join('\n'),
  );
});
