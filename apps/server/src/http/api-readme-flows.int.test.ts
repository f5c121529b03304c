// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ErrorCode } from '@berth/protocol';
import { startTestApi, type TestApi } from './test-support/api.js';
import { markLive } from './test-support/fixtures.js';
import { API, createClient, expectProblem, type Client, type Res } from './test-support/http.js';
import { loginAs, PASSWORD, sessionUser } from './test-support/principals.js';

/**
 * Every flow of README.md's Quickstart and "Users, roles, secrets and the audit log" sections
 * (apps, users and roles, tokens, teams and projects, secrets, keys, audit, invitations), run
 * through the API as each kind of principal that runs them: the admin token `berth up` prints,
 * an owner user and an admin user of the default team. Each step is the README's command; what
 * differs is only what the README says differs (owners of the default team manage teams, keys
 * and the whole log). Logs need an agent, which does not run here: their route answers 503.
 */

type Kind = 'admin token' | 'owner user' | 'admin user';

interface Flow {
  api: TestApi;
  client: Client;
  token: string;
  installationOwner: boolean;
}

/** One README command: its request, and what it must answer. */
async function step(
  f: Flow,
  command: string,
  req: {
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
    path: string;
    body?: unknown;
    token?: string | null;
  },
  want: number | { status: number; code: ErrorCode },
): Promise<Res> {
  const res = await f.client.send({
    ...req,
    url: `${API}${req.path}`,
    token: req.token === undefined ? f.token : req.token,
  });
  if (typeof want === 'number') assert.equal(res.status, want, `${command}: ${res.text.slice(0, 300)}`);
  else expectProblem(res, want.status, want.code);
  return res;
}

async function flowFor(kind: Kind): Promise<Flow> {
  const api = await startTestApi({ inMemory: true });
  const client = createClient(api);
  if (kind === 'admin token') return { api, client, token: api.token, installationOwner: true };
  const role = kind === 'owner user' ? 'owner' : 'admin';
  const user = await sessionUser(client, { email: `${role}@example.com`, role });
  return { api, client, token: user.token, installationOwner: role === 'owner' };
}

const id = (res: Res): string => (res.json as { id: string }).id;

async function quickstart(f: Flow): Promise<void> {
  await step(
    f,
    'berth apps create web --image localhost/hello:1 --port 8080 --health-path / --replicas 2',
    {
      method: 'POST',
      path: '/apps',
      body: { name: 'web', image: 'localhost/hello:1', port: 8080, health: { path: '/' }, replicas: 2 },
    },
    201,
  );
  await markLive(
    f.api.store,
    id(await step(f, 'berth deploy web', { method: 'POST', path: '/apps/web/deployments', body: {} }, 202)),
  );
  const v2 = await step(
    f,
    'berth deploy web --image localhost/hello:2',
    { method: 'POST', path: '/apps/web/deployments', body: { image: 'localhost/hello:2' } },
    202,
  );
  await markLive(f.api.store, id(v2));
  await step(f, 'berth releases web', { method: 'GET', path: '/apps/web/releases' }, 200);
  await step(f, 'berth rollback web', { method: 'POST', path: '/apps/web/rollback', body: {} }, 202);
  await step(
    f,
    'berth logs web (no agent here)',
    { method: 'GET', path: '/apps/web/logs?follow=false' },
    {
      status: 503,
      code: 'AGENT_UNAVAILABLE',
    },
  );
  await step(
    f,
    'berth env set web GREETING=hi',
    { method: 'PATCH', path: '/apps/web/env', body: { set: { GREETING: 'hi' } } },
    200,
  );
  await step(
    f,
    'berth scale web --replicas 3',
    { method: 'POST', path: '/apps/web/scale', body: { replicas: 3 } },
    200,
  );
  await step(f, 'berth apps show web --json', { method: 'GET', path: '/apps/web' }, 200);
  await step(f, 'berth deployments list web', { method: 'GET', path: '/apps/web/deployments' }, 200);
}

