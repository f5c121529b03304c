// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newId, NOW, openTempStore } from '../test-support/fixtures.js';
import type { TokenRow } from '../types.js';
import type { ServerRow } from '../types-fleet.js';

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
        labels: {},
        state: 'active',
        capacity: null,
        agentVersion: null,
        privateIp: null,
        pendingPublicKey: null,
        mesh: null,
        meshIp: null,
      };
      await env.store.servers.create(server);
      assert.deepEqual(await env.store.servers.findByPublicKey(server.publicKey), server);
      assert.equal(await env.store.servers.findByPublicKey('nope'), null);
      await env.store.servers.setLastSeen(server.id, NOW + 9);
      await env.store.servers.setSealingKey(server.id, 'MCowBQYDK2VuAyEA');
      assert.deepEqual(await env.store.servers.list(), [
        { ...server, lastSeenAt: NOW + 9, sealingKey: 'MCowBQYDK2VuAyEA' },
      ]);
      await assert.rejects(env.store.servers.create({ ...server, id: newId('srv'), name: 'b' }), /UNIQUE/);
    } finally {
      await env.done();
    }
  });

  it('a name is taken until its server is removed; hello, labels and a pending key are kept', async () => {
    const env = await openTempStore();
    try {
      const base = { name: 'web-2', sealingKey: null, createdAt: NOW, lastSeenAt: null };
      const first = { ...base, id: newId('srv'), publicKey: 'key-1', labels: { zone: 'b' } };
      await env.store.servers.create(first);
      await assert.rejects(
        env.store.servers.create({ ...base, id: newId('srv'), publicKey: 'key-2' }),
        (e: Error & { code?: string }) => e.code === 'SERVER_EXISTS',
      );
      await env.store.servers.recordHello(first.id, {
        sealingKey: 'seal-1',
        agentVersion: '0.4.0',
        capacity: { cpuMillis: 2000, memoryMib: 1024 },
        privateIp: '10.99.0.2',
        mesh: null,
      });
      await env.store.servers.setLabels(first.id, { zone: 'c', role: 'build' });
      await env.store.servers.setPendingKey(first.id, 'key-3');
      const row = await env.store.servers.findByName('web-2');
      assert.deepEqual(
        row && {
          labels: row.labels,
          capacity: row.capacity,
          agentVersion: row.agentVersion,
          privateIp: row.privateIp,
          pendingPublicKey: row.pendingPublicKey,
          sealingKey: row.sealingKey,
        },
        {
          labels: { zone: 'c', role: 'build' },
          capacity: { cpuMillis: 2000, memoryMib: 1024 },
          agentVersion: '0.4.0',
          privateIp: '10.99.0.2',
          pendingPublicKey: 'key-3',
          sealingKey: 'seal-1',
        },
      );
      assert.equal(await env.store.servers.approvePendingKey(first.id), true);
      assert.equal((await env.store.servers.get(first.id))?.publicKey, 'key-3');
      assert.equal(await env.store.servers.approvePendingKey(first.id), false);

      await env.store.servers.setState(first.id, 'removed');
      assert.equal(await env.store.servers.findByName('web-2'), null);
      await env.store.servers.create({ ...base, id: newId('srv'), publicKey: 'key-4' });
      assert.equal((await env.store.servers.findByName('web-2'))?.publicKey, 'key-4');
    } finally {
      await env.done();
    }
  });

  it('a mesh address is given once, and never to two servers', async () => {
    const env = await openTempStore();
    try {
      const base = { sealingKey: null, createdAt: NOW, lastSeenAt: null };
      const a = { ...base, id: newId('srv'), name: 'a', publicKey: 'key-a' };
      const b = { ...base, id: newId('srv'), name: 'b', publicKey: 'key-b' };
      await env.store.servers.create(a);
      await env.store.servers.create(b);
      const mesh = { publicKey: 'wg-a', endpoint: '10.99.0.2:51820' };
      await env.store.servers.recordHello(a.id, {
        sealingKey: 's',
        agentVersion: '1',
        capacity: null,
        privateIp: '10.99.0.2',
        mesh,
      });
      assert.equal(await env.store.servers.assignMeshIp(a.id, '10.210.0.1'), true);
      assert.equal(await env.store.servers.assignMeshIp(a.id, '10.210.0.2'), false, 'it has one already');
      assert.equal(await env.store.servers.assignMeshIp(b.id, '10.210.0.1'), false, "a's address");
      assert.equal(await env.store.servers.assignMeshIp(b.id, '10.210.0.2'), true);
      assert.deepEqual((await env.store.servers.meshIps()).sort(), ['10.210.0.1', '10.210.0.2']);
      const row = await env.store.servers.get(a.id);
      assert.deepEqual(row && { mesh: row.mesh, meshIp: row.meshIp }, { mesh, meshIp: '10.210.0.1' });
      // An agent that leaves the mesh keeps its address: no newcomer gets it.
      await env.store.servers.recordHello(a.id, {
        sealingKey: 's',
        agentVersion: '1',
        capacity: null,
        privateIp: '10.99.0.2',
        mesh: null,
      });
      const left = await env.store.servers.get(a.id);
      assert.deepEqual(left && { mesh: left.mesh, meshIp: left.meshIp }, {
        mesh: null,
        meshIp: '10.210.0.1',
      });
    } finally {
      await env.done();
    }
  });
});
