// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Build, Deployment } from '@berth/protocol';
import { startTestApi, type TestApi } from './test-support/api.js';
import { createApp, deploy, sourceAppWithBuild } from './test-support/fixtures.js';
import { API, createClient, expectProblem, type Client } from './test-support/http.js';
import { createTokenVia } from './test-support/principals.js';
import { ndjsonLines } from './test-support/route-cases.js';

/**
 * One rule for log output (issue 8, item 13): the last lines of a failed deployment (its
 * containers' output) and of a failed build (its steps' output) are log output, so a role that
 * may not read the log routes (a viewer) does not get them through the records either.
 */

const LINE = 'step 3/5: secret-looking output of a build';
let api: TestApi;
let client: Client;
let viewer: string;
let operator: string;
let deploymentId: string;

before(async () => {
  api = await startTestApi({ inMemory: true });
  client = createClient(api);
  viewer = (await createTokenVia(client, { name: 'v', role: 'viewer' })).token;
  operator = (await createTokenVia(client, { name: 'o', role: 'operator' })).token;
  await createApp(client, 'web');
  deploymentId = (await deploy(client, 'web')).id;
  const error = { code: 'DEPLOY_CONTAINER_EXITED', message: 'the container exited with 1', logs: [LINE] };
  await api.store.deployments.update(deploymentId, { status: 'failed', error, finishedAt: Date.now() });
  const built = await sourceAppWithBuild(client, 'src');
  const build = built.build ? await api.store.builds.get(built.build.id) : null;
  assert.ok(build);
  await api.store.builds.update(build.id, {
    status: 'failed',
    error: { code: 'BUILD_FAILED', message: 'Build #1 failed', logs: [LINE] },
    finishedAt: Date.now(),
  });
});
after(() => api.close());

const get = async (path: string, token: string): Promise<string> => {
  const res = await client.send({ method: 'GET', url: `${API}${path}`, token });
  assert.equal(res.status, 200, res.text);
  return res.text;
};

test('a viewer reads failed deployments and builds without their log lines; an operator with them', async () => {
  const paths = [
    `/deployments/${deploymentId}`,
    '/apps/web/deployments',
    `/deployments/${deploymentId}/events?follow=false`,
    '/apps/src/builds',
    '/apps/src/builds/1',
  ];
  for (const path of paths) {
    const seen = await get(path, viewer);
    assert.ok(!seen.includes(LINE), `a viewer reads log lines through ${path}`);
    assert.ok(seen.includes('failed'), `${path} still says it failed`);
    assert.ok((await get(path, operator)).includes(LINE), `an operator reads them through ${path}`);
  }
  const d = JSON.parse(await get(`/deployments/${deploymentId}`, viewer)) as Deployment;
  assert.deepEqual(d.error, {
    code: 'DEPLOY_CONTAINER_EXITED',
    message: 'the container exited with 1',
    logs: [],
  });
  const b = JSON.parse(await get('/apps/src/builds/1', viewer)) as Build;
  assert.deepEqual(b.error?.logs, []);
  const end = ndjsonLines(
    await client.send({
      method: 'GET',
      url: `${API}/deployments/${deploymentId}/events?follow=false`,
      token: viewer,
    }),
  ).at(-1) as { deployment: Deployment };
  assert.deepEqual(end.deployment.error?.logs, []);
  // …as the log routes themselves say.
  const log = await client.send({
    method: 'GET',
    url: `${API}/apps/src/builds/1/logs?follow=false`,
    token: viewer,
  });
  expectProblem(log, 403, 'FORBIDDEN');
});

test('a refused log stream is audited like every refused attempt (issue 9)', async () => {
  const denied = async (): Promise<{ action: string; target: string | null; detail: unknown }[]> =>
    (await api.store.audit.list({ afterSeq: 0, limit: 10_000 }))
      .filter((r) => r.outcome === 'denied' && r.actorName === 'v')
      .map((r) => ({ action: r.action, target: r.target, detail: r.detail }));
  const before = (await denied()).length;
  for (const path of ['/apps/web/logs?follow=false', '/apps/src/builds/1/logs?follow=false']) {
    const res = await client.send({ method: 'GET', url: `${API}${path}`, token: viewer });
    expectProblem(res, 403, 'FORBIDDEN');
  }
  const rows = (await denied()).slice(before);
  assert.deepEqual(rows, [
    { action: 'stream.open', target: 'app:web', detail: { stream: 'logs', status: 403 } },
    { action: 'stream.open', target: 'app:src', detail: { stream: 'build-log', status: 403 } },
  ]);
});
