import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { LIMIT_DEFAULTS, type App, type Deployment, type Release } from '@berth/protocol';
import { buildDesiredState } from '../agents/desired-state.js';
import { startTestApi, type TestApi } from './test-support/api.js';
import { assertSameDb } from './test-support/db-snapshot.js';
import { createApp, liveApp, markLive } from './test-support/fixtures.js';
import { API, createClient, expectProblem, type Client } from './test-support/http.js';

/** Limits per app (create, scale) and secrets given as files: what each request changes or refuses. */

let api: TestApi;
let client: Client;
before(async () => {
  api = await startTestApi();
  client = createClient(api);
});
after(() => api.close());

const getApp = async (name: string): Promise<App> => {
  const res = await client.send({ method: 'GET', url: `${API}/apps/${name}` });
  assert.equal(res.status, 200, res.text);
  return res.json as App;
};

const releasesOf = async (name: string): Promise<Release[]> => {
  const res = await client.send({ method: 'GET', url: `${API}/apps/${name}/releases` });
  assert.equal(res.status, 200, res.text);
  return (res.json as { releases: Release[] }).releases;
};

const scale = (name: string, body: unknown) =>
  client.send({ method: 'POST', url: `${API}/apps/${name}/scale`, body });

test('an app gets the default limits; what it sets overrides them, the rest stays default', async () => {
  assert.deepEqual((await createApp(client, 'plain')).limits, LIMIT_DEFAULTS);
  const small = await createApp(client, 'small', { limits: { cpu: 0.5, memoryMiB: 256 } });
  assert.deepEqual(small.limits, { cpu: 0.5, memoryMiB: 256, pids: LIMIT_DEFAULTS.pids });
  assert.deepEqual((await getApp('small')).limits, small.limits);
});

test('limits out of range, of the wrong kind or unknown are 400 naming the field, and write nothing', async () => {
  const cases: [unknown, string][] = [
    [{ cpu: 0 }, 'limits.cpu'],
    [{ cpu: 65 }, 'limits.cpu'],
    [{ cpu: 0.0001 }, 'limits.cpu'],
    [{ memoryMiB: 8 }, 'limits.memoryMiB'],
    [{ memoryMiB: 1.5 }, 'limits.memoryMiB'],
    [{ memoryMiB: '256M' }, 'limits.memoryMiB'],
    [{ pids: 1 }, 'limits.pids'],
    [{ swap: 1 }, 'limits'],
    [{}, 'limits'],
  ];
  for (const [limits, field] of cases) {
    const before = api.db.take();
    const res = await client.send({
      method: 'POST',
      url: `${API}/apps`,
      body: { name: 'bad-limits', image: 'nginx:1.27', limits },
    });
    const problem = expectProblem(res, 400, 'VALIDATION_FAILED');
    assert.ok(
      problem.errors?.some((e) => e.path.startsWith(`body.${field}`)),
      `${JSON.stringify(limits)}: ${JSON.stringify(problem.errors)}`,
    );
    assertSameDb(before, api.db.take(), JSON.stringify(limits));
  }
});

test('new limits on a deployed app are a new release of the running one, rolled out as kind limits', async () => {
  const [first] = await liveApp(client, api.store, 'sized', 1, { extra: { env: { A: '1' }, replicas: 2 } });
  const res = await scale('sized', { limits: { memoryMiB: 128 } });
  assert.equal(res.status, 200, res.text);
  const change = res.json as { replicas: number; limits: unknown; deployment: Deployment };
  assert.deepEqual(change.limits, { ...LIMIT_DEFAULTS, memoryMiB: 128 });
  assert.equal(change.deployment.kind, 'limits');
  assert.equal(change.deployment.replicas, 2);
  assert.equal(change.deployment.releaseVersion, 2);
  const [v2, v1] = await releasesOf('sized');
  assert.deepEqual(v2?.limits, { ...LIMIT_DEFAULTS, memoryMiB: 128 });
  assert.deepEqual(
    [v2?.image, v2?.env, v2?.imageId],
    [v1?.image, v1?.env, v1?.imageId],
    'same image and env',
  );
  assert.deepEqual(v1?.limits, LIMIT_DEFAULTS, 'the old release keeps what it ran with');
  assert.ok(first);
  await markLive(api.store, change.deployment.id);

  // Replicas with the limits it has: a plain scale of the current release, no new release.
  const same = await scale('sized', { replicas: 3, limits: { memoryMiB: 128 } });
  assert.equal(same.status, 200, same.text);
  const scaled = (same.json as { deployment: Deployment }).deployment;
  assert.deepEqual([scaled.kind, scaled.releaseVersion, scaled.replicas], ['scale', 2, 3]);
  assert.equal((await releasesOf('sized')).length, 2);

  // Both at once: one new release, rolled out with the new replica count.
  const both = await scale('sized', { replicas: 1, limits: { cpu: 0.25, pids: 64 } });
  const d = (both.json as { deployment: Deployment }).deployment;
  assert.deepEqual([d.kind, d.releaseVersion, d.replicas], ['limits', 3, 1]);
  assert.deepEqual((await releasesOf('sized'))[0]?.limits, { cpu: 0.25, memoryMiB: 128, pids: 64 });
});

