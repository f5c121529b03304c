import assert from 'node:assert/strict';
import { API } from './http.js';
import { createUserVia, loginAs, PASSWORD } from './principals.js';
import { GHOST_TEAM, send, teamBody } from './rbac-calls.js';
import type { Scenario } from './rbac-scenarios.js';

/** The RBAC matrix's calls on users, their sessions, memberships and invitations (see rbac-scenarios.ts). */

const membership = (body?: unknown): Scenario => ({
  async own(w, { n }) {
    const user = await createUserVia(w.client, { email: `member-${n}@a.example`, role: 'viewer' });
    return { params: { user: user.email, team: 'default' }, ...(body !== undefined && { body }) };
  },
  async otherFresh(w, { n }) {
    const input = { email: `member-${n}@b.example`, role: 'viewer' as const, team: w.teamB.name };
    const user = await createUserVia(w.client, input, w.bOwner.token);
    return { params: { user: user.email, team: w.teamB.name }, ...(body !== undefined && { body }) };
  },
  other: (w) => ({
    call: { params: { user: w.bUser.email, team: w.teamB.name }, ...(body !== undefined && { body }) },
    ghost: { params: { user: w.bUser.email, team: GHOST_TEAM }, ...(body !== undefined && { body }) },
    swap: [w.teamB.name, GHOST_TEAM],
  }),
});

/**
 * The caller's own invitation: a user is invited into a fresh team by root (an installation
 * owner); a token has none, so it names team B. Team B has a pending invitation of someone else,
 * which no actor can accept: B answers as a team that does not exist.
 */
function invitationCall(): Scenario {
  return {
    async own(w, { n, actor }) {
      if (actor.email === null) return { params: { team: w.teamB.name } };
      const team = `inv-${n}`;
      const created = await w.client.send({
        method: 'POST',
        url: `${API}/teams`,
        body: { name: team },
        token: w.root.token,
      });
      assert.equal(created.status, 201, created.text);
      const invited = await w.client.send({
        method: 'PUT',
        url: `${API}/users/${actor.email}/memberships/${team}`,
        body: { role: 'viewer' },
        token: w.root.token,
      });
      assert.equal(invited.status, 202, invited.text);
      return { params: { team } };
    },
    other: (w) => ({
      call: { params: { team: w.teamB.name } },
      ghost: { params: { team: GHOST_TEAM } },
      swap: [w.teamB.name, GHOST_TEAM],
    }),
  };
}

export const ACCOUNT_SCENARIOS: Record<string, Scenario> = {
  login: { own: (w) => ({ body: { email: w.loginEmail, password: PASSWORD } }) },
  setPassword: {
    async own(w, { n }) {
      const user = await createUserVia(w.client, { email: `setup-${n}@a.example`, role: 'viewer' });
      assert.ok(user.setup, 'a user without a password gets a setup token');
      return { body: { token: user.setup, password: PASSWORD } };
    },
  },
  setupStatus: { own: () => ({}) },
  setupFirstOwner: {
    own: () => ({ body: { token: 'setup_unknown', email: 'first@a.example', password: PASSWORD } }),
  },
  logout: {
    async own(w, { actor }) {
      // A user logs out of a session of its own, so its main session serves the later cells.
      return actor.email === null ? {} : { token: (await loginAs(w.client, actor.email)).token };
    },
    async check(_res, w, { actor }) {
      const me = await send(w, 'GET', '/me', actor.token);
      assert.equal(me.status, 200, 'the session used for the other cells still works');
    },
  },
  whoami: {
    own: () => ({}),
    check(res, _w, { actor }) {
      const me = res.json as { kind: string; memberships: { team: string }[]; installationOwner: boolean };
      assert.equal(me.kind, actor.kind);
      // What it holds in A (a user may also have joined a team of an invitation cell: inv-N).
      assert.deepEqual(
        me.memberships.filter((m) => !m.team.startsWith('inv-')),
        [{ team: 'default', role: actor.role }],
        'what it holds',
      );
      assert.equal(me.installationOwner, actor.role === 'owner');
    },
  },
  listUsers: { own: () => ({}), other: 'same' },
  createUser: teamBody((n) => ({ email: `new-${n}@a.example`, role: 'viewer' })),
  grantMembership: membership({ role: 'operator' }),
  revokeMembership: membership(),
  issuePasswordReset: {
    async own(w, { n }) {
      const user = await createUserVia(w.client, { email: `reset-${n}@a.example`, role: 'viewer' });
      return { params: { user: user.email } };
    },
    other: (w) => ({
      call: { params: { user: w.bUser.email } },
      ghost: { params: { user: 'ghost@b.example' } },
      swap: [w.bUser.email, 'ghost@b.example'],
    }),
  },
  listInvitations: { own: () => ({}) },
  acceptInvitation: invitationCall(),
  declineInvitation: invitationCall(),
  listTeamInvitations: {
    own: () => ({ params: { team: 'default' } }),
    other: (w) => ({
      call: { params: { team: w.teamB.name } },
      ghost: { params: { team: GHOST_TEAM } },
      swap: [w.teamB.name, GHOST_TEAM],
    }),
  },
};
