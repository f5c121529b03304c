// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { AuditRow } from '@berth/store';
import { startTestApi, type TestApi } from './test-support/api.js';
import { API, createClient, expectProblem, type Client, type Req, type Res } from './test-support/http.js';
import { createUserVia, loginAs, PASSWORD, sessionUser } from './test-support/principals.js';

/**
 * The account takeover of issue 8, step by step, as the admin of another team would try it:
 * invite the installation owner into its team, read its other memberships, reset its password,
 * log in as it. Every step fails, and no answer tells an account in another team from an email
 * with no account at all.
 */

let api: TestApi;
let client: Client;
/** An owner of the default team: the installation owner, with a password. */
let owner: { email: string; token: string };
/** The admin of team gamma, the attacker. */
let gadmin: { email: string; token: string };
/** A member of team delta only. */
const CAROL = 'carol@delta.example';

const send = (req: Omit<Req, 'url'> & { path: string }): Promise<Res> =>
  client.send({ ...req, url: `${API}${req.path}` });

async function team(name: string): Promise<void> {
  const res = await send({ method: 'POST', path: '/teams', body: { name } });
  assert.equal(res.status, 201, res.text);
}

before(async () => {
  api = await startTestApi({ inMemory: true });
  client = createClient(api);
  owner = await sessionUser(client, { email: 'owner@corp.example', role: 'owner' });
  await team('gamma');
  await team('delta');
  gadmin = await sessionUser(client, { email: 'gadmin@gamma.example', role: 'admin', team: 'gamma' });
  await createUserVia(client, { email: CAROL, role: 'operator', team: 'delta', password: PASSWORD });
});
after(() => api.close());

/** The parts of an answer that may differ between two emails: the email, times and tokens. */
function normalized(res: Res, email: string): unknown {
  return {
    status: res.status,
    body: res.text
      .replaceAll(email, '<email>')
      .replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, '<time>')
      .replace(/bot_[A-Za-z0-9_-]{43}/g, '<token>')
      .replace(/req_[0-9a-f]{16}/g, '<request>'),
  };
}

/** The rows of the log that the gamma admin can read, since `seq`. */
async function gammaRows(seq: number): Promise<AuditRow[]> {
  const res = await send({ method: 'GET', path: `/audit?after=${seq}&limit=1000`, token: gadmin.token });
  assert.equal(res.status, 200, res.text);
  return (res.json as { rows: AuditRow[] }).rows;
}

const lastSeq = async (): Promise<number> => (await api.store.audit.last())?.seq ?? 0;

const me = async (token: string): Promise<{ memberships: { team: string; role: string }[] }> => {
  const res = await send({ method: 'GET', path: '/me', token });
  assert.equal(res.status, 200, res.text);
  return res.json as { memberships: { team: string; role: string }[] };
};

test('adding the installation owner to gamma is an invitation: nothing changes until it accepts', async () => {
  const res = await send({
    method: 'PUT',
    path: `/users/${owner.email}/memberships/gamma`,
    body: { role: 'admin' },
    token: gadmin.token,
  });
  assert.equal(res.status, 202, res.text);
  assert.deepEqual(Object.keys(res.json as object).sort(), [
    'createdAt',
    'email',
    'expiresAt',
    'invitedBy',
    'role',
    'team',
  ]);
  assert.ok(!res.text.includes('default'), 'nothing of its other teams');
  assert.deepEqual((await me(owner.token)).memberships, [{ team: 'default', role: 'owner' }]);
  const users = await send({ method: 'GET', path: '/users', token: gadmin.token });
  assert.ok(!users.text.includes(owner.email), 'not a member of gamma, so not listed');
  const pending = await send({ method: 'GET', path: '/teams/gamma/invitations', token: gadmin.token });
  assert.ok(pending.text.includes(owner.email) && !pending.text.includes('default'), pending.text);
});

test('the invitation cannot be accepted by anyone but the invited account', async () => {
  for (const token of [gadmin.token, api.token]) {
    const res = await send({ method: 'POST', path: '/invitations/gamma/accept', body: {}, token });
    expectProblem(res, 404, 'INVITATION_NOT_FOUND');
  }
  assert.deepEqual((await me(owner.token)).memberships, [{ team: 'default', role: 'owner' }]);
});

test('a password reset of an account in another team is a 404, as for an email with no account', async () => {
  const seq = await lastSeq();
  const victim = await send({
    method: 'POST',
    path: `/users/${owner.email}/password-reset`,
    token: gadmin.token,
  });
  const ghost = await send({
    method: 'POST',
    path: '/users/ghost@corp.example/password-reset',
    token: gadmin.token,
  });
  expectProblem(victim, 404, 'USER_NOT_FOUND');
  assert.deepEqual(normalized(victim, owner.email), normalized(ghost, 'ghost@corp.example'));
  assert.deepEqual(await gammaRows(seq), [], 'neither is in the log gamma can read');
  const all = await api.store.audit.list({ afterSeq: seq, limit: 10 });
  assert.deepEqual(
    all.map((r) => [r.action, r.actorName, r.outcome, r.teamId]),
    [
      ['user.password-reset', gadmin.email, 'denied', null],
      ['user.password-reset', gadmin.email, 'failed', null],
    ],
    'the installation owner sees both attempts',
  );
});

