import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { App, Volume, VolumeList } from '@berth/protocol';
import { startTestApi, type TestApi } from './test-support/api.js';
import { buildDesiredState } from '../agents/desired-state.js';
import { createApp, deploy, liveApp, markLive } from './test-support/fixtures.js';
import { createRejecter, show, type Rejecter, type Rejection } from './test-support/hostile.js';
import { API, expectProblem } from './test-support/http.js';
import { createTokenVia } from './test-support/principals.js';
import { joinedServerVia } from './test-support/servers.js';

/**
 * Volumes through the API (issue 12): a team's, on one server, mounted by apps at creation,
 * never deleted while mounted; every name and mount path a person gives is checked before
 * anything is written. No agent runs here: the engine side is in the engine's and the e2e tests.
 */

let api: TestApi;
let h: Rejecter;
const MARKER = join(tmpdir(), `berth-pwned-${process.pid}`);

before(async () => {
  api = await startTestApi();
  h = createRejecter(api);
  await joinedServerVia(h.client, 'vol-a');
  await joinedServerVia(h.client, 'vol-b');
});
after(() => api.close());

async function send(
  method: 'GET' | 'POST' | 'DELETE' | 'PATCH',
  path: string,
  body?: unknown,
  token?: string,
) {
  return h.client.send({
    method,
    url: `${API}${path}`,
    ...(body !== undefined && { body }),
    ...(token && { token }),
  });
}

async function volume(name: string, server?: string): Promise<Volume> {
  const res = await send('POST', '/volumes', { name, ...(server && { server }) });
  assert.equal(res.status, 201, res.text);
  return res.json as Volume;
}

const listed = async (): Promise<Volume[]> => ((await send('GET', '/volumes')).json as VolumeList).volumes;

test('a volume lives on the server named, else the first that joined; names are unique per team', async () => {
  assert.equal((await volume('first')).server, 'vol-a');
  const second = await volume('second', 'vol-b');
  assert.equal(second.server, 'vol-b');
  assert.equal(second.engineName, `berth-vol-${second.id.slice(4)}`);
  expectProblem(await send('POST', '/volumes', { name: 'second' }), 409, 'VOLUME_EXISTS');
  expectProblem(await send('POST', '/volumes', { name: 'x', server: 'ghost' }), 404, 'SERVER_NOT_FOUND');
  assert.deepEqual(
    (await listed()).filter((v) => ['first', 'second'].includes(v.name)).map((v) => [v.name, v.server]),
    [
      ['first', 'vol-a'],
      ['second', 'vol-b'],
    ],
  );
});

test('an app mounts volumes at creation; the volume is not deleted while it does', async () => {
  await volume('uploads', 'vol-b');
  const app = await createApp(h.client, 'mounts', {
    volumes: [{ volume: 'uploads', path: '/var/lib/uploads' }],
    strategy: 'recreate',
  });
  assert.deepEqual(app.volumes, [{ volume: 'uploads', path: '/var/lib/uploads' }]);
  assert.equal(app.strategy, 'recreate');
  assert.deepEqual((await listed()).find((v) => v.name === 'uploads')?.mounts, [
    { app: 'mounts', path: '/var/lib/uploads' },
  ]);
  await h.expectRejected({
    name: 'delete a mounted volume',
    method: 'DELETE',
    url: `${API}/volumes/uploads`,
    status: 409,
    code: 'VOLUME_IN_USE',
  });
  const problem = expectProblem(await send('DELETE', '/volumes/uploads'), 409, 'VOLUME_IN_USE');
  assert.match(problem.detail, /"mounts"/);

  // The app gone, the volume may go; its server removed, no agent is asked.
  assert.equal((await send('DELETE', '/apps/mounts')).status, 204);
  expectProblem(await send('DELETE', '/volumes/uploads'), 503, 'AGENT_UNAVAILABLE');
  assert.ok(
    (await listed()).some((v) => v.name === 'uploads'),
    'kept when its agent cannot remove it',
  );
  await joinedServerVia(h.client, 'vol-gone');
  await volume('orphan', 'vol-gone');
  assert.equal((await send('DELETE', '/servers/vol-gone')).status, 204);
  assert.equal((await send('DELETE', '/volumes/orphan')).status, 204);
  assert.ok(!(await listed()).some((v) => v.name === 'orphan'));
});

