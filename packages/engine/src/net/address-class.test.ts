import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyAddress, embeddedIpv4 } from './address-class.js';

test('public addresses are no class', () => {
  for (const a of [
    '1.1.1.1',
    '8.8.8.8',
    '93.184.216.34',
    '100.63.255.255',
    '100.128.0.0',
    '172.32.0.1',
    '2606:4700::1111',
    '2a00:1450::1',
  ])
    assert.equal(classifyAddress(a), null, a);
});

test('each refused class, IPv4 and IPv6', () => {
  const cases: Array<[string, string]> = [
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['fd12:3456::1', 'private'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.254', 'cgnat'],
    ['169.254.1.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['169.254.169.254', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['192.0.0.192', 'reserved'],
    ['2001:db8::1', 'reserved'],
  ];
  for (const [address, cls] of cases) assert.equal(classifyAddress(address), cls, address);
});

test('IPv6 forms that carry an IPv4 address are judged by it', () => {
  assert.equal(embeddedIpv4('::ffff:127.0.0.1'), '127.0.0.1');
  assert.equal(embeddedIpv4('::ffff:7f00:1'), '127.0.0.1');
  assert.equal(embeddedIpv4('64:ff9b::a00:1'), '10.0.0.1');
  assert.equal(embeddedIpv4('2002:a9fe:a9fe::1'), '169.254.169.254');
  assert.equal(embeddedIpv4('::1'), null);
  assert.equal(embeddedIpv4('2606:4700::1111'), null);
  assert.equal(classifyAddress('::ffff:127.0.0.1'), 'loopback');
  assert.equal(classifyAddress('::ffff:10.0.0.1'), 'private');
  assert.equal(classifyAddress('64:ff9b::a9fe:a9fe'), 'metadata');
  assert.equal(classifyAddress('2002:c0a8:0101::1'), 'private');
  assert.equal(classifyAddress('::ffff:1.1.1.1'), null);
  assert.equal(classifyAddress('::127.0.0.1'), 'loopback');
});

test('text that is not an address throws', () => {
  assert.throws(() => classifyAddress('localhost'), /not an IP address/);
  assert.throws(() => classifyAddress('[::1]'), /not an IP address/);
});
