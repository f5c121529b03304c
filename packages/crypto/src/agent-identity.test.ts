import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadOrCreateIdentity } from './agent-identity.js';

test('the agent id outlives a replaced key (the containers stay the server’s), not a lost data dir', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-identity-'));
  try {
    const first = await loadOrCreateIdentity(dir);
    assert.match(first.id, /^[0-9a-f]{16}$/);
    assert.equal((await readFile(join(dir, 'agent.id'), 'utf8')).trim(), first.id);
    assert.equal((await loadOrCreateIdentity(dir)).publicKey, first.publicKey, 'kept across starts');
    await rm(join(dir, 'identity.key'));
    const rekeyed = await loadOrCreateIdentity(dir);
    assert.notEqual(rekeyed.publicKey, first.publicKey, 'a new key');
    assert.equal(rekeyed.id, first.id, 'the same agent id');
    await rm(dir, { recursive: true });
    const fresh = await loadOrCreateIdentity(dir);
    assert.notEqual(fresh.id, first.id, 'a lost data dir starts a new id');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