async function usersAndRoles(f: Flow): Promise<void> {
  const created = await step(
    f,
    'berth users create vic@example.com --role viewer',
    { method: 'POST', path: '/users', body: { email: 'vic@example.com', role: 'viewer' } },
    201,
  );
  const setup = (created.json as { setup: { token: string } }).setup.token;
  await step(
    f,
    'berth password set <setup-token>',
    { method: 'POST', path: '/password', body: { token: setup, password: PASSWORD }, token: null },
    204,
  );
  const vic = (await loginAs(f.client, 'vic@example.com')).token;
  const apps = await step(f, 'berth apps list (as vic)', { method: 'GET', path: '/apps', token: vic }, 200);
  assert.ok(apps.text.includes('"web"'), 'a viewer reads');
  const refused = await step(
    f,
    'berth deploy web (as vic)',
    { method: 'POST', path: '/apps/web/deployments', body: {}, token: vic },
    {
      status: 403,
      code: 'FORBIDDEN',
    },
  );
  assert.match(refused.text, /viewer\) does not allow this/);
  await step(f, 'berth logout (as vic)', { method: 'DELETE', path: '/sessions/current', token: vic }, 204);

  const users = await step(f, 'berth users list', { method: 'GET', path: '/users' }, 200);
  assert.ok(users.text.includes('vic@example.com'));
  await step(
    f,
    'berth users grant vic@example.com --team default --role operator',
    {
      method: 'PUT',
      path: '/users/vic@example.com/memberships/default',
      body: { role: 'operator' },
    },
    200,
  );
  const reset = await step(
    f,
    'berth users reset-password vic@example.com',
    { method: 'POST', path: '/users/vic@example.com/password-reset' },
    201,
  );
  await step(
    f,
    'berth password set <reset-token>',
    {
      method: 'POST',
      path: '/password',
      body: { token: (reset.json as { token: string }).token, password: `${PASSWORD}!` },
      token: null,
    },
    204,
  );
  await step(
    f,
    'berth users revoke vic@example.com --team default',
    { method: 'DELETE', path: '/users/vic@example.com/memberships/default' },
    204,
  );
  const gone = (await loginAs(f.client, 'vic@example.com', { password: `${PASSWORD}!` })).token;
  await step(
    f,
    'berth apps show web (vic, removed)',
    { method: 'GET', path: '/apps/web', token: gone },
    { status: 404, code: 'APP_NOT_FOUND' },
  );
}

async function tokens(f: Flow): Promise<void> {
  const created = await step(
    f,
    'berth tokens create ci --role operator --expires 30d',
    {
      method: 'POST',
      path: '/tokens',
      body: { name: 'ci', role: 'operator', expiresInDays: 30 },
    },
    201,
  );
  const ci = (created.json as { token: string }).token;
  await step(f, 'berth apps show web (as ci)', { method: 'GET', path: '/apps/web', token: ci }, 200);
  const list = await step(f, 'berth tokens list', { method: 'GET', path: '/tokens' }, 200);
  assert.ok(list.text.includes('"ci"') && !list.text.includes(ci));
  await step(f, 'berth tokens revoke ci', { method: 'DELETE', path: '/tokens/ci' }, 204);
  await step(
    f,
    'berth apps show web (revoked ci)',
    { method: 'GET', path: '/apps/web', token: ci },
    { status: 401, code: 'UNAUTHENTICATED' },
  );
}

