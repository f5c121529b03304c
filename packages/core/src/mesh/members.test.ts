import assert from 'node:assert/strict';
import { test } from 'node:test';
import { meshMembers, meshPlanFor, type MeshCandidate } from './members.js';

const KEY_A = 'uCOdkK+80CrN99sshgSDlaq3m8KvSXNz610UodI48Rw=';
const KEY_B = 'kE7d/iiOAUsitHucl1dOjHvZafbX/xQJDv2FsxyVZz0=';
const KEY_C = 'KHWnAxoiC3yPRmAPfxj6wiKZLiO/fv21tUJaJTSDp1k=';

const candidate = (over: Partial<MeshCandidate> & { id: string }): MeshCandidate => ({
  removed: false,
  publicKey: KEY_A,
  endpoint: null,
  meshIp: '10.210.0.1',
  ...over,
});

test('members are the servers with a key and an address, not removed', () => {
  const members = meshMembers([
    candidate({ id: 'a', endpoint: '10.99.0.1:51820' }),
    candidate({ id: 'b', publicKey: KEY_B, meshIp: '10.210.0.2', removed: true }),
    candidate({ id: 'c', publicKey: null, meshIp: '10.210.0.3' }),
    candidate({ id: 'd', publicKey: KEY_C, meshIp: null }),
  ]);
  assert.deepEqual(members, [
    { id: 'a', publicKey: KEY_A, meshIp: '10.210.0.1', endpoint: '10.99.0.1:51820' },
  ]);
});

test('a key or address already taken leaves the later server out; a bad endpoint becomes none', () => {
  const members = meshMembers([
    candidate({ id: 'a' }),
    // Sends a's public key: it must not take a's peer slot (nor break everyone's mesh).
    candidate({ id: 'thief', meshIp: '10.210.0.9' }),
    candidate({ id: 'b', publicKey: KEY_B, meshIp: '10.210.0.1' }),
    candidate({ id: 'c', publicKey: KEY_C, meshIp: '10.210.0.3', endpoint: 'example.com:51820' }),
    candidate({ id: 'e', publicKey: 'not a key', meshIp: '10.210.0.4' }),
  ]);
  assert.deepEqual(
    members.map((m) => [m.id, m.endpoint]),
    [
      ['a', null],
      ['c', null],
    ],
  );
});

test("a member's plan is its address with the subnet's prefix and every other member as a /32 peer", () => {
  const members = meshMembers([
    candidate({ id: 'a', endpoint: '10.99.0.1:51820' }),
    candidate({ id: 'b', publicKey: KEY_B, meshIp: '10.210.0.2', endpoint: '10.99.0.2:51820' }),
  ]);
  const plan = meshPlanFor('a', members, '10.210.0.0/16');
  assert.equal(plan?.address, '10.210.0.1/16');
  assert.deepEqual(
    plan?.peers.map((p) => [p.serverId, p.publicKey, p.allowedIps, p.endpoint]),
    [['b', KEY_B, ['10.210.0.2/32'], '10.99.0.2:51820']],
  );
  assert.equal(meshPlanFor('z', members, '10.210.0.0/16'), null, 'not a member: no interface');
});