test('the strategy is an app setting: created, patched, shown; anything else is refused', async () => {
  assert.equal((await createApp(h.client, 'strat')).strategy, 'rolling');
  const patched = await send('PATCH', '/apps/strat', { strategy: 'recreate' });
  assert.equal(patched.status, 200, patched.text);
  assert.equal((patched.json as App).strategy, 'recreate');
  for (const strategy of ['blue-green', '', 'Recreate', 1, null])
    await h.expectRejected({
      name: `strategy ${show(strategy)}`,
      method: 'PATCH',
      url: `${API}/apps/strat`,
      body: { strategy },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'strategy',
    });
});

const HOSTILE_PATHS: unknown[] = [
  `x; touch ${MARKER}`,
  `/x; touch ${MARKER}`,
  `/$(touch ${MARKER})`,
  `/\`touch ${MARKER}\``,
  '../',
  '/data/../../etc',
  '/',
  '/proc',
  '/proc/self/root',
  '/sys/fs',
  '/dev/sda',
  '/etc/hosts',
  '/etc/resolv.conf',
  '/run/secrets/x',
  "/data/'q'",
  '/data/"q"',
  '/data\u0000/x',
  '/data\n/x',
  '/data:/etc:rw',
  '/data/ x',
  `/${'a'.repeat(300)}`,
  `/${'a'.repeat(5000)}`,
  '',
  1,
  null,
];
const HOSTILE_NAMES: unknown[] = [
  `x; rm -rf ${MARKER}`,
  '../uploads',
  `$(touch ${MARKER})`,
  "u'ploads",
  'u"ploads',
  'up\u0000loads',
  'Uploads',
  'a'.repeat(33),
  '',
  null,
];

test('hostile mount paths and volume names are refused with 400, nothing written, nothing run', async (t) => {
  await volume('safe', 'vol-a');
  const mountCase = (what: string, mount: Record<string, unknown>, field: string): Rejection => ({
    name: `POST /apps with ${what}`,
    method: 'POST',
    url: `${API}/apps`,
    body: { name: 'hostile', image: 'nginx:1.27', volumes: [mount] },
    status: 400,
    code: 'VALIDATION_FAILED',
    field,
  });
  await h.rejectAll(t, [
    ...HOSTILE_PATHS.map((path) =>
      mountCase(`path ${show(path)}`, { volume: 'safe', path }, 'volumes.0.path'),
    ),
    ...HOSTILE_NAMES.map((volume) =>
      mountCase(`volume ${show(volume)}`, { volume, path: '/data' }, 'volumes.0.volume'),
    ),
    ...HOSTILE_NAMES.map((name): Rejection => ({
      name: `POST /volumes name=${show(name)}`,
      method: 'POST',
      url: `${API}/volumes`,
      body: { name },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'name',
    })),
    {
      name: 'POST /volumes server=../x',
      method: 'POST',
      url: `${API}/volumes`,
      body: { name: 'ok', server: '../x' },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'server',
    },
    mountCase('a volume that does not exist', { volume: 'ghost', path: '/data' }, 'volumes.0.volume'),
    {
      ...mountCase('the same volume twice', { volume: 'safe', path: '/a' }, 'volumes.1.volume'),
      body: {
        name: 'hostile',
        image: 'nginx:1.27',
        volumes: [
          { volume: 'safe', path: '/a' },
          { volume: 'safe', path: '/b' },
        ],
      },
    },
  ]);
  assert.equal(existsSync(MARKER), false, 'no marker file');
});

