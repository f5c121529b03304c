import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BerthError } from '@berth/protocol';
import { assignMeshAddress } from './assign.js';
import { parseMeshEndpoint } from './endpoint.js';
import { isWireGuardKey } from './keys.js';
import { meshPeersFor, type MeshMember } from './peers.js';
import { DEFAULT_MESH_SUBNET, parseMeshSubnet } from './subnet.js';

const KEY_A = 'uCOdkK+80CrN99sshgSDlaq3m8KvSXNz610UodI48Rw=';
const KEY_B = 'kE7d/iiOAUsitHucl1dOjHvZafbX/xQJDv2FsxyVZz0=';
const KEY_C = 'KHWnAxoiC3yPRmAPfxj6wiKZLiO/fv21tUJaJTSDp1k=';

const isValidation = (err: unknown): boolean => err instanceof BerthError && err.code === 'VALIDATION_FAILED';

test('the default mesh subnet parses; a subnet that is not a private IPv4 network is refused', () => {
  assert.deepEqual(parseMeshSubnet(DEFAULT_MESH_SUBNET), {
    network: 10 * 2 ** 24 + 210 * 2 ** 16,
    prefixLength: 16,
    cidr: '10.210.0.0/16',
  });
  assert.equal(parseMeshSubnet('192.168.7.0/24').cidr, '192.168.7.0/24');
  assert.equal(parseMeshSubnet('100.64.0.0/10').cidr, '100.64.0.0/10');
  for (const bad of [
    '10.210.0.1/16', // host bits set
    '10.0.0.0/7', // wider than any private range
    '10.0.0.0/31', // no two hosts
    '8.8.8.0/24', // public
    '172.32.0.0/16', // just outside 172.16/12
    '10.210.0.0',
    '10.210.0.0/16/1',
    '10.210.0.0/016',
    'fd00::/64',
    '10.210.0.0/16; rm -rf /',
    '',
  ]) {
    assert.throws(() => parseMeshSubnet(bad), isValidation, bad);
  }
});

test('a refused subnet names the network its host bits hide', () => {
  assert.throws(() => parseMeshSubnet('10.210.3.4/16'), /the network is 10\.210\.0\.0\/16/);
});

test('addresses are handed out lowest first, skipping the network address and what is taken', () => {
  assert.equal(assignMeshAddress(DEFAULT_MESH_SUBNET, []), '10.210.0.1');
  assert.equal(assignMeshAddress(DEFAULT_MESH_SUBNET, ['10.210.0.1']), '10.210.0.2');
  assert.equal(assignMeshAddress(DEFAULT_MESH_SUBNET, ['10.210.0.2', '10.210.0.1']), '10.210.0.3');
  // A gap left by a removed server is filled first.
  assert.equal(assignMeshAddress(DEFAULT_MESH_SUBNET, ['10.210.0.1', '10.210.0.3']), '10.210.0.2');
  // Addresses outside the subnet, and junk, cannot collide.
  assert.equal(assignMeshAddress(DEFAULT_MESH_SUBNET, ['10.211.0.1', 'nonsense', '']), '10.210.0.1');
  // Crossing an octet boundary: .0.255 is an ordinary host address in a /16.
  const first255 = Array.from({ length: 255 }, (_, i) => `10.210.0.${i + 1}`);
  assert.equal(assignMeshAddress(DEFAULT_MESH_SUBNET, first255), '10.210.1.0');
});

test('a full subnet has no address left, and never offers its broadcast address', () => {
  assert.equal(assignMeshAddress('10.9.9.0/30', []), '10.9.9.1');
  assert.equal(assignMeshAddress('10.9.9.0/30', ['10.9.9.1']), '10.9.9.2');
  assert.equal(assignMeshAddress('10.9.9.0/30', ['10.9.9.1', '10.9.9.2']), null);
  assert.throws(() => assignMeshAddress('8.8.8.0/24', []), isValidation);
});

test('endpoints are ip:port in canonical form; names and bad ports are not endpoints', () => {
  assert.equal(parseMeshEndpoint('192.0.2.7:51820'), '192.0.2.7:51820');
  assert.equal(parseMeshEndpoint('[2001:DB8::0:1]:51820'), '[2001:db8::1]:51820');
  for (const bad of [
    'example.com:51820',
    '192.0.2.7',
    '192.0.2.7:0',
    '192.0.2.7:65536',
    '192.0.2.7:051820',
    '[192.0.2.7]:1',
    '2001:db8::1:51820',
    '192.0.2.7:51820\n',
  ]) {
    assert.equal(parseMeshEndpoint(bad), null, bad);
  }
});

test('WireGuard keys are 32 bytes of base64 and nothing else', () => {
  assert.ok(isWireGuardKey(KEY_A));
  for (const bad of [
    KEY_A.slice(1),
    `${KEY_A}=`,
    KEY_A.replace('=', ''),
    'uCOdkK+80CrN99sshgSDlaq3m8KvSXNz610UodI48Rx=',
    `x${KEY_A.slice(1, -2)}\n=`,
  ]) {
    assert.equal(isWireGuardKey(bad), false, bad);
  }
});

const members: MeshMember[] = [
  { id: 's2', publicKey: KEY_B, meshIp: '10.210.0.2', endpoint: '192.0.2.2:51820' },
  { id: 's1', publicKey: KEY_A, meshIp: '10.210.0.1', endpoint: '192.0.2.1:51820' },
  { id: 's3', publicKey: KEY_C, meshIp: '10.210.0.3', endpoint: null },
];

test('a server peers with every other member, each allowed only its own /32', () => {
  assert.deepEqual(meshPeersFor('s1', members), [
    {
      serverId: 's2',
      publicKey: KEY_B,
      allowedIps: ['10.210.0.2/32'],
      endpoint: '192.0.2.2:51820',
      persistentKeepaliveSeconds: 25,
    },
    {
      serverId: 's3',
      publicKey: KEY_C,
      allowedIps: ['10.210.0.3/32'],
      endpoint: null,
      persistentKeepaliveSeconds: 25,
    },
  ]);
});

test('a server behind NAT (no endpoint) still peers with everyone; a non-member has no peers', () => {
  const peers = meshPeersFor('s3', members);
  assert.deepEqual(
    peers.map((p) => [p.serverId, p.endpoint]),
    [
      ['s1', '192.0.2.1:51820'],
      ['s2', '192.0.2.2:51820'],
    ],
  );
  assert.deepEqual(meshPeersFor('s9', members), []);
  assert.deepEqual(meshPeersFor('s1', [members[1] as MeshMember]), []);
});

test('inconsistent members are refused rather than silently stealing each other’s traffic', () => {
  const [a, b] = members as [MeshMember, MeshMember];
  const isInternal = (err: unknown) => err instanceof BerthError && err.code === 'INTERNAL';
  for (const broken of [
    [a, { ...b, publicKey: a.publicKey }],
    [a, { ...b, meshIp: a.meshIp }],
    [a, { ...b, publicKey: 'not a key' }],
    [a, { ...b, meshIp: '10.210.0.2/32' }],
    [a, { ...b, endpoint: 'evil.example:51820' }],
  ]) {
    assert.throws(() => meshPeersFor(a.id, broken), isInternal);
  }
});
