// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestClock, startTestApi, type TestApi } from './test-support/api.js';
import { createApp } from './test-support/fixtures.js';
import { API, createClient, expectProblem, type Client, type Req, type Res } from './test-support/http.js';
import { createTokenVia, loginAs, PASSWORD, sessionUser } from './test-support/principals.js';

/**
 * Invitations: a membership starts as one and only the invited account, logged in as itself,
 * accepts or declines it; an account made by an invitation accepts it by its first password or
 * login. And the installation owners manage every team, including those they create (no team
 * is ever orphaned).
 */

const clock = createTestClock();
let api: TestApi;
let client: Client;
let eve: { email: string; token: string };
let frank: { email: string; token: string };

const send = (req: Omit<Req, 'url'> & { path: string }): Promise<Res> =>
  client.send({ ...req, url: `${API}${req.path}` });
const ok = async (req: Omit<Req, 'url'> & { path: string }, status: number): Promise<Res> => {
  const res = await send(req);
  assert.equal(res.status, status, `${req.method} ${req.path}: ${res.text}`);
  return res;
};
const team = (name: string) => ok({ method: 'POST', path: '/teams', body: { name } }, 201);
const invite = (email: string, name: string, role = 'operator', token?: string) =>
  send({ method: 'PUT', path: `/users/${email}/memberships/${name}`, body: { role }, token });
const teamsOf = async (token: string): Promise<string[]> =>
  (
    (await ok({ method: 'GET', path: '/me', token }, 200)).json as { memberships: { team: string }[] }
  ).memberships.map((m) => m.team);
const mine = async (token: string) =>
  (
    (await ok({ method: 'GET', path: '/invitations', token }, 200)).json as {
      invitations: { team: string; role: string; invitedBy: string }[];
    }
  ).invitations;

before(async () => {
  api = await startTestApi({ inMemory: true, clock: clock.now });
  client = createClient(api);
  eve = await sessionUser(client, { email: 'eve@example.com', role: 'viewer' });
  frank = await sessionUser(client, { email: 'frank@example.com', role: 'viewer' });
});
after(() => api.close());

test('an invitation is pending until the invited account accepts it, and only it can', async () => {
  await team('tango');
  assert.equal((await invite(eve.email, 'tango')).status, 202);
  assert.deepEqual(await teamsOf(eve.token), ['default'], 'not a member yet');
  expectProblem(
    await send({ method: 'GET', path: '/projects?team=tango', token: eve.token }),
    404,
    'TEAM_NOT_FOUND',
  );
  assert.deepEqual(
    (await mine(eve.token)).map((i) => [i.team, i.role, i.invitedBy]),
    [['tango', 'operator', 'admin']],
  );
  for (const token of [
    frank.token,
    api.token,
    (await createTokenVia(client, { name: 'ci', role: 'viewer' })).token,
  ]) {
    const res = await send({ method: 'POST', path: '/invitations/tango/accept', body: {}, token });
    expectProblem(res, 404, 'INVITATION_NOT_FOUND');
  }
  const accepted = await ok(
    { method: 'POST', path: '/invitations/tango/accept', body: {}, token: eve.token },
    200,
  );
  assert.deepEqual(accepted.json, { team: 'tango', role: 'operator' });
  assert.deepEqual((await teamsOf(eve.token)).sort(), ['default', 'tango']);
  await ok({ method: 'GET', path: '/projects?team=tango', token: eve.token }, 200);
  assert.deepEqual(await mine(eve.token), [], 'used up');
  expectProblem(
    await send({ method: 'POST', path: '/invitations/tango/accept', body: {}, token: eve.token }),
    404,
    'INVITATION_NOT_FOUND',
  );
  const rows = await api.store.audit.list({ afterSeq: 0, limit: 1000 });
  const row = rows.find((r) => r.requestId === accepted.headers['x-request-id']);
  assert.deepEqual([row?.action, row?.actorName, row?.outcome], ['invitation.accept', eve.email, 'ok']);
  assert.equal(row?.teamId, (await api.store.teams.getByName('tango'))?.id, "in the team's log");
});