/** `berth teams create acme`, then projects, apps, tokens and users in it. */
async function teamsAndProjects(f: Flow): Promise<void> {
  await step(
    f,
    'berth projects create backend',
    { method: 'POST', path: '/projects', body: { name: 'backend' } },
    201,
  );
  await step(f, 'berth projects list', { method: 'GET', path: '/projects' }, 200);
  const teamCreate = { method: 'POST' as const, path: '/teams', body: { name: 'acme' } };
  if (f.installationOwner) {
    const team = await step(f, 'berth teams create acme', teamCreate, 201);
    assert.equal((team.json as { role: string }).role, 'owner', 'it manages the team it made');
  } else {
    await step(f, 'berth teams create acme (admin: refused)', teamCreate, { status: 403, code: 'FORBIDDEN' });
    await step(f, 'berth teams create acme (as the admin token)', { ...teamCreate, token: f.api.token }, 201);
    await step(
      f,
      'berth projects create api --team acme (not in it yet)',
      {
        method: 'POST',
        path: '/projects',
        body: { name: 'api', team: 'acme' },
      },
      { status: 404, code: 'TEAM_NOT_FOUND' },
    );
    await step(
      f,
      'berth users grant admin@example.com --team acme --role admin (as the admin token)',
      {
        method: 'PUT',
        path: '/users/admin@example.com/memberships/acme',
        body: { role: 'admin' },
        token: f.api.token,
      },
      202,
    );
    const mine = await step(f, 'berth invitations list', { method: 'GET', path: '/invitations' }, 200);
    assert.ok(mine.text.includes('"acme"'));
    await step(
      f,
      'berth invitations accept acme',
      { method: 'POST', path: '/invitations/acme/accept', body: {} },
      200,
    );
  }
  await step(
    f,
    'berth projects create api --team acme',
    { method: 'POST', path: '/projects', body: { name: 'api', team: 'acme' } },
    201,
  );
  await step(f, 'berth projects list --team acme', { method: 'GET', path: '/projects?team=acme' }, 200);
  await step(
    f,
    'berth apps create acme-web … --team acme --project api',
    {
      method: 'POST',
      path: '/apps',
      // A registry image: the host's local images are the default team's (and allowed teams').
      body: { name: 'acme-web', image: 'registry.example.com/acme/web:1', team: 'acme', project: 'api' },
    },
    201,
  );
  await step(
    f,
    'berth tokens create deploy --role operator --team acme',
    {
      method: 'POST',
      path: '/tokens',
      body: { name: 'deploy', role: 'operator', team: 'acme' },
    },
    201,
  );
  await step(f, 'berth tokens list --team acme', { method: 'GET', path: '/tokens?team=acme' }, 200);
  await step(
    f,
    'berth tokens revoke deploy --team acme',
    { method: 'DELETE', path: '/tokens/deploy?team=acme' },
    204,
  );
  await step(
    f,
    'berth users create ann@example.com --role viewer --team acme',
    {
      method: 'POST',
      path: '/users',
      body: { email: 'ann@example.com', role: 'viewer', team: 'acme' },
    },
    201,
  );
  await step(
    f,
    'berth invitations list --team acme',
    { method: 'GET', path: '/teams/acme/invitations' },
    200,
  );
  const teams = await step(f, 'berth teams list', { method: 'GET', path: '/teams' }, 200);
  assert.ok(teams.text.includes('"acme"') && teams.text.includes('"default"'));
}

async function secretsKeysAudit(f: Flow): Promise<void> {
  await step(
    f,
    'berth secrets set web API_KEY=…',
    { method: 'PATCH', path: '/apps/web/secrets', body: { set: { API_KEY: 'k-123' } } },
    200,
  );
  const secrets = await step(f, 'berth secrets list web', { method: 'GET', path: '/apps/web/secrets' }, 200);
  assert.ok(secrets.text.includes('API_KEY') && !secrets.text.includes('k-123'));
  await step(
    f,
    'berth secrets unset web API_KEY',
    { method: 'PATCH', path: '/apps/web/secrets', body: { unset: ['API_KEY'] } },
    200,
  );
  const owners = f.installationOwner ? 200 : ({ status: 403, code: 'FORBIDDEN' } as const);
  await step(f, 'berth keys list', { method: 'GET', path: '/keys' }, owners);
  await step(f, 'berth keys rotate', { method: 'POST', path: '/keys/rotate', body: {} }, owners);
  const audit = await step(f, 'berth audit list', { method: 'GET', path: '/audit?limit=1000' }, 200);
  assert.ok(audit.text.includes('"app.create"'));
  await step(f, 'berth audit export', { method: 'GET', path: '/audit/export' }, owners);
  const verified = await step(f, 'berth audit verify', { method: 'GET', path: '/audit/verify' }, owners);
  if (f.installationOwner) assert.equal((verified.json as { ok: boolean }).ok, true, verified.text);
}

for (const kind of ['admin token', 'owner user', 'admin user'] as const) {
  test(`README flows as the ${kind}`, async (t) => {
    const f = await flowFor(kind);
    try {
      await t.test('Quickstart: apps, deploy, releases, rollback, logs, env, scale', () => quickstart(f));
      await t.test('users and roles', () => usersAndRoles(f));
      await t.test('API tokens', () => tokens(f));
      await t.test('teams and projects (and invitations)', () => teamsAndProjects(f));
      await t.test('secrets, master keys and the audit log', () => secretsKeysAudit(f));
    } finally {
      await f.api.close();
    }
  });
}
