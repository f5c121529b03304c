import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newId, NOW, openTempStore } from '../test-support/fixtures.js';
import type { ServerRow, TokenRow } from '../types.js';

describe('TenancyRepo.ensureDefaults', () => {
  it('creates the default team and project once, then returns the existing ids', async () => {
    const env = await openTempStore();
    try {
      const again = await env.store.tenancy.ensureDefaults(
        { teamId: newId('team'), projectId: newId('prj') },
        NOW + 1,
      );
      assert.deepEqual(again, { teamId: env.teamId, projectId: env.projectId });
      const other = await env.reopen();
      const fromOther = await other.tenancy.ensureDefaults(
        { teamId: newId('team'), projectId: newId('prj') },
        NOW,
      );
      assert.deepEqual(fromOther, { teamId: env.teamId, projectId: env.projectId });
    } finally {
      await env.done();
    }
  });
});

describe('MetaRepo', () => {
  it('gets, sets and overwrites', async () => {
    const env = await openTempStore();
    try {
      assert.equal(await env.store.meta.get('x'), null);
      await env.store.meta.set('x', 'a');
      await env.store.meta.set('x', 'b');
      assert.equal(await env.store.meta.get('x'), 'b');
    } finally {
      await env.done();
    }
  });

  it('increments atomically, across connections too', async () => {
    const env = await openTempStore();
    try {
      const other = await env.reopen();
      const got = await Promise.all(
        Array.from({ length: 40 }, (_, i) => (i % 2 ? env.store : other).meta.increment('version')),
      );
      assert.deepEqual(
        [...got].sort((a, b) => a - b),
        Array.from({ length: 40 }, (_, i) => i + 1),
      );
      assert.equal(await env.store.meta.get('version'), '40');
    } finally {
      await env.done();
    }
  });
});

describe('TokenRepo', () => {
  it('creates, finds by hash, touches and lists', async () => {
    const env = await openTempStore();
    try {
      const token: TokenRow = {
        id: newId('tok'),
        name: 'ci',
        hash: 'a'.repeat(64),
        role: 'operator',
        teamId: env.teamId,
        createdAt: NOW,
        lastUsedAt: null,
        expiresAt: NOW + 1000,
        revokedAt: null,
      };
      await env.store.tokens.create(token);
      assert.deepEqual(await env.store.tokens.findByHash(token.hash), token);
      assert.equal(await env.store.tokens.findByHash('b'.repeat(64)), null);
      await env.store.tokens.touch(token.id, NOW + 5);
      assert.deepEqual(await env.store.tokens.list(), [{ ...token, lastUsedAt: NOW + 5 }]);
      // The same hash under another name: a raw constraint error, not a naming problem.
      await assert.rejects(env.store.tokens.create({ ...token, id: newId('tok'), name: 'other' }), /UNIQUE/);
    } finally {
      await env.done();
    }
  });
});

describe('ServerRepo', () => {
  it('creates, finds by public key, records last seen and lists', async () => {
    const env = await openTempStore();
    try {
      const server: ServerRow = {
        id: newId('srv'),
        name: 'a',
        publicKey: 'MCowBQYDK2VwAyEA',
        sealingKey: null,
        createdAt: NOW,
        lastSeenAt: null,
        desiredVersion: 0,
      };
      await env.store.servers.create(server);
      assert.deepEqual(await env.store.servers.findByPublicKey(server.publicKey), server);
      assert.equal(await env.store.servers.findByPublicKey('nope'), null);
      await env.store.servers.setLastSeen(server.id, NOW + 9);
      await env.store.servers.setSealingKey(server.id, 'MCowBQYDK2VuAyEA');
      assert.deepEqual(await env.store.servers.list(), [
        { ...server, lastSeenAt: NOW + 9, sealingKey: 'MCowBQYDK2VuAyEA' },
      ]);
      await assert.rejects(env.store.servers.create({ ...server, id: newId('srv') }), /UNIQUE/);
    } finally {
      await env.done();
    }
  });
});
