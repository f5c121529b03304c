import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isBerthError } from '@berth/protocol';
import { parseServerConfig } from './config.js';

const parse = (extra: Record<string, string>) =>
  parseServerConfig({ BERTHD_DATA_DIR: '/var/lib/berth', ...extra });

test('allowed local source directories: none by default, a colon-separated list of absolute dirs', () => {
  assert.deepEqual(parse({}).allowLocalSources, []);
  assert.deepEqual(parse({ BERTHD_ALLOW_LOCAL_SOURCES: '' }).allowLocalSources, []);
  assert.deepEqual(parse({ BERTHD_ALLOW_LOCAL_SOURCES: '/srv/repos/:/home/git' }).allowLocalSources, [
    '/srv/repos',
    '/home/git',
  ]);
});

test('a relative, root or dotted directory is a startup error naming the variable', () => {
  for (const bad of ['srv/repos', '/', '/srv/../etc', '/srv/./x', '/srv/repos:relative']) {
    assert.throws(
      () => parse({ BERTHD_ALLOW_LOCAL_SOURCES: bad }),
      (err: unknown) =>
        isBerthError(err) &&
        err.code === 'VALIDATION_FAILED' &&
        err.issues[0]?.path === 'BERTHD_ALLOW_LOCAL_SOURCES',
      bad,
    );
  }
});

test('berthd listens on 127.0.0.1 with plain HTTP unless told an IP address beyond it', () => {
  assert.deepEqual([parse({}).listenHost, parse({}).tls], ['127.0.0.1', { kind: 'off' }]);
  assert.deepEqual(parse({ BERTHD_HOST: '::1' }).tls, { kind: 'off' });
  assert.deepEqual(parse({ BERTHD_HOST: '0.0.0.0' }).tls, {
    kind: 'internal',
    certLifetimeMs: 7 * 24 * 3_600_000,
  });
  // Any other address, a loopback one included, is served as a network address would be.
  assert.equal(parse({ BERTHD_HOST: '127.0.0.2', BERTHD_TLS_CERT_LIFETIME_MS: '5000' }).tls.kind, 'internal');
  assert.equal(parse({ BERTHD_HOST: '[2001:DB8::1]' }).listenHost, '2001:db8::1');
  assert.deepEqual(
    parse({ BERTHD_HOST: '::', BERTHD_TLS_CERT: '/etc/berth/cert.pem', BERTHD_TLS_KEY: '/etc/berth/key.pem' })
      .tls,
    { kind: 'given', certFile: '/etc/berth/cert.pem', keyFile: '/etc/berth/key.pem' },
  );
});

test('bad network settings are startup errors naming the variable', () => {
  const cases: [Record<string, string>, string][] = [
    [{ BERTHD_HOST: 'berth.example.com' }, 'BERTHD_HOST'],
    [{ BERTHD_HOST: '0.0.0.0', BERTHD_TLS_CERT: '/c.pem' }, 'BERTHD_TLS_KEY'],
    [{ BERTHD_HOST: '0.0.0.0', BERTHD_TLS_KEY: '/k.pem' }, 'BERTHD_TLS_CERT'],
    [{ BERTHD_HOST: '0.0.0.0', BERTHD_TLS_CERT: 'c.pem', BERTHD_TLS_KEY: '/k.pem' }, 'BERTHD_TLS_CERT'],
    [{ BERTHD_TLS_CERT: '/c.pem', BERTHD_TLS_KEY: '/k.pem' }, 'BERTHD_TLS_CERT'],
    [{ BERTHD_HOST: '0.0.0.0', BERTHD_TLS_CERT_LIFETIME_MS: '10' }, 'BERTHD_TLS_CERT_LIFETIME_MS'],
    [{ BERTHD_PUBLIC_URL: 'http://berth.example.com' }, 'BERTHD_PUBLIC_URL'],
    [{ BERTHD_PUBLIC_URL: 'https://berth.example.com/?a=b' }, 'BERTHD_PUBLIC_URL'],
  ];
  for (const [env, key] of cases) {
    assert.throws(
      () => parse(env),
      (err: unknown) => isBerthError(err) && err.code === 'VALIDATION_FAILED' && err.issues[0]?.path === key,
      JSON.stringify(env),
    );
  }
});

test('the public URL is https (http only for this machine) and its host goes on the certificate', () => {
  const c = parse({ BERTHD_PUBLIC_URL: 'https://Berth.Example.com/' });
  assert.deepEqual([c.publicUrl, c.publicHost], ['https://Berth.Example.com', 'berth.example.com']);
  assert.equal(parse({ BERTHD_PUBLIC_URL: 'http://127.0.0.1:7070' }).publicUrl, 'http://127.0.0.1:7070');
  assert.deepEqual([parse({}).publicUrl, parse({}).publicHost], [null, null]);
});

test('an external registry: its URL, login and password file, and never beside berthd’s own', () => {
  const external = {
    BERTHD_REGISTRY_URL: 'https://registry.example.com/acme/fleet',
    BERTHD_REGISTRY_USERNAME: 'fleet',
    BERTHD_REGISTRY_PASSWORD_FILE: '/etc/berth/registry-password',
  };
  assert.deepEqual(parse(external).externalRegistry, {
    address: 'registry.example.com/acme/fleet',
    scheme: 'https',
    username: 'fleet',
    passwordFile: '/etc/berth/registry-password',
  });
  assert.equal(parse({}).externalRegistry, null);
  const refused = (env: Record<string, string>, message: RegExp) =>
    assert.throws(
      () => parse(env),
      (err: unknown) => isBerthError(err) && message.test(err.message),
    );
  refused({ ...external, BERTHD_REGISTRY_LISTEN: '10.0.0.1:5000' }, /exclude each other/);
  refused({ ...external, BERTHD_REGISTRY_PASSWORD_FILE: 'relative' }, /absolute path/);
  refused({ BERTHD_REGISTRY_URL: external.BERTHD_REGISTRY_URL }, /needs BERTHD_REGISTRY_USERNAME/);
  refused({ ...external, BERTHD_REGISTRY_URL: 'https://u:p@registry.example.com' }, /not a registry URL/);
  refused({ BERTHD_MESH_SUBNET: '8.8.8.0/24' }, /not a usable mesh subnet/);
  assert.equal(parse({}).meshSubnet, '10.210.0.0/16');
});
