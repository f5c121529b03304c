import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { App, Deployment, DeploymentWithEvents, Release } from '@berth/protocol';
import { startTestApi, type TestApi } from './test-support/api.js';
import { createApp, deploy } from './test-support/fixtures.js';
import { API, createClient, expectProblem, type Client } from './test-support/http.js';
import { listOperations, responseSchema, toUrl } from './test-support/openapi.js';
import { validateJson } from './test-support/json-schema.js';
import {
  get,
  live,
  named,
  ndjsonLines,
  sseMessages,
  type Ctx,
  type RouteCase,
} from './test-support/route-cases.js';
import { BUILD_CASES } from './test-support/route-cases-builds.js';
import { DOMAIN_CASES } from './test-support/route-cases-domains.js';
import { VOLUME_CASES } from './test-support/route-cases-volumes.js';
import { DATABASE_CASES } from './test-support/route-cases-databases.js';
import { NOTIFICATION_CASES } from './test-support/route-cases-notifications.js';
import { CRON_CASES } from './test-support/route-cases-cron.js';
import { BACKUP_CASES } from './test-support/route-cases-backups.js';
import { SERVER_CASES } from './test-support/route-cases-servers.js';
import { IDENTITY_CASES } from './test-support/route-cases-identity.js';
import { TRUST_CASES } from './test-support/route-cases-trust.js';

/**
 * Every operation in openapi.yaml, driven from the file: each gets a valid request, and its
 * response must be a documented status whose body matches the documented schema. A new route
 * without a case here fails the suite.
 */

const APP_CASES: Record<string, RouteCase> = {
  health: { status: 200, check: (res) => assert.equal((res.json as { status: string }).status, 'ok') },
  listApps: {
    arrange: named,
    status: 200,
    check: (res, c) => assert.ok((res.json as { apps: App[] }).apps.some((a) => a.name === c.name)),
  },
  createApp: {
    arrange: () => Promise.resolve({}),
    body: {
      name: 'created',
      image: 'ghcr.io/acme/api:1.2.3',
      port: 3000,
      command: ['node', 'server.js'],
      env: { B: '2', A: '1' },
      health: { path: '/healthz', timeoutMs: 5000 },
      replicas: 2,
    },
    status: 201,
    check: async (res, c) => {
      const app = res.json as App;
      assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
      assert.deepEqual(
        [app.name, app.port, app.replicas, app.status, app.env, app.health.path, app.health.timeoutMs],
        ['created', 3000, 2, 'new', { A: '1', B: '2' }, '/healthz', 5000],
      );
      assert.deepEqual(await get(c, '/apps/created'), app);
    },
  },
  getApp: { arrange: named, status: 200, check: (res, c) => assert.equal((res.json as App).name, c.name) },
  updateApp: {
    arrange: named,
    body: {
      image: 'nginx:1.28',
      port: 8081,
      command: ['nginx', '-g', 'daemon off;'],
      health: { type: 'tcp' },
    },
    status: 200,
    check: (res) => {
      const app = res.json as App;
      assert.deepEqual(
        [app.image, app.port, app.command?.length, app.health.type],
        ['nginx:1.28', 8081, 3, 'tcp'],
      );
    },
  },
  deleteApp: {
    arrange: named,
    status: 204,
    check: async (res, c) => {
      assert.equal(res.text, '');
      expectProblem(
        await c.client.send({ method: 'GET', url: `${API}/apps/${c.name}` }),
        404,
        'APP_NOT_FOUND',
      );
    },
  },
  deployApp: {
    arrange: named,
    body: { image: 'nginx:1.28' },
    headers: { 'idempotency-key': 'deploy-1' },
    status: 202,
    check: (res) => {
      const d = res.json as Deployment;
      assert.deepEqual([d.kind, d.status, d.releaseVersion], ['deploy', 'queued', 1]);
    },
  },
  listDeployments: {
    arrange: (c) => live(c, 2),
    status: 200,
    check: (res) => {
      const list = (res.json as { deployments: Deployment[] }).deployments;
      assert.deepEqual(
        list.map((d) => d.releaseVersion),
        [2, 1],
        'newest first',
      );
    },
  },
  rollbackApp: {
    arrange: (c) => live(c, 2),
    body: {},
    status: 202,
    check: (res) => {
      const d = res.json as Deployment;
      assert.deepEqual([d.kind, d.status, d.releaseVersion], ['rollback', 'queued', 1]);
    },
  },
  restartApp: {
    arrange: (c) => live(c, 2),
    body: {},
    status: 202,
    check: (res) => {
      const d = res.json as Deployment;
      assert.deepEqual([d.kind, d.status, d.releaseVersion], ['restart', 'queued', 2], 'the current release');
    },
  },
  getDeployment: {
    arrange: async (c) => ({ id: (await named(c), await deploy(c.client, c.name)).id }),
    status: 200,
    check: (res) =>
      assert.match((res.json as DeploymentWithEvents).events[0]?.message ?? '', /^Queued deploy of v1/),
  },
  streamDeploymentEvents: {
    arrange: async (c) => ({ id: (await named(c), await deploy(c.client, c.name)).id }),
    query: 'follow=false',
    status: 200,
    check: (res) => {
      const lines = ndjsonLines(res);
      assert.equal(lines.at(-1)?.type, 'end', 'the stream ends with the deployment');
    },
  },
  // Not following: the ready message, then the end of the answer (api-events.int.test.ts follows).
  streamEvents: {
    query: 'team=default&follow=false',
    status: 200,
    check: (res) => {
      assert.match(String(res.headers['content-type']), /^text\/event-stream/);
      assert.match(res.text, /^retry: \d+\n\n/, 'the reconnect delay comes first');
      assert.deepEqual(sseMessages(res), [{ kind: 'ready', team: 'default' }]);
    },
  },
  getEnv: {
    arrange: (c) => named(c, { env: { A: '1' } }),
    status: 200,
    check: (res) => assert.deepEqual(res.json, { env: { A: '1' } }),
  },
  patchEnv: {
    arrange: (c) => live(c),
    body: { set: { B: '2' } },
    status: 200,
    check: (res) => {
      const { env, deployment } = res.json as { env: Record<string, string>; deployment: Deployment };
      assert.deepEqual([env, deployment.kind, deployment.releaseVersion], [{ B: '2' }, 'env', 2]);
    },
  },
  scaleApp: {
    arrange: (c) => live(c),
    body: { replicas: 3 },
    status: 200,
    check: (res) => {
      const { replicas, deployment } = res.json as { replicas: number; deployment: Deployment };
      assert.deepEqual([replicas, deployment.kind, deployment.replicas], [3, 'scale', 3]);
    },
  },
  listReleases: {
    arrange: (c) => live(c, 2),
    status: 200,
    check: (res) => {
      const releases = (res.json as { releases: Release[] }).releases;
      assert.deepEqual(
        releases.map((r) => [r.version, r.current]),
        [
          [2, true],
          [1, false],
        ],
      );
    },
  },
  // A plain GET of the exec WebSocket says to upgrade (the session itself: api-exec).
  execApp: {
    arrange: named,
    query: 'cmd=hostname',
    status: 426,
    check: (res) => void expectProblem(res, 426, 'UPGRADE_REQUIRED'),
  },
  // No agent runs here: a log stream must say so, not answer an empty 200.
  streamLogs: {
    arrange: named,
    query: 'tail=10&follow=false',
    status: 503,
    check: (res) => void expectProblem(res, 503, 'AGENT_UNAVAILABLE'),
  },
};

