import assert from 'node:assert/strict';
import { verifyAuditChain, type ChainedAuditRecord } from '@berth/core';
import { sha3_256Hex } from '@berth/crypto';
import type { ApiToken, Invitation, User } from '@berth/protocol';
import { API } from './http.js';
import { createTokenVia, createUserVia, loginAs, PASSWORD } from './principals.js';
import { get, live, named, ndjsonLines, type Ctx, type RouteCase } from './route-cases.js';

/** Cases for accounts, tenancy, secrets, keys and audit: see route-cases.ts (logging in: route-cases-identity.ts). */

const email = (c: Ctx): string => `${c.name}@example.com`;
const status = async (c: Ctx, token: string): Promise<number> =>
  (await c.client.send({ method: 'GET', url: `${API}/me`, token })).status;
const userIn = async (c: Ctx): Promise<User | undefined> =>
  ((await get(c, '/users')) as { users: User[] }).users.find((u) => u.email === email(c));
const keys = async (c: Ctx) =>
  ((await get(c, '/keys')) as { keys: { id: string; current: boolean; inUse: number }[] }).keys;
const withSecret = async (c: Ctx): Promise<Record<string, string>> => {
  const params = await live(c);
  const res = await c.client.send({
    method: 'PATCH',
    url: `${API}/apps/${c.name}/secrets`,
    body: { set: { API_KEY: `${c.name}-plaintext` } },
  });
  assert.equal(res.status, 200, res.text);
  return params;
};

/** A fresh team (made by the admin token) that invites `address`; its name goes to c.vars.team. */
async function invite(c: Ctx, address: string, role: string): Promise<void> {
  const team = `${c.name.slice(0, 20)}-team`;
  const made = await c.client.send({ method: 'POST', url: `${API}/teams`, body: { name: team } });
  assert.equal(made.status, 201, made.text);
  const res = await c.client.send({
    method: 'PUT',
    url: `${API}/users/${address}/memberships/${team}`,
    body: { role },
  });
  assert.equal(res.status, 202, res.text);
  c.vars.team = team;
}

