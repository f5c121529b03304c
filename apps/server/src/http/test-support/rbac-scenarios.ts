import assert from 'node:assert/strict';
import { webhookSignature } from '@berth/crypto';
import { createApp, tarOf, UNKNOWN_DEPLOYMENT } from './fixtures.js';
import { API, type Res } from './http.js';
import { createTokenVia, createUserVia, loginAs, PASSWORD } from './principals.js';
import type { Actor, World } from './rbac-world.js';
import { addServerVia, claimedServerVia, joinBody, joinedServerVia } from './servers.js';
import { DOMAIN_SCENARIOS } from './rbac-scenarios-domains.js';

/**
 * For each operation: the request a cell of the RBAC matrix sends on team A's target (made
 * fresh for each cell when the call destroys it), the same on team B's target, and the same
 * naming something that does not exist (B's answer must not differ from it). Setup is done by
 * the bootstrap owner token of A, so a refused actor meets exactly the state an allowed one would.
 */

export interface Call {
  params?: Record<string, string>;
  query?: string;
  body?: unknown;
  /** Bytes sent as they are, typed by `headers`. */
  raw?: Buffer;
  headers?: Record<string, string>;
  /** Instead of the actor's token (null: none). */
  token?: string | null;
}

export interface Cell {
  /** Unique per cell, for fresh names. */
  n: number;
  actor: Actor;
}

export interface OtherCall {
  call: Call;
  /** The same request naming nothing that exists. */
  ghost: Call;
  /** What `call` names of team B, and what `ghost` names instead. */
  swap: [string, string];
}

export interface Scenario {
  own(w: World, cell: Cell): Promise<Call> | Call;
  /** Absent: no target in a team. `same`: a list, asked the same way. */
  other?: 'same' | ((w: World) => OtherCall);
  /**
   * A fresh target in B for a cell allowed there (an installation owner), when the call uses up
   * or clashes with its target (a delete, a create of a name); `other` serves the refused cells.
   */
  otherFresh?(w: World, cell: Cell): Promise<Call> | Call;
  /** What an allowed call's answer must show beyond its status. */
  check?(res: Res, w: World, cell: Cell): Promise<void> | void;
}

const GHOST_TEAM = 'ghost-team';
const appCall = (extra: Omit<Call, 'params'> = {}): Scenario => ({
  own: (w) => ({ params: { app: w.appA.name }, ...extra }),
  other: (w) => ({
    call: { params: { app: w.appB.name }, ...extra },
    ghost: { params: { app: 'ghost-app' }, ...extra },
    swap: [w.appB.name, 'ghost-app'],
  }),
});
/** A call on A's or B's app built from git (build #1 exists in both). */
const srcCall = (extra: Omit<Call, 'params'> = {}, number = true): Scenario => {
  const params = (app: string): Record<string, string> => ({ app, ...(number && { number: '1' }) });
  return {
    own: (w) => ({ params: params(w.srcA), ...extra }),
    other: (w) => ({
      call: { params: params(w.srcB), ...extra },
      ghost: { params: params('ghost-app'), ...extra },
      swap: [w.srcB, 'ghost-app'],
    }),
  };
};
const deploymentCall = (query?: string): Scenario => ({
  own: (w) => ({ params: { id: w.appA.deployments[1] ?? '' }, ...(query && { query }) }),
  other: (w) => {
    const id = w.appB.deployments[1] ?? '';
    return {
      call: { params: { id }, ...(query && { query }) },
      ghost: { params: { id: UNKNOWN_DEPLOYMENT }, ...(query && { query }) },
      swap: [id, UNKNOWN_DEPLOYMENT],
    };
  },
});
/** A create whose body names the team. */
const teamBody = (body: (n: number) => Record<string, unknown>): Scenario => ({
  own: (_w, { n }) => ({ body: { ...body(n), team: 'default' } }),
  otherFresh: (w, { n }) => ({ body: { ...body(n), team: w.teamB.name } }),
  other: (w) => ({
    call: { body: { ...body(0), team: w.teamB.name } },
    ghost: { body: { ...body(0), team: GHOST_TEAM } },
    swap: [w.teamB.name, GHOST_TEAM],
  }),
});
const teamQuery = (own: Scenario['own'], params: (w: World) => Record<string, string> = () => ({})) => ({
  own,
  other: (w: World): OtherCall => ({
    call: { params: params(w), query: `team=${w.teamB.name}` },
    ghost: { params: params(w), query: `team=${GHOST_TEAM}` },
    swap: [w.teamB.name, GHOST_TEAM],
  }),
});
/** A call naming the team in the path: `default`, or B. */
const teamParam = (body?: unknown): Scenario => ({
  own: () => ({ params: { team: 'default' }, ...(body !== undefined && { body }) }),
  other: (w) => ({
    call: { params: { team: w.teamB.name }, ...(body !== undefined && { body }) },
    ghost: { params: { team: GHOST_TEAM }, ...(body !== undefined && { body }) },
    swap: [w.teamB.name, GHOST_TEAM],
  }),
});
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