test('limits on an app never deployed change the app only; its first release has them', async () => {
  await createApp(client, 'later');
  const before = api.db.counts();
  const res = await scale('later', { limits: { cpu: 2 } });
  assert.equal(res.status, 200, res.text);
  assert.equal((res.json as { deployment: unknown }).deployment, null);
  assert.equal(api.db.counts().releases, before.releases);
  assert.deepEqual((await getApp('later')).limits, { ...LIMIT_DEFAULTS, cpu: 2 });
  const res2 = await client.send({ method: 'POST', url: `${API}/apps/later/deployments`, body: {} });
  assert.equal(res2.status, 202, res2.text);
  assert.deepEqual((await releasesOf('later'))[0]?.limits, { ...LIMIT_DEFAULTS, cpu: 2 });
});

test('a scale with neither replicas nor limits is 400 and writes nothing', async () => {
  await createApp(client, 'idle');
  const before = api.db.take();
  expectProblem(await scale('idle', {}), 400, 'VALIDATION_FAILED');
  expectProblem(await scale('idle', { limits: { memoryMiB: 4 } }), 400, 'VALIDATION_FAILED');
  assertSameDb(before, api.db.take(), 'refused scales');
});

const patchSecrets = (name: string, body: unknown) =>
  client.send({ method: 'PATCH', url: `${API}/apps/${name}/secrets`, body });

test('a secret set as a file is listed with its path; set again without one it is env again', async () => {
  await liveApp(client, api.store, 'vault');
  const res = await patchSecrets('vault', {
    set: { DB_PASSWORD: 'hunter2-file', API_KEY: 'k-env' },
    files: { DB_PASSWORD: '/run/secrets/db_password' },
  });
  assert.equal(res.status, 200, res.text);
  const change = res.json as { secrets: { key: string; file: string | null }[]; deployment: Deployment };
  assert.deepEqual(
    change.secrets.map((s) => [s.key, s.file]),
    [
      ['API_KEY', null],
      ['DB_PASSWORD', '/run/secrets/db_password'],
    ],
  );
  assert.equal(change.deployment.kind, 'secrets');
  assert.ok(!res.text.includes('hunter2-file'));
  const audit = await api.store.audit.list({ afterSeq: 0, limit: 1000 });
  const row = audit.filter((a) => a.action === 'secret.change').at(-1);
  assert.equal(row?.detail.files, 'DB_PASSWORD=/run/secrets/db_password');
  assert.ok(!JSON.stringify(audit).includes('hunter2-file'));

  // The release carries where each secret goes, and the desired state tells the agent.
  await markLive(api.store, change.deployment.id);
  const app = await api.store.apps.getByName('vault');
  const desired = await buildDesiredState(
    api.store,
    'srv_none',
    { domain: 'localhost', drainTimeoutMs: 1, stopTimeoutMs: 1 },
    (_release, rows) => Object.fromEntries(rows.map((r) => [r.key, `sealed:${r.key}`])),
  );
  const mine = desired.apps.find((a) => a.appName === 'vault');
  assert.equal(mine?.teamId, app?.teamId);
  assert.deepEqual(mine?.release.secretFiles, { DB_PASSWORD: '/run/secrets/db_password' });
  assert.deepEqual(Object.keys(mine?.release.secrets ?? {}).sort(), ['API_KEY', 'DB_PASSWORD']);
  assert.deepEqual(mine?.release.limits, LIMIT_DEFAULTS);

  const again = await patchSecrets('vault', { set: { DB_PASSWORD: 'hunter3' } });
  const list = (again.json as { secrets: { key: string; file: string | null }[] }).secrets;
  assert.equal(list.find((s) => s.key === 'DB_PASSWORD')?.file, null);
});

test('file paths outside /run/secrets/, with traversal, for keys not being set, or taken are 400 and write nothing', async () => {
  await liveApp(client, api.store, 'paths');
  const ok = await patchSecrets('paths', { set: { A: '1' }, files: { A: '/run/secrets/a' } });
  assert.equal(ok.status, 200, ok.text);
  const bodies: [unknown, string][] = [
    [{ set: { B: '1' }, files: { B: '/etc/passwd' } }, 'files.B'],
    [{ set: { B: '1' }, files: { B: '/run/secrets/../../etc/shadow' } }, 'files.B'],
    [{ set: { B: '1' }, files: { B: '/run/secrets/.b' } }, 'files.B'],
    [{ set: { B: '1' }, files: { C: '/run/secrets/c' } }, 'files'],
    [{ set: { B: '1', C: '2' }, files: { B: '/run/secrets/x', C: '/run/secrets/x' } }, 'files'],
    [{ set: { B: '1' }, files: { B: '/run/secrets/a' } }, 'files.B'],
  ];
  for (const [body, field] of bodies) {
    const before = api.db.take();
    const problem = expectProblem(await patchSecrets('paths', body), 400, 'VALIDATION_FAILED');
    assert.ok(
      problem.errors?.some((e) => e.path === `body.${field}` || e.path.startsWith(`body.${field}.`)),
      `${JSON.stringify(body)}: ${JSON.stringify(problem.errors)}`,
    );
    assertSameDb(before, api.db.take(), JSON.stringify(body));
  }
});
