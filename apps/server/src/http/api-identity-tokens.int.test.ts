// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { hashToken } from '@berth/crypto';
import { ROLES, type Role } from '@berth/protocol';
import { createTestClock, startTestApi, type TestApi } from './test-support/api.js';
import { assertSameDb } from './test-support/db-snapshot.js';
import { API, createClient, expectProblem, type Client, type Req, type Res } from './test-support/http.js';
import { createTokenVia, createUserVia, sessionUser } from './test-support/principals.js';

/** API tokens: revocation, expiry, what a list shows; and that no one grants more than they hold. */

const clock = createTestClock();
let api: TestApi;
let client: Client;
before(async () => {
  api = await startTestApi({ clock: clock.now });
  client = createClient(api);
});
after(() => api.close());

const DAY = 86_400_000;
const me = (token: string): Promise<Res> => client.send({ method: 'GET', url: `${API}/me`, token });
const listTokens = async (): Promise<{ text: string; tokens: Record<string, unknown>[] }> => {
  const res = await client.send({ method: 'GET', url: `${API}/tokens?team=default` });
  assert.equal(res.status, 200, res.text);
  return { text: res.text, tokens: (res.json as { tokens: Record<string, unknown>[] }).tokens };
};

test('a revoked token is refused on its very next request', async () => {
  const t = await createTokenVia(client, { name: 'ci', role: 'operator' });
  assert.equal((await me(t.token)).status, 200);
  const res = await client.send({ method: 'DELETE', url: `${API}/tokens/ci?team=default` });
  assert.equal(res.status, 204, res.text);
  expectProblem(await me(t.token), 401, 'UNAUTHENTICATED');
  const listed = (await listTokens()).tokens.find((x) => x.name === 'ci');
  assert.equal(listed?.revokedAt, new Date(clock.now()).toISOString());
  expectProblem(
    await client.send({ method: 'DELETE', url: `${API}/tokens/ci?team=default` }),
    404,
    'TOKEN_NOT_FOUND',
  );
});

test('a token with a lifetime is refused once it is over', async () => {
  const t = await createTokenVia(client, { name: 'short', role: 'viewer', expiresInDays: 1 });
  clock.advance(DAY - 1);
  assert.equal((await me(t.token)).status, 200);
  clock.advance(1);
  expectProblem(await me(t.token), 401, 'UNAUTHENTICATED');
});

test('the token list shows when a token was last used, and never its value or hash', async () => {
  const t = await createTokenVia(client, { name: 'watched', role: 'viewer' });
  const before = (await listTokens()).tokens.find((x) => x.name === 'watched');
  assert.equal(before?.lastUsedAt, null);
  assert.equal((await me(t.token)).status, 200);
  const { text, tokens } = await listTokens();
  assert.equal(tokens.find((x) => x.name === 'watched')?.lastUsedAt, new Date(clock.now()).toISOString());
  for (const token of tokens) {
    assert.deepEqual(Object.keys(token).sort(), [
      'createdAt',
      'expiresAt',
      'id',
      'lastUsedAt',
      'name',
      'revokedAt',
      'role',
      'team',
    ]);
  }
  for (const secret of [t.token, hashToken(t.token), api.token, hashToken(api.token)]) {
    assert.ok(!text.includes(secret), 'a token value or its hash is in the list');
  }
});

/**
 * No one grants more than they hold. Each action touches a token or user of the given role:
 * creating it, granting it, demoting it from that role, revoking it, removing it from the team,
 * issuing its password reset.
 *
 *                   role touched:  owner  admin  operator  viewer
 *   by an owner                    ok     ok     ok        ok
 *   by an admin                    403    ok     ok        ok
 */
const ALLOWED: Record<'owner' | 'admin', Record<Role, boolean>> = {
  owner: { owner: true, admin: true, operator: true, viewer: true },
  admin: { owner: false, admin: true, operator: true, viewer: true },
};

type Action = (n: number, role: Role) => Promise<Req>;
const victim = async (n: number, role: Role) =>
  (await createUserVia(client, { email: `victim-${n}@example.com`, role })).email;
const ACTIONS: Record<string, Action> = {
  'create a token': (n, role) =>
    Promise.resolve({ method: 'POST', url: `${API}/tokens`, body: { name: `made-${n}`, role } }),
  'create a user': (n, role) =>
    Promise.resolve({ method: 'POST', url: `${API}/users`, body: { email: `made-${n}@example.com`, role } }),
  'grant the role': async (n, role) => ({
    method: 'PUT',
    url: `${API}/users/${await victim(n, 'viewer')}/memberships/default`,
    body: { role },
  }),
  'demote from the role': async (n, role) => ({
    method: 'PUT',
    url: `${API}/users/${await victim(n, role)}/memberships/default`,
    body: { role: 'viewer' },
  }),
  'revoke a token': async (n, role) => ({
    method: 'DELETE',
    url: `${API}/tokens/${(await createTokenVia(client, { name: `doomed-${n}`, role })).name}?team=default`,
  }),
  'remove from the team': async (n, role) => ({
    method: 'DELETE',
    url: `${API}/users/${await victim(n, role)}/memberships/default`,
  }),
  'reset the password': async (n, role) => ({
    method: 'POST',
    url: `${API}/users/${await victim(n, role)}/password-reset`,
  }),
};

test('owners and admins may hand out and touch roles up to their own, never above', async (t) => {
  const granters: { label: string; role: 'owner' | 'admin'; token: string }[] = [];
  for (const role of ['owner', 'admin'] as const) {
    granters.push({
      label: `${role} token`,
      role,
      token: (await createTokenVia(client, { name: `g-${role}`, role })).token,
    });
    const user = await sessionUser(client, { email: `g-${role}@example.com`, role });
    granters.push({ label: `${role} user`, role, token: user.token });
  }
  let n = 0;
  for (const granter of granters) {
    for (const [action, build] of Object.entries(ACTIONS)) {
      for (const role of ROLES) {
        const allowed = ALLOWED[granter.role][role];
        await t.test(`${granter.label}: ${action} ${role}: ${allowed ? 'ok' : '403'}`, async () => {
          const req = { ...(await build((n += 1), role)), token: granter.token };
          const before = api.db.take();
          const seq = (await api.store.audit.last())?.seq ?? 0;
          const res = await client.send(req);
          const rows = await api.store.audit.list({ afterSeq: seq, limit: 10 });
          if (allowed) {
            assert.ok(res.status >= 200 && res.status < 300, `${res.status}: ${res.text}`);
            // One row, and a second (in no team) when a new account was made.
            assert.deepEqual(
              rows.filter((r) => r.action !== 'account.create').map((r) => r.outcome),
              ['ok'],
            );
            return;
          }
          expectProblem(res, 403, 'FORBIDDEN');
          assertSameDb(before, api.db.take(), `${action} ${role} as ${granter.label}`);
          assert.deepEqual(
            rows.map((r) => [r.outcome, r.requestId]),
            [['denied', res.headers['x-request-id']]],
          );
        });
      }
    }
  }
});