test('another team’s volume is not there for an app of mine (the same answer as none at all)', async () => {
  const other = await send('POST', '/teams', { name: 'rivals' });
  assert.equal(other.status, 201, other.text);
  const res = await send('POST', '/volumes', { name: 'secret-data', team: 'rivals', server: 'vol-a' });
  assert.equal(res.status, 201, res.text);
  const admin = await createTokenVia(h.client, { name: 'vol-admin', role: 'admin' });
  const theirs = await send(
    'POST',
    '/apps',
    { name: 'thief', image: 'nginx:1.27', volumes: [{ volume: 'secret-data', path: '/data' }] },
    admin.token,
  );
  const none = await send(
    'POST',
    '/apps',
    { name: 'thief', image: 'nginx:1.27', volumes: [{ volume: 'no-such', path: '/data' }] },
    admin.token,
  );
  const a = expectProblem(theirs, 400, 'VALIDATION_FAILED', 'volumes.0.volume');
  const b = expectProblem(none, 400, 'VALIDATION_FAILED', 'volumes.0.volume');
  assert.equal(a.detail.replace('secret-data', '∅'), b.detail.replace('no-such', '∅'));
  const mine = ((await send('GET', '/volumes', undefined, admin.token)).json as VolumeList).volumes;
  assert.ok(!mine.some((v) => v.name === 'secret-data'));
  expectProblem(
    await send('DELETE', '/volumes/secret-data', undefined, admin.token),
    404,
    'VOLUME_NOT_FOUND',
  );
});

test('volumes on two servers cannot be mounted by one app (its replicas run with their data)', async () => {
  await volume('left', 'vol-a');
  await volume('right', 'vol-b');
  await h.expectRejected({
    name: 'two servers',
    method: 'POST',
    url: `${API}/apps`,
    body: {
      name: 'split',
      image: 'nginx:1.27',
      volumes: [
        { volume: 'left', path: '/l' },
        { volume: 'right', path: '/r' },
      ],
    },
    status: 400,
    code: 'VALIDATION_FAILED',
    field: 'volumes',
  });
});

test('a deploy places every replica on the volume’s server; with that server gone it says why', async () => {
  await joinedServerVia(h.client, 'vol-c');
  await volume('pinned', 'vol-c');
  await createApp(h.client, 'pinned', { replicas: 3, volumes: [{ volume: 'pinned', path: '/data' }] });
  const d = await deploy(h.client, 'pinned');
  const server = await api.store.servers.findByName('vol-c');
  const placed = await api.store.placements.listForDeployment(d.id);
  assert.deepEqual(
    placed.map((p) => p.serverId),
    [server?.id, server?.id, server?.id],
  );
  assert.equal((await send('DELETE', '/servers/vol-c')).status, 204);
  const refused = expectProblem(
    await send('POST', '/apps/pinned/deployments', {}),
    422,
    'DEPLOY_UNPLACEABLE',
  );
  assert.match(refused.detail, /volume pinned lives.*no longer in the fleet/);
});

test('the agent is sent Berth’s engine name and the path, on every release (a rollback too), and the strategy', async () => {
  const v = await volume('carried', 'vol-a');
  await liveApp(h.client, api.store, 'carrier', 2, {
    extra: { volumes: [{ volume: 'carried', path: '/srv/data' }], strategy: 'recreate' },
  });
  const back = await send('POST', '/apps/carrier/rollback', {});
  assert.equal(back.status, 202, back.text);
  await markLive(api.store, (back.json as { id: string }).id);
  const current = (await api.store.apps.getByName('carrier'))?.currentReleaseId;
  assert.equal((await api.store.releases.get(current ?? ''))?.version, 1, 'v1 serves again');
  const server = await api.store.servers.findByName('vol-a');
  const desired = await buildDesiredState(
    api.store,
    server?.id ?? '',
    { domain: 'localhost', drainTimeoutMs: 1, stopTimeoutMs: 1 },
    () => ({}),
  );
  const mine = desired.apps.find((a) => a.appName === 'carrier');
  assert.deepEqual(mine?.release.volumes, [{ engineName: v.engineName, volumeId: v.id, path: '/srv/data' }]);
  assert.equal(mine?.strategy, 'recreate');
  assert.doesNotMatch(JSON.stringify(desired), /"carried"/, 'the team’s name for it never reaches the agent');
});
