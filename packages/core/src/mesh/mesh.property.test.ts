import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { assignMeshAddress } from './assign.js';
import { meshPeersFor, type MeshMember } from './peers.js';
import { containsAddress, parseMeshSubnet, subnetSize, toIpv4Number, toIpv4Text } from './subnet.js';

/** Small subnets so that "full" is reached; a /16 for the ordinary case. */
const arbSubnet = fc.constantFrom(
  '10.9.9.0/29',
  '10.9.9.0/28',
  '192.168.4.0/27',
  '172.16.0.0/24',
  '10.210.0.0/16',
);

test('handing out addresses one by one gives unique host addresses inside the subnet until it is full', () => {
  fc.assert(
    fc.property(arbSubnet, fc.integer({ min: 0, max: 40 }), (subnet, count) => {
      const net = parseMeshSubnet(subnet);
      const hosts = subnetSize(net.prefixLength) - 2;
      const taken: string[] = [];
      for (let i = 0; i < count; i++) {
        const address = assignMeshAddress(subnet, taken);
        if (taken.length === hosts) {
          assert.equal(address, null);
          return;
        }
        assert.ok(address !== null);
        const n = toIpv4Number(address);
        assert.ok(containsAddress(net, n), `${address} is inside ${subnet}`);
        assert.notEqual(n, net.network, 'never the network address');
        assert.notEqual(n, net.network + subnetSize(net.prefixLength) - 1, 'never the broadcast address');
        assert.ok(!taken.includes(address), `${address} was free`);
        taken.push(address);
      }
    }),
    { numRuns: 300 },
  );
});

test('the address given is the lowest free host address, whatever was taken before', () => {
  fc.assert(
    fc.property(
      arbSubnet,
      fc.uniqueArray(fc.integer({ min: 0, max: 40 }), { maxLength: 30 }),
      (subnet, offsets) => {
        const net = parseMeshSubnet(subnet);
        const size = subnetSize(net.prefixLength);
        const taken = offsets.filter((o) => o < size).map((o) => toIpv4Text(net.network + o));
        const address = assignMeshAddress(subnet, taken);
        const free = Array.from({ length: size - 2 }, (_, i) => net.network + 1 + i).filter(
          (n) => !taken.includes(toIpv4Text(n)),
        );
        assert.equal(address, free.length === 0 ? null : toIpv4Text(free[0] ?? 0));
      },
    ),
    { numRuns: 500 },
  );
});

const KEYS = [
  'uCOdkK+80CrN99sshgSDlaq3m8KvSXNz610UodI48Rw=',
  'kE7d/iiOAUsitHucl1dOjHvZafbX/xQJDv2FsxyVZz0=',
  'KHWnAxoiC3yPRmAPfxj6wiKZLiO/fv21tUJaJTSDp1k=',
  'LVyS7iQ4RmcLz9hDfdfHSw+BSzNFJ50HYUOzNHYhhmc=',
  'wEkVoOq6j0xvv0krf6sKnK5xVt2JXpFN13WppStAnGA=',
];

const arbMembers: fc.Arbitrary<MeshMember[]> = fc
  .array(fc.option(fc.constantFrom('192.0.2.1:51820', '198.51.100.7:4000')), { maxLength: KEYS.length })
  .map((endpoints) =>
    endpoints.map((endpoint, i) => ({
      id: `s${i + 1}`,
      publicKey: KEYS[i] ?? '',
      meshIp: `10.210.0.${i + 1}`,
      endpoint,
    })),
  );

test('every pair of members is peered both ways, and no one is its own peer', () => {
  fc.assert(
    fc.property(arbMembers, (servers) => {
      for (const self of servers) {
        const peers = meshPeersFor(self.id, servers);
        assert.equal(peers.length, servers.length - 1);
        assert.ok(peers.every((p) => p.serverId !== self.id && p.publicKey !== self.publicKey));
        for (const p of peers) {
          const member = servers.find((s) => s.id === p.serverId);
          assert.deepEqual(p.allowedIps, [`${member?.meshIp}/32`]);
          const back = meshPeersFor(p.serverId, servers).find((q) => q.serverId === self.id);
          assert.equal(back?.publicKey, self.publicKey);
        }
      }
    }),
    { numRuns: 300 },
  );
});
