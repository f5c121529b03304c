import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BerthError } from '@berth/protocol';
import type { MeshPeer } from '@berth/core';
import { parseWgDump } from './dump.js';
import { planPeerArgs } from './peer-args.js';
import { inNetns, type WireGuardTools } from './tools.js';
import { checkAbsolutePath, checkInterfaceAddress, checkInterfaceName } from './values.js';

const KEY_A = 'uCOdkK+80CrN99sshgSDlaq3m8KvSXNz610UodI48Rw=';
const KEY_B = 'kE7d/iiOAUsitHucl1dOjHvZafbX/xQJDv2FsxyVZz0=';
const KEY_C = 'KHWnAxoiC3yPRmAPfxj6wiKZLiO/fv21tUJaJTSDp1k=';

const peer = (publicKey: string, ip: string, more: Partial<MeshPeer> = {}): MeshPeer => ({
  serverId: ip,
  publicKey,
  allowedIps: [`${ip}/32`],
  endpoint: null,
  persistentKeepaliveSeconds: null,
  ...more,
});

const isValidation = (err: unknown): boolean => err instanceof BerthError && err.code === 'VALIDATION_FAILED';

test('one wg set states every wanted peer whole and removes the rest', () => {
  const args = planPeerArgs(
    'berth-mesh',
    [KEY_A, KEY_C],
    [
      peer(KEY_A, '10.210.0.2', { endpoint: '192.0.2.2:51820' }),
      peer(KEY_B, '10.210.0.3', { persistentKeepaliveSeconds: 25 }),
    ],
  );
  assert.deepEqual(args, [
    'set',
    'berth-mesh',
    'peer',
    KEY_A,
    'allowed-ips',
    '10.210.0.2/32',
    'endpoint',
    '192.0.2.2:51820',
    'persistent-keepalive',
    'off',
    'peer',
    KEY_B,
    'allowed-ips',
    '10.210.0.3/32',
    'persistent-keepalive',
    '25',
    'peer',
    KEY_C,
    'remove',
  ]);
  assert.deepEqual(planPeerArgs('berth-mesh', [KEY_A], []), ['set', 'berth-mesh', 'peer', KEY_A, 'remove']);
});

test('values that could change the command are refused before anything runs', () => {
  const bad: [string, () => unknown][] = [
    ['name with option', () => planPeerArgs('-h', [], [])],
    ['long name', () => planPeerArgs('a'.repeat(16), [], [])],
    ['key', () => planPeerArgs('wg0', [], [peer('remove', '10.210.0.2')])],
    ['key twice', () => planPeerArgs('wg0', [], [peer(KEY_A, '10.210.0.2'), peer(KEY_A, '10.210.0.3')])],
    [
      'wide allowed ip',
      () => planPeerArgs('wg0', [], [peer(KEY_A, '10.210.0.2', { allowedIps: ['0.0.0.0/0'] })]),
    ],
    [
      'endpoint name',
      () => planPeerArgs('wg0', [], [peer(KEY_A, '10.210.0.2', { endpoint: 'evil.example:1' })]),
    ],
    [
      'keepalive',
      () => planPeerArgs('wg0', [], [peer(KEY_A, '10.210.0.2', { persistentKeepaliveSeconds: 0.5 })]),
    ],
    ['current key', () => planPeerArgs('wg0', ['x'], [])],
    ['address', () => checkInterfaceAddress('10.210.0.1')],
    ['address option', () => checkInterfaceAddress('-6/16')],
    ['path', () => checkAbsolutePath('relative/key')],
    ['path up', () => checkAbsolutePath('/etc/../root/key')],
    ['path newline', () => checkAbsolutePath('/tmp/key\nx')],
    ['upper-case name', () => checkInterfaceName('WG0')],
  ];
  for (const [what, run] of bad) assert.throws(run, isValidation, what);
  assert.equal(
    checkAbsolutePath('/var/lib/My Berth/keys'),
    '/var/lib/My Berth/keys',
    'no shell: spaces are fine',
  );
});

test('commands run in a namespace through nsenter, with the namespace name checked', () => {
  const tools: WireGuardTools = {
    wg: '/usr/bin/wg',
    ip: '/sbin/ip',
    nsenter: '/usr/bin/nsenter',
    wireguardGo: null,
  };
  assert.deepEqual(inNetns(tools, null, tools.wg, ['show']), { file: '/usr/bin/wg', args: ['show'] });
  assert.deepEqual(inNetns(tools, 'host-1', tools.wg, ['show']), {
    file: '/usr/bin/nsenter',
    args: ['--net=/run/netns/host-1', '--', '/usr/bin/wg', 'show'],
  });
  assert.throws(() => inNetns(tools, '../proc/1/ns/net', tools.wg, []), isValidation);
});

test('wg show dump is read without the private key; no handshake yet is null', () => {
  const dump = [
    ['wEkVoOq6j0xvv0krf6sKnK5xVt2JXpFN13WppStAnGA=', KEY_A, '51820', 'off'].join('\t'),
    [KEY_B, '(none)', '10.99.0.2:51820', '10.210.0.2/32', '1764700000', '1234', '5678', '25'].join('\t'),
    [KEY_C, '(none)', '(none)', '(none)', '0', '0', '0', 'off'].join('\t'),
    '',
  ].join('\n');
  const status = parseWgDump(dump);
  assert.deepEqual(status, {
    publicKey: KEY_A,
    listenPort: 51820,
    peers: [
      {
        publicKey: KEY_B,
        endpoint: '10.99.0.2:51820',
        allowedIps: ['10.210.0.2/32'],
        latestHandshakeAt: new Date(1764700000 * 1000),
        rxBytes: 1234,
        txBytes: 5678,
        persistentKeepaliveSeconds: 25,
      },
      {
        publicKey: KEY_C,
        endpoint: null,
        allowedIps: [],
        latestHandshakeAt: null,
        rxBytes: 0,
        txBytes: 0,
        persistentKeepaliveSeconds: null,
      },
    ],
  });
  assert.doesNotMatch(JSON.stringify(status), /wEkVoOq6/);
  assert.throws(
    () => parseWgDump('garbage'),
    (err: unknown) => err instanceof BerthError && err.code === 'INTERNAL',
  );
});
