import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BerthError } from '@berth/protocol';
import { isLoopbackHost, parseIpAddress } from './addresses.js';
import { parsePublicUrl } from './public-url.js';
import { planServingNames } from './serving-names.js';

test('IP addresses are read in their canonical form, anything else is not an address', () => {
  assert.deepEqual(parseIpAddress('192.0.2.7'), { address: '192.0.2.7', family: 4 });
  assert.deepEqual(parseIpAddress('[2001:DB8::0:1]'), { address: '2001:db8::1', family: 6 });
  assert.deepEqual(parseIpAddress('::'), { address: '::', family: 6 });
  for (const bad of ['256.0.0.1', '1.2.3', '01.2.3.4', 'example.com', '1::2::3', '', 'fe80::1%eth0'])
    assert.equal(parseIpAddress(bad), null, bad);
});

test('loopback hosts are this machine only', () => {
  for (const host of [
    'localhost',
    'web.localhost',
    '127.0.0.1',
    '127.0.0.2',
    '::1',
    '[::1]',
    '::ffff:127.0.0.1',
  ])
    assert.equal(isLoopbackHost(host), true, host);
  for (const host of ['10.0.0.1', '0.0.0.0', '::', 'example.com', 'localhost.example.com', '128.0.0.1'])
    assert.equal(isLoopbackHost(host), false, host);
});

test('a public URL is https, or http for this machine only', () => {
  assert.deepEqual(parsePublicUrl('https://berth.example.com/', '--public-url'), {
    href: 'https://berth.example.com',
    host: 'berth.example.com',
    port: 443,
    secure: true,
  });
  assert.deepEqual(parsePublicUrl('https://[2001:db8::7]:7070', '--public-url'), {
    href: 'https://[2001:db8::7]:7070',
    host: '2001:db8::7',
    port: 7070,
    secure: true,
  });
  assert.equal(parsePublicUrl('http://127.0.0.1:7070', 'X').secure, false);
  assert.equal(parsePublicUrl('https://ci.example.com/berth', 'X').href, 'https://ci.example.com/berth');
  const refused: [string, RegExp][] = [
    ['http://berth.example.com', /must be https/],
    ['http://10.0.0.5:7070', /must be https/],
    ['ftp://berth.example.com', /http\(s\) URL/],
    ['berth.example.com', /http\(s\) URL/],
    ['https://user:pw@berth.example.com', /user, a query or a fragment/],
    ['https://berth.example.com/?x=1', /user, a query or a fragment/],
    ['https://berth.example.com/#x', /user, a query or a fragment/],
    ['https://berth.example.com/a;b', /path/],
    ['https://bad_host.example.com', /DNS host/],
  ];
  for (const [raw, why] of refused) {
    assert.throws(
      () => parsePublicUrl(raw, '--public-url'),
      (err: unknown) =>
        err instanceof BerthError && err.code === 'VALIDATION_FAILED' && why.test(err.message),
      raw,
    );
  }
});

test('the serving certificate names every way a client reaches berthd, and nothing it cannot carry', () => {
  const names = planServingNames({
    hostname: 'Build-01',
    addresses: ['127.0.0.1', '::1', '192.0.2.10', 'fe80::1c2b:3ff:fe4a:1%eth0', '2001:db8::10'],
    listenHost: '0.0.0.0',
    publicHost: 'berth.example.com',
  });
  assert.deepEqual(names, {
    dnsNames: ['berth.example.com', 'build-01', 'localhost'],
    ipAddresses: ['127.0.0.1', '192.0.2.10', '2001:db8::10', '::1'],
  });
  const byAddress = planServingNames({
    hostname: 'host_with_underscore',
    addresses: [],
    listenHost: '127.0.0.2',
    publicHost: '203.0.113.7',
  });
  assert.deepEqual(byAddress, {
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1', '127.0.0.2', '203.0.113.7', '::1'],
  });
});