test('declined, withdrawn or expired invitations are gone; a renewal changes the role', async () => {
  await team('uniform');
  await invite(eve.email, 'uniform');
  await ok({ method: 'POST', path: '/invitations/uniform/decline', body: {}, token: eve.token }, 204);
  assert.deepEqual(
    [await mine(eve.token), await teamsOf(eve.token)].map((x) => x.length),
    [0, 2],
  );
  const listed = await ok({ method: 'GET', path: '/teams/uniform/invitations' }, 200);
  assert.deepEqual(listed.json, { invitations: [] });

  await invite(eve.email, 'uniform', 'viewer');
  await invite(eve.email, 'uniform', 'admin');
  assert.deepEqual(
    (await mine(eve.token)).map((i) => i.role),
    ['admin'],
    'renewed, not doubled',
  );
  await ok({ method: 'DELETE', path: `/users/${eve.email}/memberships/uniform` }, 204);
  assert.deepEqual(await mine(eve.token), [], 'withdrawn');

  await invite(eve.email, 'uniform');
  clock.advance(7 * 86_400_000 + 1);
  assert.deepEqual(await mine(eve.token), [], 'expired after 7 days');
  expectProblem(
    await send({ method: 'POST', path: '/invitations/uniform/accept', body: {}, token: eve.token }),
    404,
    'INVITATION_NOT_FOUND',
  );
});

test('an admin invites up to its own role, and cannot renew or withdraw an owner invitation', async () => {
  await team('victor');
  const vAdmin = await sessionUser(client, { email: 'vadmin@example.com', role: 'admin', team: 'victor' });
  expectProblem(await invite(frank.email, 'victor', 'owner', vAdmin.token), 403, 'FORBIDDEN');
  assert.equal((await invite(frank.email, 'victor', 'owner')).status, 202, 'an installation owner may');
  expectProblem(await invite(frank.email, 'victor', 'viewer', vAdmin.token), 403, 'FORBIDDEN');
  expectProblem(
    await send({ method: 'DELETE', path: `/users/${frank.email}/memberships/victor`, token: vAdmin.token }),
    403,
    'FORBIDDEN',
  );
  const list = await ok({ method: 'GET', path: '/teams/victor/invitations', token: vAdmin.token }, 200);
  assert.ok(list.text.includes(frank.email));
  expectProblem(
    await send({ method: 'GET', path: '/teams/victor/invitations', token: eve.token }),
    404,
    'TEAM_NOT_FOUND',
  );
});

test('a new account joins by its first password (setup token) or its first login', async () => {
  const setup = await ok(
    { method: 'POST', path: '/users', body: { email: 'new1@example.com', role: 'operator' } },
    201,
  );
  const { setup: token } = setup.json as { setup: { token: string } };
  const users = await ok({ method: 'GET', path: '/users' }, 200);
  const pending = (users.json as { users: { email: string; memberships: unknown[] }[] }).users.find(
    (u) => u.email === 'new1@example.com',
  );
  assert.deepEqual(pending?.memberships, [], 'in no team until it sets its password');
  await ok(
    { method: 'POST', path: '/password', body: { token: token.token, password: PASSWORD }, token: null },
    204,
  );
  const s1 = await loginAs(client, 'new1@example.com');
  assert.deepEqual(await teamsOf(s1.token), ['default']);

  await ok(
    {
      method: 'POST',
      path: '/users',
      body: { email: 'new2@example.com', role: 'viewer', password: PASSWORD },
    },
    201,
  );
  const s2 = await loginAs(client, 'new2@example.com');
  assert.deepEqual(await teamsOf(s2.token), ['default'], 'joined at its first login');

  const again = await send({
    method: 'POST',
    path: '/users',
    body: { email: 'new2@example.com', role: 'viewer' },
  });
  expectProblem(again, 409, 'USER_EXISTS');
});

