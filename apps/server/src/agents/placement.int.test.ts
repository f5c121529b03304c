/**
 * Placement across a fleet, through berthd's real API, job worker and agent link: three agents
 * (real WebSockets, signed handshakes, servers registered in the store as joining would) that
 * report what a test tells them. A deploy is placed when it is queued, each server is sent only
 * its slots, a rollout is done only when every server has converged, an unplaceable deploy is
 * refused with the scheduler's reason and writes nothing, a draining server gets nothing new.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { App, Deployment, DeploymentStatus, DesiredApp } from '@berth/protocol';
import { parseServerConfig } from '../config.js';
import { startBerthd, type Berthd } from '../server.js';
import {
  connectFakeAgent,
  convergedReport,
  registerServer,
  type FakeAgent,
} from './test-support/fake-agent.js';
import { adminApi, until } from './test-support/api.js';

const CAPACITY = { cpuMillis: 2000, memoryMib: 4096 };
const LIMITS = { cpu: 0.5, memoryMiB: 256 };

let dir: string;
let berthd: Berthd;
let token: string;
const agents: FakeAgent[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-placement-'));
  berthd = await startBerthd(parseServerConfig({ BERTHD_DATA_DIR: join(dir, 'data'), BERTHD_PORT: '0' }), {});
  token = (await readFile(join(dir, 'data', 'admin.token'), 'utf8')).trim();
  const servers: [string, Record<string, string>][] = [
    ['web-1', { zone: 'a' }],
    ['web-2', { zone: 'b' }],
    ['web-3', { zone: 'a' }],
  ];
  for (const [name, labels] of servers) {
    const options = { labels, capacity: CAPACITY };
    const server = await registerServer(berthd.store, name, options);
    agents.push(await connectFakeAgent(berthd.url, server, name, options));
  }
});
after(async () => {
  for (const a of agents) await a.close();
  await berthd?.close();
  await rm(dir, { recursive: true, force: true });
});

const send = adminApi(() => ({ app: berthd.app, token }));

const statusOf = async (id: string): Promise<DeploymentStatus | undefined> =>
  (await berthd.store.deployments.get(id))?.status;

const reachStatus = (id: string, status: DeploymentStatus) =>
  until(`deployment ${id} ${status}`, async () => ((await statusOf(id)) === status ? status : null));

/** The agents the deployment's revision of the app has reached so far, with their share. */
const reachedBy = (appId: string, deploymentId: string) =>
  agents.flatMap((agent) => {
    const share = agent.appOf(appId);
    return share?.deploymentId === deploymentId ? [{ agent, share }] : [];
  });

/**
 * Waits for the revision to reach one more server, checks no other server has it, and returns
 * that server's agent and share (a server gets it only after the ones before it converged).
 */
async function nextServer(
  appId: string,
  deploymentId: string,
  before: readonly FakeAgent[],
): Promise<{ agent: FakeAgent; share: DesiredApp }> {
  const reached = await until(`server ${before.length + 1} to get the revision`, () => {
    const r = reachedBy(appId, deploymentId);
    return Promise.resolve(r.length > before.length ? r : null);
  });
  assert.equal(reached.length, before.length + 1, 'one server at a time');
  const next = reached.find((r) => !before.includes(r.agent));
  assert.ok(next);
  return next;
}

let web: App;
let first: Deployment;

test('3 replicas spread over 3 servers; each server is sent only its slots; done when every server is', async () => {
  const created = await send('POST', '/apps', {
    name: 'web',
    image: 'nginx:1.27',
    replicas: 3,
    limits: LIMITS,
  });
  assert.equal(created.status, 201, created.text);
  web = created.json as App;
  const res = await send('POST', '/apps/web/deployments', {});
  assert.equal(res.status, 202, res.text);
  first = res.json as Deployment;

  await until('the rollout to start', async () =>
    (await statusOf(first.id)) === 'rolling_out' ? true : null,
  );
  const rolled: { agent: FakeAgent; share: DesiredApp }[] = [];
  for (let i = 0; i < 3; i++) {
    const next = await nextServer(
      web.id,
      first.id,
      rolled.map((r) => r.agent),
    );
    rolled.push(next);
    if (i < 2) next.agent.report([convergedReport(next.share)]);
  }
  const shares = rolled.map((r) => r.share);
  assert.deepEqual(
    shares.map((s) => s.slots),
    [[1], [2], [3]],
    'one replica per server, reached in slot order',
  );
  assert.deepEqual(
    shares.map((s) => s.replicas),
    [1, 1, 1],
  );
  assert.equal(new Set(rolled.map((r) => r.agent)).size, 3, 'three servers');

  // Two of three servers converged: not done.
  const twoReported = await until('two servers reported', async () => {
    const app = (await send('GET', '/apps/web')).json as App;
    return app.replicaStatus.length === 2 ? app : null;
  });
  assert.equal(twoReported.replicaStatus.length, 2);
  assert.equal(await statusOf(first.id), 'rolling_out', 'waits for the third server');

  rolled[2]?.agent.report([convergedReport(shares[2] as DesiredApp)]);
  await reachStatus(first.id, 'succeeded');
  const shown = (await send('GET', '/apps/web')).json as App;
  assert.deepEqual(
    shown.replicaStatus.map((r) => `${r.slot}@${r.server}`).sort(),
    rolled.map((r) => `${r.share.slots?.[0]}@${r.agent.name}`).sort(),
    'apps show: each replica with the server it runs on',
  );
});

