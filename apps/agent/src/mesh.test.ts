import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DesiredState, MeshSpec } from '@berth/protocol';
import { fleetPeers, withKeptMesh } from './mesh.js';

const mesh = (signature: string): MeshSpec => ({ subnet: '10.210.0.0/16', members: [], signature });
const state = (over: Partial<DesiredState>): DesiredState => ({ version: 1, apps: [], ...over });

test('a push that keeps the mesh keeps the one held; a full one replaces it; none held stays none', () => {
  const held = state({ mesh: mesh('a') });
  assert.deepEqual(
    withKeptMesh(state({ version: 2, meshKept: 'a' }), held),
    state({ version: 2, mesh: mesh('a') }),
  );
  assert.deepEqual(withKeptMesh(state({ mesh: mesh('b') }), held).mesh, mesh('b'));
  // Held under another signature (a push was missed): kept all the same, and reported as it is.
  assert.equal(withKeptMesh(state({ meshKept: 'b' }), held).mesh?.signature, 'a');
  assert.deepEqual(withKeptMesh(state({ meshKept: 'a' }), null), state({}));
  assert.equal(withKeptMesh(state({}), held).mesh, undefined, 'no mesh and no kept: out of the mesh');
});

test("apps are kept from the other servers' private addresses and from every mesh member", () => {
  const member = { id: 'srv_b', publicKey: 'k', meshIp: '10.210.0.2', endpoint: null };
  assert.deepEqual(fleetPeers(state({ peers: ['10.99.0.2'], mesh: { ...mesh('a'), members: [member] } })), [
    '10.99.0.2',
    '10.210.0.2',
  ]);
  assert.deepEqual(fleetPeers(state({})), []);
});
