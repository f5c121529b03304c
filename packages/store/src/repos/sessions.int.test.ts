// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newId, NOW, openTempStore, type Env } from '../test-support/fixtures.js';
import { userRow } from '../test-support/trust.js';
import type { OneTimeTokenRow, SessionRow } from '../types-identity.js';

async function withUser(env: Env): Promise<string> {
  const user = userRow();
  await env.store.users.create(user);
  return user.id;
}

describe('SessionRepo', () => {
  it('creates, finds by hash, touches, revokes once, and revokes all of a user', async () => {
    const env = await openTempStore();
    try {
      const userId = await withUser(env);
      const session = (over: Partial<SessionRow>): SessionRow => ({
        id: newId('ses'),
        tokenHash: newId('h'),
        userId,
        kind: 'browser',
        createdAt: NOW,
        expiresAt: NOW + 3600_000,
        lastUsedAt: null,
        revokedAt: null,
        ...over,
      });
      const a = session({});
      const b = session({ kind: 'cli' });
      const c = session({});
      for (const s of [a, b, c]) await env.store.sessions.create(s);
      assert.deepEqual(await env.store.sessions.findByHash(a.tokenHash), a);
      assert.equal(await env.store.sessions.findByHash('nope'), null);
      await env.store.sessions.touch(a.id, NOW + 1);
      await env.store.sessions.revoke(b.id, NOW + 2);
      await env.store.sessions.revoke(b.id, NOW + 3);
      await env.store.sessions.revokeAllForUser(userId, NOW + 4);
      assert.deepEqual(await env.store.sessions.findByHash(a.tokenHash), {
        ...a,
        lastUsedAt: NOW + 1,
        revokedAt: NOW + 4,
      });
      assert.equal((await env.store.sessions.findByHash(b.tokenHash))?.revokedAt, NOW + 2);
      assert.equal((await env.store.sessions.findByHash(c.tokenHash))?.revokedAt, NOW + 4);
      await assert.rejects(env.store.sessions.create(session({ tokenHash: a.tokenHash })), /UNIQUE/);
    } finally {
      await env.done();
    }
  });
});

describe('OneTimeTokenRepo', () => {
  const token = (userId: string, over: Partial<OneTimeTokenRow> = {}): OneTimeTokenRow => ({
    id: newId('ott'),
    tokenHash: newId('h'),
    userId,
    purpose: 'reset',
    createdAt: NOW,
    expiresAt: NOW + 1000,
    usedAt: null,
    ...over,
  });

  it('consume() is true for exactly one of many racing callers, across connections', async () => {
    const env = await openTempStore();
    try {
      const t = token(await withUser(env));
      await env.store.oneTimeTokens.create(t);
      assert.deepEqual(await env.store.oneTimeTokens.findByHash(t.tokenHash), t);
      const other = await env.reopen();
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 ? other : env.store).oneTimeTokens.consume(t.id, NOW + i),
        ),
      );
      assert.equal(results.filter(Boolean).length, 1);
      const used = await env.store.oneTimeTokens.findByHash(t.tokenHash);
      assert.equal(used?.usedAt, NOW + results.indexOf(true));
    } finally {
      await env.done();
    }
  });

  it('consume() is false when expired (at the expiry instant too) and for an unknown id', async () => {
    const env = await openTempStore();
    try {
      const t = token(await withUser(env));
      await env.store.oneTimeTokens.create(t);
      assert.equal(await env.store.oneTimeTokens.consume(t.id, t.expiresAt), false);
      assert.equal(await env.store.oneTimeTokens.consume(t.id, t.expiresAt + 1), false);
      assert.equal(await env.store.oneTimeTokens.consume('ott_nope', NOW), false);
      assert.equal((await env.store.oneTimeTokens.findByHash(t.tokenHash))?.usedAt, null);
      assert.equal(await env.store.oneTimeTokens.consume(t.id, t.expiresAt - 1), true);
    } finally {
      await env.done();
    }
  });
});

describe('LoginFailureRepo', () => {
  it('records, counts and finds the oldest within a window, clears a key, prunes old rows', async () => {
    const env = await openTempStore();
    try {
      const f = env.store.loginFailures;
      // Two failures in the same millisecond are two failures.
      for (const at of [NOW, NOW + 10, NOW + 10, NOW + 20]) await f.record('email:ada@example.com', at);
      await f.record('ip:10.0.0.1', NOW + 5);
      assert.equal(await f.countSince('email:ada@example.com', NOW + 10), 3);
      assert.equal(await f.countSince('email:ada@example.com', NOW + 21), 0);
      assert.equal(await f.oldestSince('email:ada@example.com', NOW + 1), NOW + 10);
      assert.equal(await f.oldestSince('email:ada@example.com', NOW + 21), null);
      assert.equal(await f.oldestSince('nobody', 0), null);
      await f.prune(NOW + 10);
      assert.equal(await f.countSince('email:ada@example.com', 0), 3);
      assert.equal(await f.countSince('ip:10.0.0.1', 0), 0);
      await f.record('ip:10.0.0.1', NOW + 30);
      await f.clear('email:ada@example.com');
      assert.equal(await f.countSince('email:ada@example.com', 0), 0);
      assert.equal(await f.countSince('ip:10.0.0.1', 0), 1);
    } finally {
      await env.done();
    }
  });
});