test('a deploy that cannot be placed is refused with the reason, and writes nothing', async () => {
  const created = await send('POST', '/apps', {
    name: 'big',
    image: 'nginx:1.27',
    limits: { memoryMiB: 8192 },
  });
  assert.equal(created.status, 201, created.text);
  const app = created.json as App;
  const auditBefore = (await berthd.store.audit.list({ afterSeq: 0, limit: 100_000 })).length;
  const res = await send('POST', '/apps/big/deployments', {});
  assert.equal(res.status, 422, res.text);
  const problem = res.json as { code: string; detail: string };
  assert.equal(problem.code, 'DEPLOY_UNPLACEABLE');
  assert.match(
    problem.detail,
    /big: no replica can be placed: needs 8 GiB memory per replica, the most free is \d+ MiB on web-\d/,
  );
  assert.deepEqual(await berthd.store.deployments.list(app.id, 10), []);
  assert.deepEqual(await berthd.store.releases.list(app.id), []);
  const audit = await berthd.store.audit.list({ afterSeq: 0, limit: 100_000 });
  assert.deepEqual(
    audit.slice(auditBefore).filter((r) => r.outcome === 'ok'),
    [],
    'no change was recorded as done',
  );
});

test('constraints: replicas run only on servers whose labels match', async () => {
  const created = await send('POST', '/apps', {
    name: 'zoned',
    image: 'nginx:1.27',
    replicas: 2,
    limits: LIMITS,
    constraints: ['zone=a'],
  });
  assert.equal(created.status, 201, created.text);
  const app = created.json as App;
  const res = await send('POST', '/apps/zoned/deployments', {});
  assert.equal(res.status, 202, res.text);
  const rows = await berthd.store.placements.listForDeployment((res.json as Deployment).id);
  const names = new Map(agents.map((a) => [a.serverId, a.name]));
  assert.deepEqual(rows.map((r) => names.get(r.serverId)).sort(), ['web-1', 'web-3']);
  assert.ok(app);

  const refused = await send('PATCH', '/apps/zoned', { constraints: ['zone=c'] });
  assert.equal(refused.status, 200, refused.text);
  const again = await send('POST', '/apps/zoned/deployments', {});
  assert.equal(again.status, 422, again.text);
  assert.match((again.json as { detail: string }).detail, /no ready server matches zone=c/);
});

test('a draining server gets no new replicas, and gives its slot away once the others serve', async () => {
  const draining = agents[2] as FakeAgent;
  await berthd.store.servers.setState(draining.serverId, 'draining');
  const res = await send('POST', '/apps/web/deployments', { image: 'nginx:1.28' });
  assert.equal(res.status, 202, res.text);
  const second = res.json as Deployment;
  const rows = await berthd.store.placements.listForDeployment(second.id);
  assert.equal(rows.length, 3);
  assert.ok(
    rows.every((r) => r.serverId !== draining.serverId),
    'nothing on the draining server',
  );
  const before = await berthd.store.placements.listForDeployment(first.id);
  for (const b of before.filter((x) => x.serverId !== draining.serverId))
    assert.equal(rows.find((r) => r.slot === b.slot)?.serverId, b.serverId, `slot ${b.slot} stays put`);
  const drainedSlot = before.find((b) => b.serverId === draining.serverId)?.slot;

  const rolled: FakeAgent[] = [];
  let placedSlots = 0;
  for (let i = 0; i < 2; i++) {
    const next = await nextServer(web.id, second.id, rolled);
    assert.notEqual(next.agent, draining, 'servers with slots come first');
    placedSlots += next.share.slots?.length ?? 0;
    rolled.push(next.agent);
    next.agent.report([convergedReport(next.share)]);
  }
  assert.equal(placedSlots, 3, 'the other two run all three');
  const last = await nextServer(web.id, second.id, rolled);
  assert.equal(last.agent, draining, 'the server that lost its slot comes last');
  assert.deepEqual(last.share.slots, [], 'it is told to let its replica go');
  assert.equal(last.share.replicas, 0);
  assert.ok(
    last.agent.desired?.elsewhere?.some((e) => e.appId === web.id),
    'while its replica drains, its edge is given the replicas elsewhere',
  );
  assert.ok(drainedSlot);
  assert.equal(await statusOf(second.id), 'rolling_out', 'waits for the draining server to let go');
  draining.report([convergedReport(last.share)]);
  await reachStatus(second.id, 'succeeded');
});

test('a failure on any one server fails the rollout', async () => {
  const res = await send('POST', '/apps/web/deployments', { image: 'nginx:1.29' });
  assert.equal(res.status, 202, res.text);
  const third = res.json as Deployment;
  const firstServer = await nextServer(web.id, third.id, []);
  const failure = { code: 'DEPLOY_HEALTHCHECK_FAILED', message: 'web-2 said no', logs: [] };
  firstServer.agent.report([{ ...convergedReport(firstServer.share), phase: 'failed', failure }]);
  await reachStatus(third.id, 'failed');
  assert.equal((await berthd.store.deployments.get(third.id))?.error?.message, 'web-2 said no');
});

test("an app's secrets reach only the server its replica is placed on", async () => {
  const created = await send('POST', '/apps', { name: 'vault', image: 'nginx:1.27', limits: LIMITS });
  assert.equal(created.status, 201, created.text);
  const app = created.json as App;
  const set = await send('PATCH', '/apps/vault/secrets', { set: { TOKEN: 's3cret' } });
  assert.ok(set.status < 300, set.text);
  const res = await send('POST', '/apps/vault/deployments', {});
  assert.equal(res.status, 202, res.text);
  const d = res.json as Deployment;
  const only = await nextServer(app.id, d.id, []);
  assert.deepEqual(Object.keys(only.share.release.secrets), ['TOKEN'], 'sealed for the server that runs it');
  only.agent.report([convergedReport(only.share)]);
  await reachStatus(d.id, 'succeeded');
  for (const other of agents.filter((a) => a !== only.agent))
    assert.equal(other.appOf(app.id), undefined, `${other.name} is not sent the app`);
});
