// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newId, NOW, openTempStore } from '../test-support/fixtures.js';
import type { JoinTokenRow } from '../types-fleet.js';

const HOUR = 3_600_000;

const joinToken = (over: Partial<JoinTokenRow> = {}): Omit<JoinTokenRow, 'usedAt' | 'serverId'> => ({
  id: newId('jt'),
  serverName: 'web-2',
  labels: { zone: 'b' },
  tokenHash: newId('hash'),
  createdBy: 'usr_someone',
  createdAt: NOW,
  expiresAt: NOW + 24 * HOUR,
  ...over,
});

describe('JoinTokenRepo', () => {
  it('creates, finds by hash and lists only tokens neither used nor expired', async () => {
    const env = await openTempStore();
    try {
      const repo = env.store.joinTokens;
      const live = joinToken({ serverName: 'live' });
      // Listed oldest first: created one after the other.
      const short = joinToken({ serverName: 'short', createdAt: NOW + 1, expiresAt: NOW + HOUR });
      const used = joinToken({ serverName: 'used', createdAt: NOW + 2 });
      for (const t of [live, short, used]) await repo.create(t);
      assert.equal(await repo.consume(used.tokenHash, NOW + 1, 'srv_x'), true);
      assert.deepEqual(await repo.findByHash(live.tokenHash), { ...live, usedAt: null, serverId: null });
      assert.deepEqual(await repo.findByHash(used.tokenHash), {
        ...used,
        usedAt: NOW + 1,
        serverId: 'srv_x',
      });
      assert.equal(await repo.findByHash('nope'), null);
      const names = async (at: number) => (await repo.listPending(at)).map((t) => t.serverName);
      assert.deepEqual(await names(NOW), ['live', 'short']);
      assert.deepEqual(await names(NOW + HOUR), ['live'], 'expired at its expiry instant');
      assert.equal((await repo.findPendingByName('short', NOW))?.id, short.id);
      assert.equal(await repo.findPendingByName('short', NOW + HOUR), null);
      assert.equal(await repo.findPendingByName('used', NOW), null);
    } finally {
      await env.done();
    }
  });

  it('consume() is true for exactly one of many racing joins, across connections', async () => {
    const env = await openTempStore();
    try {
      const t = joinToken();
      await env.store.joinTokens.create(t);
      const other = await env.reopen();
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 ? other : env.store).joinTokens.consume(t.tokenHash, NOW + i, `srv_${i}`),
        ),
      );
      assert.equal(results.filter(Boolean).length, 1);
      const winner = results.indexOf(true);
      const row = await env.store.joinTokens.findByHash(t.tokenHash);
      assert.deepEqual([row?.usedAt, row?.serverId], [NOW + winner, `srv_${winner}`]);
      assert.equal(await env.store.joinTokens.consume(t.tokenHash, NOW + 100, 'srv_late'), false);
    } finally {
      await env.done();
    }
  });

  it('consume() is false once expired (at the expiry instant too) and for an unknown hash', async () => {
    const env = await openTempStore();
    try {
      const t = joinToken();
      const repo = env.store.joinTokens;
      await repo.create(t);
      assert.equal(await repo.consume(t.tokenHash, t.expiresAt, 'srv_a'), false);
      assert.equal(await repo.consume(t.tokenHash, t.expiresAt + 1, 'srv_a'), false);
      assert.equal(await repo.consume('unknown', NOW, 'srv_a'), false);
      assert.equal((await repo.findByHash(t.tokenHash))?.usedAt, null);
      assert.equal(await repo.consume(t.tokenHash, t.expiresAt - 1, 'srv_a'), true);
    } finally {
      await env.done();
    }
  });

  it('revokes the pending tokens of a name (not used ones) and prunes expired ones', async () => {
    const env = await openTempStore();
    try {
      const repo = env.store.joinTokens;
      const a = joinToken();
      const b = joinToken();
      const other = joinToken({ serverName: 'other', expiresAt: NOW + HOUR });
      for (const t of [a, b, other]) await repo.create(t);
      await repo.consume(a.tokenHash, NOW, 'srv_a');
      assert.equal(await repo.revokePending('web-2', NOW), 1);
      assert.equal(await repo.findByHash(b.tokenHash), null);
      assert.equal((await repo.findByHash(a.tokenHash))?.serverId, 'srv_a', 'a used token is history');
      await repo.pruneExpired(NOW + HOUR + 1);
      assert.equal(await repo.findByHash(other.tokenHash), null);
      assert.notEqual(await repo.findByHash(a.tokenHash), null);
    } finally {
      await env.done();
    }
  });
});