async function send(w: World, method: 'GET' | 'POST', path: string, token?: string): Promise<Res> {
  return w.client.send({ method, url: `${API}${path}`, ...(token !== undefined && { token }) });
}

export const SCENARIOS: Record<string, Scenario> = {
  health: { own: () => ({}) },
  login: { own: (w) => ({ body: { email: w.loginEmail, password: PASSWORD } }) },
  setPassword: {
    async own(w, { n }) {
      const user = await createUserVia(w.client, { email: `setup-${n}@a.example`, role: 'viewer' });
      assert.ok(user.setup, 'a user without a password gets a setup token');
      return { body: { token: user.setup, password: PASSWORD } };
    },
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
  listServers: { own: () => ({}) },
  getServer: {
    async own(w, { n }) {
      await joinedServerVia(w.client, `get-${n}`, w.root.token);
      return { params: { name: `get-${n}` } };
    },
  },
  createServer: { own: (_w, { n }) => ({ body: { name: `add-${n}` } }) },
  removeServer: {
    async own(w, { n }) {
      await joinedServerVia(w.client, `rm-${n}`, w.root.token);
      return { params: { name: `rm-${n}` } };
    },
  },
  approveServer: {
    async own(w, { n }) {
      await claimedServerVia(w.client, `claimed-${n}`, w.root.token);
      return { params: { name: `claimed-${n}` } };
    },
  },
  drainServer: {
    async own(w, { n }) {
      await joinedServerVia(w.client, `drain-${n}`, w.root.token);
      return { params: { name: `drain-${n}` } };
    },
  },
  undrainServer: {
    async own(w, { n }) {
      await joinedServerVia(w.client, `undrain-${n}`, w.root.token);
      return { params: { name: `undrain-${n}` } };
    },
  },
  getProxyHistory: {
    async own(w, { n }) {
      await joinedServerVia(w.client, `proxy-${n}`, w.root.token);
      return { params: { name: `proxy-${n}` } };
    },
  },
  rollbackProxy: {
    async own(w, { n }) {
      await joinedServerVia(w.client, `proxy-back-${n}`, w.root.token);
      return { params: { name: `proxy-back-${n}` }, body: { version: 1 } };
    },
  },
  patchServerLabels: {
    async own(w, { n }) {
      await joinedServerVia(w.client, `labels-${n}`, w.root.token);
      return { params: { name: `labels-${n}` }, body: { set: { zone: 'b' } } };
    },
  },
  joinServer: {
    async own(w, { n }) {
      const added = await addServerVia(w.client, `join-${n}`, w.root.token);
      return { body: joinBody(added.token), token: null };
    },
  },
  listApps: {
    own: () => ({}),
    other: 'same',
    check: (res, w) =>
      assert.deepEqual(
        (res.json as { apps: { name: string }[] }).apps.map((a) => a.name).filter((n) => n === w.appA.name),
        [w.appA.name],
      ),
  },
  createApp: teamBody((n) => ({ name: `new-${n}`, image: 'nginx:1.27' })),
  getApp: appCall(),
  updateApp: appCall({ body: { port: 8081 } }),
  deleteApp: {
    ...appCall(),
    own: async (w, { n }) => ({ params: { app: (await createApp(w.client, `del-${n}`)).name } }),
    otherFresh: async (w, { n }) => ({
      params: { app: (await createApp(w.client, `del-${n}`, { team: w.teamB.name }, w.bOwner.token)).name },
    }),
  },
  listDeployments: appCall(),
  deployApp: appCall({ body: {} }),
  rollbackApp: appCall({ body: {} }),
  restartApp: appCall({ body: {} }),
  execApp: appCall({ query: 'cmd=hostname' }),
  getDeployment: deploymentCall(),
  streamDeploymentEvents: deploymentCall('follow=false'),
  getEnv: appCall(),
  patchEnv: appCall({ body: { set: { A_ENV: 'changed' } } }),
  scaleApp: appCall({ body: { replicas: 2 } }),
  listReleases: appCall(),
  streamLogs: appCall({ query: 'tail=1' }),
  listSecrets: appCall(),
  patchSecrets: appCall({ body: { set: { ROLE_SECRET: 'role-secret-value' } } }),
  listAudit: {
    own: (w) => ({ query: `after=${w.bFirstAuditSeq - 1}&limit=1000` }),
    other: 'same',
    check(res, w, { actor }) {
      const teams = new Set((res.json as { rows: { teamId: string | null }[] }).rows.map((r) => r.teamId));
      if (actor.role === 'owner') assert.ok(teams.has(w.teamB.id), 'the installation owner reads every row');
      else if (actor.role === 'admin') assert.deepEqual([...teams], [w.api.defaultTeamId], 'its team only');
      else assert.equal(teams.size, 0, 'no audit:read, no rows');
    },
  },
  exportAudit: { own: () => ({}) },
  listKeys: { own: () => ({}) },
  rotateKeys: { own: () => ({}) },
  retireKey: {
    async own(w) {
      const res = await send(w, 'POST', '/keys/rotate');
      assert.equal(res.status, 200, res.text);
      return { params: { id: (res.json as { previous: string }).previous } };
    },
  },
  createTeam: { own: (_w, { n }) => ({ body: { name: `team-${n}` } }) },
  listTeams: {
    own: () => ({}),
    other: 'same',
    check(res, w, { actor }) {
      const teams = (res.json as { teams: { name: string; role: string }[] }).teams;
      assert.ok(teams.some((t) => t.name === 'default' && t.role === actor.role));
      // An installation owner manages every team, as its owner.
      if (actor.role === 'owner') assert.ok(teams.some((t) => t.name === w.teamB.name && t.role === 'owner'));
      else assert.ok(!teams.some((t) => t.name === w.teamB.name));
    },
  },
  getTeam: teamParam(),
  updateTeamSettings: teamParam({ buildNetwork: 'egress' }),
  setLocalImages: { own: () => ({ params: { team: 'default' }, body: { allowed: true } }) },
  createProject: teamBody((n) => ({ name: `prj-${n}` })),
  listProjects: teamQuery(() => ({ query: 'team=default' })),
  listTokens: teamQuery(() => ({ query: 'team=default' })),
  createToken: teamBody((n) => ({ name: `tok-${n}`, role: 'viewer' })),
  revokeToken: {
    ...teamQuery(
      async (w, { n }) => {
        const victim = await createTokenVia(w.client, { name: `victim-${n}`, role: 'viewer' });
        return { params: { name: victim.name }, query: 'team=default' };
      },
      (w) => ({ name: w.bOwner.name }),
    ),
    async otherFresh(w, { n }) {
      const input = { name: `victim-${n}`, role: 'viewer' as const, team: w.teamB.name };
      const victim = await createTokenVia(w.client, input, w.bOwner.token);
      return { params: { name: victim.name }, query: `team=${w.teamB.name}` };
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
  verifyAudit: {
    own: () => ({}),
    check: (res) => assert.equal((res.json as { ok: boolean }).ok, true, res.text),
  },
  listBuilds: srcCall({}, false),
  getBuild: srcCall(),
  streamBuildLog: srcCall({ query: 'follow=false' }),
  cancelBuild: srcCall(),
  deployUpload: srcCall(
    { raw: tarOf({ 'index.html': 'hi\n' }), headers: { 'content-type': 'application/x-tar' } },
    false,
  ),
  getWebhook: srcCall({}, false),
  rotateWebhookSecret: srcCall({}, false),
  githubWebhook: webhookCall('github', { 'x-github-event': 'ping' }),
  genericWebhook: webhookCall('generic', {}),
  bootstrapImages: { own: () => ({ body: { only: ['static'] } }) },
  ...DOMAIN_SCENARIOS,
};

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

/** A delivery to A's source app, signed with its current secret (read as A's owner). */
function webhookCall(kind: 'github' | 'generic', headers: Record<string, string>): Scenario {
  return {
    async own(w) {
      const info = await send(w, 'GET', `/apps/${w.srcA}/webhook`);
      assert.equal(info.status, 200, info.text);
      const raw = Buffer.from(JSON.stringify({ ref: 'refs/heads/elsewhere' }));
      return {
        params: { app: w.srcA },
        raw,
        headers: {
          'content-type': 'application/json',
          'x-hub-signature-256': webhookSignature((info.json as { secret: string }).secret, raw),
          ...headers,
        },
        token: null,
      };
    },
  };
}