const CASES: Record<string, RouteCase> = {
  ...APP_CASES,
  ...IDENTITY_CASES,
  ...TRUST_CASES,
  ...BUILD_CASES,
  ...SERVER_CASES,
  ...DOMAIN_CASES,
  ...VOLUME_CASES,
  ...DATABASE_CASES,
  ...NOTIFICATION_CASES,
  ...CRON_CASES,
  ...BACKUP_CASES,
};

let api: TestApi;
let client: Client;
before(async () => {
  api = await startTestApi();
  client = createClient(api);
});
after(() => api.close());

const operations = listOperations();

test('every operation in openapi.yaml has a case, and every case an operation', () => {
  const ids = operations.map((op) => op.operationId).sort();
  assert.deepEqual(Object.keys(CASES).sort(), ids, 'add a case to CASES for each new operation');
});

test('the schema check catches what the spec forbids', async () => {
  const op = operations.find((o) => o.operationId === 'getApp');
  assert.ok(op);
  await createApp(client, 'r-selfcheck');
  const app = (await client.send({ method: 'GET', url: `${API}/apps/r-selfcheck` })).json as App;
  const schema = responseSchema(op, 200, 'application/json');
  assert.deepEqual(validateJson(schema, app), []);
  const broken: unknown[] = [
    { ...app, extra: 1 },
    { ...app, port: '80' },
    { ...app, status: 'sleeping' },
    { ...app, env: { A: 1 } },
    { ...app, name: 'Bad Name' },
    { ...app, currentRelease: { id: 'x' } },
    Object.fromEntries(Object.entries(app).filter(([k]) => k !== 'id')),
  ];
  for (const body of broken) assert.notDeepEqual(validateJson(schema, body), [], JSON.stringify(body));
});

for (const op of operations) {
  test(`${op.operationId}: ${op.method} ${op.path}`, async () => {
    const c = CASES[op.operationId];
    assert.ok(c, `no case for ${op.operationId}`);
    const ctx: Ctx = {
      api,
      client,
      name: `r-${op.operationId.toLowerCase()}`,
      token: op.isPublic ? null : api.token,
      vars: {},
    };
    const params = (await c.arrange?.(ctx)) ?? {};
    const res = await client.send({
      method: op.method,
      url: toUrl(op, params, c.query),
      body: c.bodyOf ? c.bodyOf(ctx) : c.body,
      ...(c.rawOf && { raw: c.rawOf(ctx) }),
      ...((c.headers ?? c.headersOf) && { headers: { ...c.headers, ...c.headersOf?.(ctx) } }),
      token: ctx.token,
    });
    assert.equal(res.status, c.status, res.text.slice(0, 500));
    assert.ok(op.responses[String(res.status)], `${res.status} is not documented for ${op.operationId}`);
    const contentType = String(res.headers['content-type'] ?? '').split(';')[0] ?? '';
    const schema = responseSchema(op, res.status, contentType);
    if (schema === null) {
      assert.equal(res.text, '', `${op.operationId} documents no body for ${res.status}`);
    } else if (contentType === 'application/x-ndjson') {
      for (const line of ndjsonLines(res))
        assert.deepEqual(validateJson(schema, line), [], JSON.stringify(line));
    } else if (contentType === 'text/event-stream') {
      for (const message of sseMessages(res))
        assert.deepEqual(validateJson(schema, message), [], JSON.stringify(message));
    } else {
      assert.deepEqual(
        validateJson(schema, res.json),
        [],
        `${op.operationId} ${res.status} against openapi.yaml`,
      );
    }
    await c.check?.(res, ctx);
  });
}
