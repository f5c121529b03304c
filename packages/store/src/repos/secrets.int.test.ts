// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { appRow, NOW, openTempStore, releaseRow } from '../test-support/fixtures.js';
import type { ReleaseSecretRow, SecretRow } from '../types-secrets.js';

const secret = (appId: string, key: string, over: Partial<SecretRow> = {}): SecretRow => ({
  appId,
  key,
  value: `sealed(${key})`,
  keyId: 'k1',
  filePath: null,
  createdAt: NOW,
  updatedAt: NOW,
  ...over,
});

describe('SecretRepo', () => {
  it('puts (keeping createdAt on replace), lists, deletes, reseals without touching updatedAt', async () => {
    const env = await openTempStore();
    try {
      const app = appRow(env);
      await env.store.apps.create(app);
      await env.store.secrets.put(secret(app.id, 'TOKEN'));
      await env.store.secrets.put(secret(app.id, 'DB_URL'));
      await env.store.secrets.put(
        secret(app.id, 'TOKEN', { value: 'v2', keyId: 'k2', createdAt: NOW + 50, updatedAt: NOW + 50 }),
      );
      const token = secret(app.id, 'TOKEN', { value: 'v2', keyId: 'k2', updatedAt: NOW + 50 });
      assert.deepEqual(await env.store.secrets.list(app.id), [secret(app.id, 'DB_URL'), token]);
      await env.store.secrets.reseal(app.id, 'DB_URL', 'resealed', 'k2');
      assert.deepEqual((await env.store.secrets.list(app.id))[0], {
        ...secret(app.id, 'DB_URL'),
        value: 'resealed',
        keyId: 'k2',
      });
      assert.equal(await env.store.secrets.delete(app.id, 'TOKEN'), true);
      assert.equal(await env.store.secrets.delete(app.id, 'TOKEN'), false);
      assert.deepEqual(
        (await env.store.secrets.listAll()).map((s) => s.key),
        ['DB_URL'],
      );
    } finally {
      await env.done();
    }
  });

  it('keeps the file path of a secret; a put without one makes it an env secret again; reseal keeps it', async () => {
    const env = await openTempStore();
    try {
      const app = appRow(env);
      await env.store.apps.create(app);
      await env.store.secrets.put(secret(app.id, 'DB_PASSWORD', { filePath: '/run/secrets/db' }));
      await env.store.secrets.reseal(app.id, 'DB_PASSWORD', 'resealed', 'k2');
      assert.equal((await env.store.secrets.list(app.id))[0]?.filePath, '/run/secrets/db');
      await env.store.secrets.put(secret(app.id, 'DB_PASSWORD', { updatedAt: NOW + 1 }));
      assert.equal((await env.store.secrets.list(app.id))[0]?.filePath, null);
    } finally {
      await env.done();
    }
  });

  it('counts sealed values per key id over secrets and release secrets', async () => {
    const env = await openTempStore();
    try {
      const app = appRow(env);
      await env.store.apps.create(app);
      const rel = releaseRow(app.id, 1);
      await env.store.releases.create(rel);
      assert.deepEqual(await env.store.secrets.countByKeyId(), {});
      await env.store.secrets.put(secret(app.id, 'A', { keyId: 'k1' }));
      await env.store.secrets.put(secret(app.id, 'B', { keyId: 'k2' }));
      await env.store.releaseSecrets.createMany([
        { releaseId: rel.id, key: 'A', value: 'x', keyId: 'k1', filePath: null },
        { releaseId: rel.id, key: 'B', value: 'y', keyId: 'k1', filePath: null },
        { releaseId: rel.id, key: 'C', value: 'z', keyId: 'k3', filePath: null },
      ]);
      assert.deepEqual(await env.store.secrets.countByKeyId(), { k1: 3, k2: 1, k3: 1 });
    } finally {
      await env.done();
    }
  });
});

describe('ReleaseSecretRepo', () => {
  it('creates many (atomically, in chunks), lists, reseals', async () => {
    const env = await openTempStore();
    try {
      const app = appRow(env);
      await env.store.apps.create(app);
      const rel = releaseRow(app.id, 1);
      await env.store.releases.create(rel);
      await env.store.releaseSecrets.createMany([]);
      const rows: ReleaseSecretRow[] = Array.from({ length: 450 }, (_, i) => ({
        releaseId: rel.id,
        key: `K${String(i).padStart(3, '0')}`,
        value: `v${i}`,
        keyId: 'k1',
        filePath: i % 2 === 0 ? null : `/run/secrets/k${i}`,
      }));
      await env.store.releaseSecrets.createMany(rows);
      assert.deepEqual(await env.store.releaseSecrets.list(rel.id), rows);
      // A duplicate in the last chunk undoes the earlier chunks too.
      const rel2 = releaseRow(app.id, 2);
      await env.store.releases.create(rel2);
      const bad = rows.map((r) => ({ ...r, releaseId: rel2.id }));
      bad.push({ ...bad[0]! });
      await assert.rejects(env.store.releaseSecrets.createMany(bad), /UNIQUE/);
      assert.deepEqual(await env.store.releaseSecrets.list(rel2.id), []);
      await env.store.releaseSecrets.reseal(rel.id, 'K001', 'new', 'k2');
      const all = await env.store.releaseSecrets.listAll();
      assert.equal(all.length, 450);
      assert.deepEqual(all[1], {
        releaseId: rel.id,
        key: 'K001',
        value: 'new',
        keyId: 'k2',
        filePath: '/run/secrets/k1',
      });
    } finally {
      await env.done();
    }
  });

  it("deleting an app removes its secrets and its releases' secrets, and no other app's", async () => {
    const env = await openTempStore();
    try {
      const ids: string[] = [];
      for (const name of ['web', 'api']) {
        const app = appRow(env, { name });
        await env.store.apps.create(app);
        const rel = releaseRow(app.id, 1);
        await env.store.releases.create(rel);
        await env.store.secrets.put(secret(app.id, 'A'));
        await env.store.releaseSecrets.createMany([
          { releaseId: rel.id, key: 'A', value: 'x', keyId: 'k1', filePath: null },
        ]);
        ids.push(app.id, rel.id);
      }
      const [webId, webRel, apiId, apiRel] = ids as [string, string, string, string];
      await env.store.apps.delete(webId);
      assert.deepEqual(await env.store.secrets.list(webId), []);
      assert.deepEqual(await env.store.releaseSecrets.list(webRel), []);
      assert.equal((await env.store.secrets.list(apiId)).length, 1);
      assert.equal((await env.store.releaseSecrets.list(apiRel)).length, 1);
      assert.deepEqual(await env.store.secrets.countByKeyId(), { k1: 2 });
    } finally {
      await env.done();
    }
  });
});
