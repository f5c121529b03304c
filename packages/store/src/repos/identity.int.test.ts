// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { appRow, newId, NOW, openTempStore } from '../test-support/fixtures.js';
import { isTaken, rawConnection, userRow } from '../test-support/trust.js';
import type { TokenRow } from '../types.js';

describe('TeamRepo and ProjectRepo', () => {
  it('create, get, list; a taken name is VALIDATION_FAILED on `name`, even from another connection', async () => {
    const env = await openTempStore();
    try {
      const ops = { id: newId('team'), name: 'ops', createdAt: NOW };
      await env.store.teams.create(ops);
      assert.deepEqual(await env.store.teams.get(ops.id), ops);
      assert.deepEqual(await env.store.teams.getByName('ops'), ops);
      assert.equal(await env.store.teams.get('team_nope'), null);
      assert.deepEqual(
        (await env.store.teams.list()).map((t) => t.name),
        ['default', 'ops'],
      );
      const other = await env.reopen();
      await assert.rejects(
        other.teams.create({ ...ops, id: newId('team') }),
        isTaken('name', /team named "ops" already exists/),
      );

      const site = { id: newId('prj'), teamId: ops.id, name: 'site', createdAt: NOW };
      await env.store.projects.create(site);
      // The same name in another team is fine: names are per team.
      const site2 = { ...site, id: newId('prj'), teamId: env.teamId };
      await env.store.projects.create(site2);
      await assert.rejects(
        other.projects.create({ ...site, id: newId('prj') }),
        isTaken('name', /project named "site" already exists/),
      );
      assert.deepEqual(await env.store.projects.get(site.id), site);
      assert.deepEqual(await env.store.projects.getByName(ops.id, 'site'), site);
      assert.equal(await env.store.projects.getByName(ops.id, 'default'), null);
      assert.deepEqual(await env.store.projects.list([ops.id]), [site]);
      assert.deepEqual(await env.store.projects.list([]), []);
      assert.equal((await env.store.projects.list()).length, 3);
    } finally {
      await env.done();
    }
  });

  it("reads an app's team through its project", async () => {
    const env = await openTempStore();
    try {
      const ops = { id: newId('team'), name: 'ops', createdAt: NOW };
      await env.store.teams.create(ops);
      const prj = { id: newId('prj'), teamId: ops.id, name: 'p', createdAt: NOW };
      await env.store.projects.create(prj);
      // A wrong teamId on create is ignored: the project decides.
      const app = appRow({ projectId: prj.id, teamId: 'team_ignored' });
      await env.store.apps.create(app);
      const want = { ...app, teamId: ops.id };
      assert.deepEqual(await env.store.apps.getById(app.id), want);
      assert.deepEqual(await env.store.apps.getByName(app.name), want);
      assert.deepEqual(await env.store.apps.list(), [want]);
      const updated = await env.store.apps.update(app.id, { replicas: 4 }, NOW + 1);
      assert.deepEqual(updated, { ...want, replicas: 4, updatedAt: NOW + 1 });
    } finally {
      await env.done();
    }
  });
});

