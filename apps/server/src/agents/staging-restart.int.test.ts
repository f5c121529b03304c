/**
 * A rollout reaches the servers one at a time across a berthd restart: berthd stopped while the
 * new revision has reached only the first server, a new berthd on the same data directory sends
 * it to the second only once the first reports it converged, and meanwhile keeps the second at
 * the release it runs. Real berthd (API, job worker, agent link) and agents over real signed
 * WebSockets that report what the test tells them (test-support/fake-agent.ts).
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Ed25519Signer } from '@berth/crypto';
import type { App, Deployment, DeploymentStatus, DesiredApp } from '@berth/protocol';
import { parseServerConfig, type ServerConfig } from '../config.js';
import { startBerthd, type Berthd } from '../server.js';
import { rebuildShare } from './held-share.js';
import {
  connectFakeAgent,
  convergedReport,
  registerServer,
  type FakeAgent,
} from './test-support/fake-agent.js';
import { adminApi, until } from './test-support/api.js';

const OPTIONS = { capacity: { cpuMillis: 2000, memoryMib: 4096 } };

let dir: string;
let config: ServerConfig;
let berthd: Berthd;
let token: string;
let servers: { serverId: string; signer: Ed25519Signer; name: string }[] = [];
let agents: FakeAgent[] = [];

const start = () => startBerthd(config, {});
const connectAll = async (): Promise<FakeAgent[]> =>
  Promise.all(servers.map((s) => connectFakeAgent(berthd.url, s, s.name, OPTIONS)));

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-staging-restart-'));
  config = parseServerConfig({ BERTHD_DATA_DIR: join(dir, 'data'), BERTHD_PORT: '0' });
  berthd = await start();
  token = (await readFile(join(dir, 'data', 'admin.token'), 'utf8')).trim();
  for (const name of ['web-1', 'web-2'])
    servers.push({ ...(await registerServer(berthd.store, name, OPTIONS)), name });
  agents = await connectAll();
});
after(async () => {
  for (const a of agents) await a.close();
  await berthd?.close();
  await rm(dir, { recursive: true, force: true });
  servers = [];
});

const send = adminApi(() => ({ app: berthd.app, token }));

const reachStatus = (id: string, status: DeploymentStatus, timeoutMs?: number) =>
  until(
    `deployment ${id} ${status}`,
    async () => ((await berthd.store.deployments.get(id))?.status === status ? status : null),
    timeoutMs,
  );

/** The agent the deployment has reached first, once it has, checking no other has it. */
async function firstReached(appId: string, deploymentId: string): Promise<FakeAgent> {
  const reached = await until('the first server to get the revision', () => {
    const r = agents.filter((a) => a.appOf(appId)?.deploymentId === deploymentId);
    return Promise.resolve(r.length > 0 ? r : null);
  });
  assert.equal(reached.length, 1, 'one server at a time');
  return reached[0] as FakeAgent;
}