test('creating the account anew gives a setup token that opens nothing', async () => {
  const res = await send({
    method: 'POST',
    path: '/users',
    body: { email: owner.email, role: 'viewer', team: 'gamma' },
    token: gadmin.token,
  });
  assert.equal(res.status, 201, res.text);
  const { setup } = res.json as { setup: { token: string } };
  const set = await send({
    method: 'POST',
    path: '/password',
    body: { token: setup.token, password: 'the attacker chose this' },
    token: null,
  });
  expectProblem(set, 400, 'TOKEN_INVALID');
  const login = await loginAs(client, owner.email);
  assert.equal(login.res.status, 201, 'its own password still works');
  const attacker = await send({
    method: 'POST',
    path: '/sessions',
    body: { email: owner.email, password: 'the attacker chose this' },
    token: null,
  });
  expectProblem(attacker, 401, 'INVALID_CREDENTIALS');
});

test('once the owner accepts, gamma sees gamma only, and still cannot reset it, even as gamma owner', async () => {
  const accepted = await send({
    method: 'POST',
    path: '/invitations/gamma/accept',
    body: {},
    token: owner.token,
  });
  assert.equal(accepted.status, 200, accepted.text);
  const users = await send({ method: 'GET', path: '/users', token: gadmin.token });
  const listed = (users.json as { users: { email: string; memberships: unknown[] }[] }).users.find(
    (u) => u.email === owner.email,
  );
  assert.deepEqual(listed?.memberships, [{ team: 'gamma', role: 'viewer' }], 'its gamma membership only');
  const reset = await send({
    method: 'POST',
    path: `/users/${owner.email}/password-reset`,
    token: gadmin.token,
  });
  expectProblem(reset, 403, 'FORBIDDEN');
  // Made owner of gamma by the installation: still not an owner of every team the account is in.
  const promoted = await send({
    method: 'PUT',
    path: `/users/${gadmin.email}/memberships/gamma`,
    body: { role: 'owner' },
  });
  assert.equal(promoted.status, 200, promoted.text);
  const again = await send({
    method: 'POST',
    path: `/users/${owner.email}/password-reset`,
    token: gadmin.token,
  });
  expectProblem(again, 403, 'FORBIDDEN');
  // Within gamma it is gamma's member: its role there may change, and the answer shows gamma only.
  const role = await send({
    method: 'PUT',
    path: `/users/${owner.email}/memberships/gamma`,
    body: { role: 'operator' },
    token: gadmin.token,
  });
  assert.equal(role.status, 200, role.text);
  assert.deepEqual((role.json as { memberships: unknown[] }).memberships, [
    { team: 'gamma', role: 'operator' },
  ]);
  // Removed from gamma: its sessions and its other teams are untouched.
  const removed = await send({
    method: 'DELETE',
    path: `/users/${owner.email}/memberships/gamma`,
    token: gadmin.token,
  });
  assert.equal(removed.status, 204, removed.text);
  assert.deepEqual((await me(owner.token)).memberships, [{ team: 'default', role: 'owner' }]);
});

test('an owner of every team of an account, or an installation owner, may reset it', async () => {
  const only = await send({ method: 'POST', path: `/users/${CAROL}/password-reset` });
  assert.equal(only.status, 201, 'the admin token: an installation owner');
  const dOwner = await sessionUser(client, { email: 'downer@delta.example', role: 'owner', team: 'delta' });
  const byOwner = await send({ method: 'POST', path: `/users/${CAROL}/password-reset`, token: dOwner.token });
  assert.equal(byOwner.status, 201, 'the owner of its only team');
});

test('unknown and foreign emails are answered alike, and logged alike where gamma can read', async () => {
  // Carol: an account in delta only. Owner: the installation owner. Nobody: no account.
  for (const foreign of [CAROL, owner.email]) {
    const nobody = `nobody-${foreign.split('@')[0] ?? ''}@corp.example`;
    const steps: { name: string; req: (email: string) => Omit<Req, 'url'> & { path: string } }[] = [
      {
        name: 'invite',
        req: (e) => ({ method: 'PUT', path: `/users/${e}/memberships/gamma`, body: { role: 'viewer' } }),
      },
      {
        name: 'invite again, as operator',
        req: (e) => ({ method: 'PUT', path: `/users/${e}/memberships/gamma`, body: { role: 'operator' } }),
      },
      {
        name: 'create',
        req: (e) => ({ method: 'POST', path: '/users', body: { email: e, role: 'viewer', team: 'gamma' } }),
      },
      {
        name: 'create with a password',
        req: (e) => ({
          method: 'POST',
          path: '/users',
          body: { email: e, role: 'viewer', team: 'gamma', password: PASSWORD },
        }),
      },
      { name: 'reset', req: (e) => ({ method: 'POST', path: `/users/${e}/password-reset` }) },
      { name: 'withdraw', req: (e) => ({ method: 'DELETE', path: `/users/${e}/memberships/gamma` }) },
      { name: 'withdraw again', req: (e) => ({ method: 'DELETE', path: `/users/${e}/memberships/gamma` }) },
      { name: 'reset', req: (e) => ({ method: 'POST', path: `/users/${e}/password-reset` }) },
    ];
    for (const step of steps) {
      const seqA = await lastSeq();
      const a = await send({ ...step.req(foreign), token: gadmin.token });
      const rowsA = await gammaRows(seqA);
      const seqB = await lastSeq();
      const b = await send({ ...step.req(nobody), token: gadmin.token });
      const rowsB = await gammaRows(seqB);
      assert.deepEqual(
        normalized(a, foreign),
        normalized(b, nobody),
        `${step.name}: ${foreign} vs ${nobody}`,
      );
      const shape = (rows: AuditRow[], email: string) =>
        rows.map((r) => [r.action, r.outcome, r.target?.replace(email, '<email>'), r.detail]);
      assert.deepEqual(shape(rowsA, foreign), shape(rowsB, nobody), `${step.name}: gamma's log`);
    }
    const list = await send({ method: 'GET', path: '/users', token: gadmin.token });
    assert.ok(!list.text.includes(foreign) && !list.text.includes(nobody), 'neither is a member of gamma');
  }
});