describe('UserRepo and MembershipRepo', () => {
  it('stores emails lowercased, finds them case-insensitively, refuses a taken one on `email`', async () => {
    const env = await openTempStore();
    try {
      const ada = userRow({ email: 'Ada@Example.COM' });
      await env.store.users.create(ada);
      const stored = { ...ada, email: 'ada@example.com' };
      assert.deepEqual(await env.store.users.get(ada.id), stored);
      assert.deepEqual(await env.store.users.getByEmail('ADA@example.com'), stored);
      assert.equal(await env.store.users.getByEmail('bob@example.com'), null);
      await assert.rejects(
        env.store.users.create(userRow({ email: 'ada@EXAMPLE.com' })),
        isTaken('email', /"ada@example.com" already exists/),
      );
      await env.store.users.setPassword(ada.id, '$argon2id$v=19$x', NOW + 5);
      const bob = userRow({ email: 'bob@example.com' });
      await env.store.users.create(bob);
      assert.deepEqual(await env.store.users.list(), [
        { ...stored, passwordHash: '$argon2id$v=19$x', updatedAt: NOW + 5 },
        bob,
      ]);
    } finally {
      await env.done();
    }
  });

  it('puts (adds or changes the role), lists and removes memberships', async () => {
    const env = await openTempStore();
    try {
      const ada = userRow();
      await env.store.users.create(ada);
      const ops = { id: newId('team'), name: 'ops', createdAt: NOW };
      await env.store.teams.create(ops);
      const m = { userId: ada.id, teamId: env.teamId, role: 'viewer', createdAt: NOW } as const;
      await env.store.memberships.put(m);
      await env.store.memberships.put({ ...m, role: 'admin', createdAt: NOW + 9 });
      await env.store.memberships.put({ ...m, teamId: ops.id, role: 'owner' });
      const inDefault = { ...m, role: 'admin' as const };
      assert.deepEqual(await env.store.memberships.listForTeam(env.teamId), [inDefault]);
      assert.equal((await env.store.memberships.listForUser(ada.id)).length, 2);
      assert.equal(await env.store.memberships.remove(ada.id, ops.id), true);
      assert.equal(await env.store.memberships.remove(ada.id, ops.id), false);
      assert.deepEqual(await env.store.memberships.listForUser(ada.id), [inDefault]);
    } finally {
      await env.done();
    }
  });

  it("deleting a user removes the user's memberships, sessions and one-time tokens", async () => {
    const env = await openTempStore();
    try {
      const ada = userRow();
      const bob = userRow({ email: 'bob@example.com' });
      for (const u of [ada, bob]) {
        await env.store.users.create(u);
        await env.store.memberships.put({ userId: u.id, teamId: env.teamId, role: 'admin', createdAt: NOW });
        await env.store.sessions.create({
          id: newId('ses'),
          tokenHash: `s-${u.id}`,
          userId: u.id,
          kind: 'cli',
          createdAt: NOW,
          expiresAt: NOW + 1000,
          lastUsedAt: null,
          revokedAt: null,
        });
        await env.store.oneTimeTokens.create({
          id: newId('ott'),
          tokenHash: `o-${u.id}`,
          userId: u.id,
          purpose: 'setup',
          createdAt: NOW,
          expiresAt: NOW + 1000,
          usedAt: null,
        });
      }
      const raw = rawConnection(env.tmp.file);
      try {
        raw.prepare('delete from users where id = ?').run(ada.id);
      } finally {
        raw.close();
      }
      assert.deepEqual(await env.store.memberships.listForUser(ada.id), []);
      assert.equal(await env.store.sessions.findByHash(`s-${ada.id}`), null);
      assert.equal(await env.store.oneTimeTokens.findByHash(`o-${ada.id}`), null);
      assert.equal((await env.store.memberships.listForUser(bob.id)).length, 1);
      assert.notEqual(await env.store.sessions.findByHash(`s-${bob.id}`), null);
      assert.notEqual(await env.store.oneTimeTokens.findByHash(`o-${bob.id}`), null);
    } finally {
      await env.done();
    }
  });
});

describe('TokenRepo (per-team names)', () => {
  it('finds by name, revokes once, lists by team, refuses a taken name on `name`', async () => {
    const env = await openTempStore();
    try {
      const ops = { id: newId('team'), name: 'ops', createdAt: NOW };
      await env.store.teams.create(ops);
      const token = (over: Partial<TokenRow>): TokenRow => ({
        id: newId('tok'),
        name: 'ci',
        hash: newId('hash'),
        role: 'operator',
        teamId: env.teamId,
        createdAt: NOW,
        lastUsedAt: null,
        expiresAt: null,
        revokedAt: null,
        ...over,
      });
      const ci = token({});
      const opsCi = token({ teamId: ops.id, createdAt: NOW + 1 });
      await env.store.tokens.create(ci);
      await env.store.tokens.create(opsCi);
      const other = await env.reopen();
      await assert.rejects(
        other.tokens.create(token({})),
        isTaken('name', /token named "ci" already exists/),
      );
      assert.deepEqual(await env.store.tokens.findByName(ops.id, 'ci'), opsCi);
      assert.equal(await env.store.tokens.findByName(ops.id, 'cd'), null);
      await env.store.tokens.revoke(ci.id, NOW + 5);
      await env.store.tokens.revoke(ci.id, NOW + 6);
      assert.deepEqual(await env.store.tokens.list([env.teamId]), [{ ...ci, revokedAt: NOW + 5 }]);
      assert.deepEqual(await env.store.tokens.list([ops.id, 'team_none']), [opsCi]);
      assert.deepEqual(await env.store.tokens.list([]), []);
      assert.equal((await env.store.tokens.list()).length, 2);
    } finally {
      await env.done();
    }
  });
});