test('berthd restarted mid-rollout sends the next server the revision only once the first converged', async () => {
  const created = await send('POST', '/apps', {
    name: 'web',
    image: 'nginx:1.27',
    replicas: 2,
    limits: { cpu: 0.5, memoryMiB: 256 },
  });
  assert.equal(created.status, 201, created.text);
  const app = created.json as App;

  // v1 on both servers, one replica each.
  const v1 = (await send('POST', '/apps/web/deployments', {})).json as Deployment;
  const v1First = await firstReached(app.id, v1.id);
  v1First.report([convergedReport(v1First.appOf(app.id) as DesiredApp)]);
  const v1Second = agents.find((a) => a !== v1First) as FakeAgent;
  const v1Share = (await v1Second.waitForDesired((s) => s.apps[0]?.deploymentId === v1.id))
    .apps[0] as DesiredApp;
  v1Second.report([convergedReport(v1Share)]);
  await reachStatus(v1.id, 'succeeded');

  // v2 reaches its first server; the second keeps v1.
  const res = await send('POST', '/apps/web/deployments', { image: 'nginx:1.28' });
  assert.equal(res.status, 202, res.text);
  const v2 = res.json as Deployment;
  const first = await firstReached(app.id, v2.id);
  const second = agents.find((a) => a !== first) as FakeAgent;
  const held = second.appOf(app.id) as DesiredApp;
  assert.equal(held.deploymentId, v1.id, 'the second server keeps v1 while the first rolls v2');
  const firstShare = first.appOf(app.id) as DesiredApp;
  first.report([{ ...convergedReport(firstShare), phase: 'rolling' }]);
  assert.deepEqual(
    (await berthd.store.rolloutStages.list()).map((s) => [s.revision, s.serverIds, s.reached]),
    [[v2.id, [first.serverId, second.serverId], 1]],
    'the stage is in the store',
  );

  // berthd stops before the first server converged; a new one starts on the same store.
  const [firstId, secondId] = [first.serverId, second.serverId];
  await berthd.close();
  await Promise.all(agents.map((a) => a.closed));
  berthd = await start();
  agents = await connectAll();
  const firstAgain = agents.find((a) => a.serverId === firstId) as FakeAgent;
  const secondAgain = agents.find((a) => a.serverId === secondId) as FakeAgent;
  // Each agent reports what it holds as it connects, as a real one does.
  firstAgain.report([{ ...convergedReport(firstShare), phase: 'rolling' }]);
  secondAgain.report([convergedReport(held)]);
  await firstAgain.waitForDesired((s) => s.apps.some((a) => a.deploymentId === v2.id));
  const kept = await secondAgain.waitForDesired((s) => s.apps.some((a) => a.appId === app.id));
  assert.deepEqual(kept.apps, [held], 'the second server is sent v1 as before the restart, not v2');

  assert.ok(
    secondAgain.received.every((s) => s.apps.some((a) => a.appId === app.id)),
    'never a desired state without the app, which would drain it',
  );

  // Only once the first server converged does the second get v2.
  assert.ok(
    secondAgain.received.every((s) => s.apps.every((a) => a.deploymentId !== v2.id)),
    'no v2 for the second server before the first converged',
  );
  firstAgain.report([convergedReport(firstShare)]);
  const secondShare = (await secondAgain.waitForDesired((s) => s.apps[0]?.deploymentId === v2.id))
    .apps[0] as DesiredApp;
  assert.deepEqual(secondShare.slots, held.slots, 'its slot stays put');
  secondAgain.report([convergedReport(secondShare)]);
  // The deploy job is taken up again once the stopped berthd's lease on it lapses.
  await reachStatus(v2.id, 'succeeded', 30_000);
  assert.deepEqual(await berthd.store.rolloutStages.list(), [], 'a done stage is dropped');
});

test('a failed rollout loses its stage; a share rebuilt at its revert is what the server was sent', async () => {
  const app = await berthd.store.apps.getByName('web');
  assert.ok(app);
  const res = await send('POST', '/apps/web/deployments', { image: 'nginx:1.29' });
  assert.equal(res.status, 202, res.text);
  const v3 = res.json as Deployment;
  const first = await firstReached(app.id, v3.id);
  const failure = { code: 'DEPLOY_HEALTHCHECK_FAILED', message: 'no', logs: [] };
  first.report([{ ...convergedReport(first.appOf(app.id) as DesiredApp), phase: 'failed', failure }]);
  await reachStatus(v3.id, 'failed');
  assert.deepEqual(await berthd.store.rolloutStages.list(), [], 'a rollout put back loses its stage');
  const reverted = (await first.waitForDesired((s) => s.apps[0]?.revision === `${v3.id}:revert`))
    .apps[0] as DesiredApp;
  const to = { sealSecrets: () => ({}), registry: null };
  assert.deepEqual(
    await rebuildShare(berthd.store, first.serverId, app.id, reverted.revision, config, to),
    reverted,
  );
  assert.equal(
    await rebuildShare(berthd.store, first.serverId, app.id, 'dep_gone00000000000000', config, to),
    null,
    'a deployment the store does not have: nothing to rebuild',
  );
});
