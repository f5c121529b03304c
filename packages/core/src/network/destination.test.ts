import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BerthError } from '@berth/protocol';
import { classifyIpAddress, isAllowedAddressClass } from './address-class.js';
import { checkResolvedAddresses, parseOutboundUrl } from './destination.js';

test('addresses are classified, IPv4 embedded in IPv6 as the IPv4 it leads to', () => {
  const cases: Array<[string, string]> = [
    ['8.8.8.8', 'public'],
    ['1.1.1.1', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.254', 'cgnat'],
    ['100.128.0.1', 'public'],
    ['169.254.169.254', 'metadata'],
    ['169.254.1.1', 'link-local'],
    ['168.63.129.16', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['192.0.2.1', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::ffff:8.8.8.8', 'public'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['64:ff9b::8.8.8.8', 'public'],
    ['2002:a9fe:a9fe::1', 'metadata'],
    ['2002:0808:0808::1', 'public'],
    ['::127.0.0.1', 'reserved'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fd00:ec2::254', 'metadata'],
    ['fe80::1', 'link-local'],
    ['febf::1', 'link-local'],
    ['fec0::1', 'private'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'reserved'],
    ['2001:0:4136:e378::1', 'reserved'],
    ['2606:4700:4700::1111', 'public'],
    ['2a00:1450:4001::200e', 'public'],
    ['4000::1', 'reserved'],
  ];
  for (const [address, kind] of cases) assert.equal(classifyIpAddress(address), kind, address);
  for (const notIp of ['example.com', '1.2.3', '256.1.1.1', '1.2.3.4.5', '::g', '']) {
    assert.equal(classifyIpAddress(notIp), null, notIp);
  }
});

test('allowPrivate opens loopback, private and CGNAT, never metadata, link-local, multicast or reserved', () => {
  assert.ok(isAllowedAddressClass('public', false));
  for (const kind of ['loopback', 'private', 'cgnat'] as const) {
    assert.ok(!isAllowedAddressClass(kind, false));
    assert.ok(isAllowedAddressClass(kind, true));
  }
  for (const kind of ['metadata', 'link-local', 'multicast', 'unspecified', 'reserved'] as const) {
    assert.ok(!isAllowedAddressClass(kind, true), kind);
  }
});

const refusedAs = (code: string, pattern?: RegExp) => (e: unknown) => {
  assert.ok(e instanceof BerthError, String(e));
  assert.equal(e.code, code, e.message);
  if (pattern) assert.match(e.message, pattern);
  return true;
};

test('outbound URLs: http(s) to a name or a public address; private ones only when allowed', () => {
  const closed = { allowPrivate: false };
  const open = { allowPrivate: true };
  const s3 = parseOutboundUrl('https://S3.Example.com', 'endpoint', closed);
  assert.deepEqual(
    { host: s3.host, port: s3.port, secure: s3.secure, href: s3.href },
    { host: 's3.example.com', port: 443, secure: true, href: 'https://s3.example.com/' },
  );
  assert.equal(parseOutboundUrl('http://minio.lan:9000/', 'endpoint', closed).port, 9000);
  assert.equal(parseOutboundUrl('http://[2606:4700::1]:8080', 'endpoint', closed).host, '2606:4700::1');
  assert.equal(parseOutboundUrl('http://127.0.0.1:4568', 'endpoint', open).host, '127.0.0.1');
  assert.equal(parseOutboundUrl('http://localhost:4568', 'endpoint', open).host, 'localhost');

  for (const raw of [
    'http://127.0.0.1:4568',
    'http://localhost',
    'http://a.localhost',
    'http://10.0.0.5',
    'http://[::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://2130706433/', // 127.0.0.1 as one number: the URL parser canonicalises it
    'http://0x7f.1/',
    'http://0177.0.0.1/',
  ]) {
    assert.throws(() => parseOutboundUrl(raw, 'endpoint', closed), refusedAs('DESTINATION_NOT_ALLOWED'), raw);
  }
  for (const raw of [
    'http://169.254.169.254/latest/meta-data',
    'http://[fd00:ec2::254]/',
    'http://0.0.0.0:80',
  ]) {
    assert.throws(() => parseOutboundUrl(raw, 'endpoint', open), refusedAs('DESTINATION_NOT_ALLOWED'), raw);
  }
  for (const raw of [
    'ftp://s3.example.com',
    'file:///etc/passwd',
    'gopher://x',
    'javascript:alert(1)',
    'https://user:pass@s3.example.com',
    'https://s3.example.com/#x',
    'https://s3 .example.com',
    'https://s3.example.com/\n',
    'https://under_score.example.com',
    's3.example.com',
    '',
    42,
    'https://' + 'a'.repeat(2100) + '.com',
  ]) {
    assert.throws(() => parseOutboundUrl(raw, 'endpoint', open), refusedAs('VALIDATION_FAILED'), String(raw));
  }
});

test('every resolved address is checked; one bad answer refuses the name', () => {
  const policy = { allowPrivate: false };
  checkResolvedAddresses('endpoint', 's3.example.com', ['93.184.216.34', '2606:2800:220:1::1'], policy);
  assert.throws(
    () =>
      checkResolvedAddresses('endpoint', 'evil.example.com', ['93.184.216.34', '169.254.169.254'], policy),
    refusedAs(
      'DESTINATION_NOT_ALLOWED',
      /evil\.example\.com \(169\.254\.169\.254\) is a cloud metadata service's address/,
    ),
  );
  assert.throws(
    () => checkResolvedAddresses('endpoint', 'rebind.example.com', ['127.0.0.1'], policy),
    refusedAs('DESTINATION_NOT_ALLOWED', /loopback/),
  );
  checkResolvedAddresses('endpoint', 'minio.lan', ['192.168.1.20'], { allowPrivate: true });
});