test('a setup token for an account that is not the team’s own opens nothing; its own can be issued again', async () => {
  await team('whiskey');
  await team('xray');
  const first = await ok(
    {
      method: 'POST',
      path: '/users',
      body: { email: 'pending@example.com', role: 'viewer', team: 'whiskey' },
    },
    201,
  );
  // Another team asks for the same email: an invitation, and a token that opens nothing.
  const other = await ok(
    { method: 'POST', path: '/users', body: { email: 'pending@example.com', role: 'viewer', team: 'xray' } },
    201,
  );
  const decoy = (other.json as { setup: { token: string } }).setup.token;
  expectProblem(
    await send({
      method: 'POST',
      path: '/password',
      body: { token: decoy, password: PASSWORD },
      token: null,
    }),
    400,
    'TOKEN_INVALID',
  );
  // The team that made it may issue its setup token again (it lost the first one).
  const again = await ok(
    {
      method: 'POST',
      path: '/users',
      body: { email: 'pending@example.com', role: 'viewer', team: 'whiskey' },
    },
    201,
  );
  const token = (again.json as { setup: { token: string } }).setup.token;
  assert.notEqual(token, (first.json as { setup: { token: string } }).setup.token);
  await ok({ method: 'POST', path: '/password', body: { token, password: PASSWORD }, token: null }, 204);
  const s = await loginAs(client, 'pending@example.com');
  assert.deepEqual(await teamsOf(s.token), ['whiskey'], "whiskey's own invitation only; xray's waits");
  assert.deepEqual(
    (await mine(s.token)).map((i) => i.team),
    ['xray'],
  );
});

test('an invitation that made an account, withdrawn and made again, gives a setup link that works', async () => {
  await team('yankee');
  const create = (): Promise<Res> =>
    ok(
      { method: 'POST', path: '/users', body: { email: 'redo@example.com', role: 'viewer', team: 'yankee' } },
      201,
    );
  await create();
  await ok({ method: 'DELETE', path: '/users/redo@example.com/memberships/yankee' }, 204);
  const listed = await ok({ method: 'GET', path: '/teams/yankee/invitations' }, 200);
  assert.deepEqual(listed.json, { invitations: [] }, 'withdrawn');
  const token = ((await create()).json as { setup: { token: string } }).setup.token;
  await ok({ method: 'POST', path: '/password', body: { token, password: PASSWORD }, token: null }, 204);
  const s = await loginAs(client, 'redo@example.com');
  assert.deepEqual(await teamsOf(s.token), ['yankee']);
});

test('the admin token manages a team it creates: tokens, users, projects and apps in it (issue 8, item 6)', async () => {
  const created = await ok({ method: 'POST', path: '/teams', body: { name: 'orphan' } }, 201);
  assert.equal((created.json as { role: string }).role, 'owner');
  const token = await createTokenVia(client, { name: 'orphan-owner', role: 'owner', team: 'orphan' });
  await ok({ method: 'GET', path: '/tokens?team=orphan' }, 200);
  await ok({ method: 'DELETE', path: '/tokens/orphan-owner?team=orphan' }, 204);
  expectProblem(await send({ method: 'GET', path: '/me', token: token.token }), 401, 'UNAUTHENTICATED');
  await ok(
    { method: 'POST', path: '/users', body: { email: 'o@example.com', role: 'owner', team: 'orphan' } },
    201,
  );
  await ok({ method: 'POST', path: '/projects', body: { name: 'api', team: 'orphan' } }, 201);
  await createApp(client, 'orphan-web', { team: 'orphan', project: 'api' });
  const apps = await ok({ method: 'GET', path: '/apps' }, 200);
  assert.ok(apps.text.includes('orphan-web'));
  await ok({ method: 'GET', path: '/apps/orphan-web' }, 200);
  await ok({ method: 'GET', path: '/teams/orphan/invitations' }, 200);
  const teams = await ok({ method: 'GET', path: '/teams' }, 200);
  assert.ok(
    (teams.json as { teams: { name: string; role: string }[] }).teams.some(
      (t) => t.name === 'orphan' && t.role === 'owner',
    ),
  );
  // An admin of the default team is no installation owner: the team stays invisible to it.
  const admin = await sessionUser(client, { email: 'dadmin@example.com', role: 'admin' });
  expectProblem(
    await send({ method: 'GET', path: '/apps/orphan-web', token: admin.token }),
    404,
    'APP_NOT_FOUND',
  );
  expectProblem(
    await send({ method: 'POST', path: '/teams', body: { name: 'mine' }, token: admin.token }),
    403,
    'FORBIDDEN',
  );
});