export const TRUST_CASES: Record<string, RouteCase> = {
  listUsers: {
    arrange: async (c) => (await createUserVia(c.client, { email: email(c), role: 'operator' }), {}),
    status: 200,
    check: async (_res, c) => {
      const user = await userIn(c);
      assert.deepEqual(
        [user?.hasPassword, user?.memberships],
        [false, [{ team: 'default', role: 'operator' }]],
      );
    },
  },
  createUser: {
    bodyOf: (c) => ({ email: email(c), role: 'operator' }),
    status: 201,
    check: async (res, c) => {
      const { invitation, setup } = res.json as {
        invitation: Invitation;
        setup: { purpose: string; token: string };
      };
      assert.deepEqual(
        [invitation.email, invitation.team, invitation.role, invitation.invitedBy, setup.purpose],
        [email(c), 'default', 'operator', 'admin', 'setup'],
      );
      assert.match(setup.token, /^bot_/);
      assert.deepEqual(
        (await userIn(c))?.memberships,
        [],
        'a member only once the account sets its password',
      );
      const set = await c.client.send({
        method: 'POST',
        url: `${API}/password`,
        body: { token: setup.token, password: PASSWORD },
        token: null,
      });
      assert.equal(set.status, 204, set.text);
      assert.deepEqual((await userIn(c))?.memberships, [{ team: 'default', role: 'operator' }]);
    },
  },
  grantMembership: {
    arrange: async (c) => {
      await createUserVia(c.client, { email: email(c), role: 'viewer' });
      return { user: email(c), team: 'default' };
    },
    body: { role: 'admin' },
    status: 200,
    check: (res) => assert.deepEqual((res.json as User).memberships, [{ team: 'default', role: 'admin' }]),
  },
  listInvitations: {
    arrange: async (c) => {
      await createUserVia(c.client, { email: email(c), role: 'viewer', password: PASSWORD });
      c.token = (await loginAs(c.client, email(c))).token;
      await invite(c, email(c), 'operator');
      return {};
    },
    status: 200,
    check: (res, c) =>
      assert.deepEqual(
        (res.json as { invitations: Invitation[] }).invitations.map((i) => [
          i.team,
          i.email,
          i.role,
          i.invitedBy,
        ]),
        [[c.vars.team, email(c), 'operator', 'admin']],
      ),
  },
  acceptInvitation: {
    arrange: async (c) => {
      await createUserVia(c.client, { email: email(c), role: 'viewer', password: PASSWORD });
      c.token = (await loginAs(c.client, email(c))).token;
      await invite(c, email(c), 'operator');
      return { team: c.vars.team ?? '' };
    },
    status: 200,
    check: async (res, c) => {
      assert.deepEqual(res.json, { team: c.vars.team, role: 'operator' });
      const me = (await get(c, '/me', c.token ?? '')) as { memberships: { team: string }[] };
      assert.ok(
        me.memberships.some((m) => m.team === c.vars.team),
        'a member now',
      );
    },
  },
  declineInvitation: {
    arrange: async (c) => {
      await createUserVia(c.client, { email: email(c), role: 'viewer', password: PASSWORD });
      c.token = (await loginAs(c.client, email(c))).token;
      await invite(c, email(c), 'operator');
      return { team: c.vars.team ?? '' };
    },
    status: 204,
    check: async (_res, c) => {
      const mine = (await get(c, '/invitations', c.token ?? '')) as { invitations: unknown[] };
      assert.deepEqual(mine.invitations, [], 'gone');
    },
  },
  listTeamInvitations: {
    arrange: async (c) => {
      await invite(c, email(c), 'viewer');
      return { team: c.vars.team ?? '' };
    },
    status: 200,
    check: (res, c) =>
      assert.deepEqual(
        (res.json as { invitations: Invitation[] }).invitations.map((i) => i.email),
        [email(c)],
      ),
  },
  revokeMembership: {
    arrange: async (c) => {
      await createUserVia(c.client, { email: email(c), role: 'viewer' });
      return { user: email(c), team: 'default' };
    },
    status: 204,
    check: async (_res, c) => assert.deepEqual((await userIn(c))?.memberships, [], 'in no team any more'),
  },
  issuePasswordReset: {
    arrange: async (c) => (
      await createUserVia(c.client, { email: email(c), role: 'viewer' }),
      { user: email(c) }
    ),
    status: 201,
    check: async (res, c) => {
      const reset = res.json as { token: string; purpose: string; expiresAt: string };
      assert.equal(reset.purpose, 'reset');
      const set = await c.client.send({
        method: 'POST',
        url: `${API}/password`,
        body: { token: reset.token, password: PASSWORD },
        token: null,
      });
      assert.equal(set.status, 204, set.text);
    },
  },
  createToken: {
    bodyOf: (c) => ({ name: c.name, role: 'operator', expiresInDays: 30 }),
    status: 201,
    check: async (res, c) => {
      const created = res.json as ApiToken & { token: string };
      assert.deepEqual(
        [created.name, created.role, created.team, created.lastUsedAt],
        [c.name, 'operator', 'default', null],
      );
      assert.match(created.token, /^berth_/);
      assert.ok(Date.parse(created.expiresAt ?? '') > Date.now() + 29 * 86_400_000);
      const me = await get(c, '/me', created.token);
      assert.deepEqual(me, {
        kind: 'token',
        name: c.name,
        memberships: [{ team: 'default', role: 'operator' }],
        installationOwner: false,
        csrfToken: null,
      });
    },
  },
  listTokens: {
    query: 'team=default',
    status: 200,
    check: (res) => {
      const tokens = (res.json as { tokens: Record<string, unknown>[] }).tokens;
      assert.ok(tokens.some((t) => t.name === 'admin' && t.role === 'owner'));
      for (const t of tokens)
        assert.deepEqual(
          ['token', 'hash'].filter((k) => k in t),
          [],
          'never a value',
        );
    },
  },
  revokeToken: {
    arrange: async (c) => {
      c.vars.token = (await createTokenVia(c.client, { name: c.name, role: 'viewer' })).token;
      return { name: c.name };
    },
    query: 'team=default',
    status: 204,
    check: async (_res, c) => assert.equal(await status(c, c.vars.token ?? ''), 401),
  },
  createTeam: {
    bodyOf: (c) => ({ name: c.name }),
    status: 201,
    // The admin token holds no role in the new team, but as an installation owner it is its owner.
    check: async (res, c) => {
      assert.deepEqual(
        [(res.json as { name: string }).name, (res.json as { role: string }).role],
        [c.name, 'owner'],
      );
      const tokens = await get(c, `/tokens?team=${c.name}`);
      assert.deepEqual(tokens, { tokens: [] }, 'it manages the team it made');
    },
  },
  listTeams: {
    status: 200,
    check: (res) => {
      const teams = (res.json as { teams: { name: string; role: string }[] }).teams;
      assert.ok(teams.some((t) => t.name === 'default'));
      // The admin token is an installation owner: every team, as its owner.
      assert.deepEqual([...new Set(teams.map((t) => t.role))], ['owner']);
    },
  },
  getTeam: {
    arrange: () => Promise.resolve({ team: 'default' }),
    status: 200,
    check: (res) =>
      assert.deepEqual((res.json as { name: string; settings: unknown }).settings, {
        allowLocalImages: true,
        buildNetwork: 'egress',
      }),
  },
  updateTeamSettings: {
    arrange: () => Promise.resolve({ team: 'default' }),
    body: { buildNetwork: 'none' },
    status: 200,
    check: async (res, c) => {
      const expected = { allowLocalImages: true, buildNetwork: 'none' };
      assert.deepEqual((res.json as { settings: unknown }).settings, expected);
      assert.deepEqual(((await get(c, '/teams/default')) as { settings: unknown }).settings, expected);
      const back = await c.client.send({
        method: 'PATCH',
        url: `${API}/teams/default/settings`,
        body: { buildNetwork: 'egress' },
      });
      assert.equal(back.status, 200, back.text);
    },
  },
  setLocalImages: {
    arrange: async (c) => {
      const res = await c.client.send({ method: 'POST', url: `${API}/teams`, body: { name: c.name } });
      assert.equal(res.status, 201, res.text);
      assert.equal(
        (res.json as { settings: { allowLocalImages: boolean } }).settings.allowLocalImages,
        false,
      );
      return { team: c.name };
    },
    body: { allowed: true },
    status: 200,
    check: async (res, c) => {
      assert.deepEqual((res.json as { settings: unknown }).settings, {
        allowLocalImages: true,
        buildNetwork: 'egress',
      });
      const row = await c.api.store.audit.last();
      assert.deepEqual(
        [row?.action, row?.target, row?.detail],
        ['team.local-images', `team:${c.name}`, { allowLocalImages: true }],
      );
    },
  },
  createProject: {
    bodyOf: (c) => ({ name: c.name }),
    status: 201,
    check: (res, c) =>
      assert.deepEqual(
        [(res.json as { name: string; team: string }).name, (res.json as { team: string }).team],
        [c.name, 'default'],
      ),
  },
  listProjects: {
    query: 'team=default',
    status: 200,
    check: (res) =>
      assert.ok((res.json as { projects: { name: string }[] }).projects.some((p) => p.name === 'default')),
  },
  listSecrets: {
    arrange: withSecret,
    status: 200,
    check: (res, c) => {
      assert.deepEqual(
        (res.json as { secrets: { key: string }[] }).secrets.map((s) => s.key),
        ['API_KEY'],
      );
      assert.ok(!res.text.includes(`${c.name}-plaintext`), 'never a value');
    },
  },
  patchSecrets: {
    arrange: live,
    bodyOf: (c) => ({ set: { DB_PASSWORD: `${c.name}-plaintext` } }),
    status: 200,
    check: (res, c) => {
      const body = res.json as { secrets: { key: string }[]; deployment: { kind: string } };
      assert.deepEqual([body.secrets.map((s) => s.key), body.deployment.kind], [['DB_PASSWORD'], 'secrets']);
      assert.ok(!res.text.includes(`${c.name}-plaintext`), 'never a value');
    },
  },
  listKeys: {
    status: 200,
    check: (res) => {
      const list = res.json as { keys: { current: boolean }[]; fromEnvironment: boolean };
      assert.deepEqual([list.keys.filter((k) => k.current).length, list.fromEnvironment], [1, false]);
    },
  },
  rotateKeys: {
    arrange: withSecret,
    status: 200,
    check: async (res, c) => {
      const rotated = res.json as { current: string; previous: string; resealed: number };
      assert.notEqual(rotated.current, rotated.previous);
      assert.ok(rotated.resealed >= 1, 'the secret was re-sealed');
      const now = await keys(c);
      assert.deepEqual(now.find((k) => k.current)?.id, rotated.current);
      assert.equal(now.find((k) => k.id === rotated.previous)?.inUse, 0, 'nothing sealed with the old key');
    },
  },
  retireKey: {
    arrange: async (c) => {
      const res = await c.client.send({ method: 'POST', url: `${API}/keys/rotate` });
      assert.equal(res.status, 200, res.text);
      c.vars.id = (res.json as { previous: string }).previous;
      return { id: c.vars.id };
    },
    status: 204,
    check: async (_res, c) =>
      assert.ok(!(await keys(c)).some((k) => k.id === c.vars.id), 'gone from the key file'),
  },
  listAudit: {
    arrange: (c) => named(c),
    query: 'limit=5',
    status: 200,
    check: (res) => {
      const rows = (res.json as { rows: { seq: number }[] }).rows;
      assert.deepEqual(
        rows.map((r) => r.seq),
        [1, 2, 3, 4, 5],
        'oldest first, as many as asked',
      );
    },
  },
  exportAudit: {
    arrange: (c) => named(c),
    status: 200,
    check: (res) => {
      const lines = ndjsonLines(res);
      assert.deepEqual(
        lines.slice(0, 2).map((l) => l.type),
        ['key', 'head'],
        'the public key, then the signed head',
      );
      const rows = lines.filter((l) => !('type' in l)) as unknown as ChainedAuditRecord[];
      const verdict = verifyAuditChain(rows, sha3_256Hex);
      assert.ok(verdict.ok && verdict.checked === rows.length && rows.length > 1, JSON.stringify(verdict));
    },
  },
  verifyAudit: {
    arrange: (c) => named(c),
    status: 200,
    check: (res) => {
      const v = res.json as { ok: boolean; checked: number; anchoredSeq: number; notes: string[] };
      assert.deepEqual([v.ok, v.anchoredSeq, v.notes], [true, v.checked, []], res.text);
    },
  },
};
