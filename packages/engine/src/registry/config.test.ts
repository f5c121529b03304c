import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isBerthError } from '@berth/protocol';
import { parseRegistryListen, renderRegistryConfig } from './config.js';

const input = {
  storageDir: '/data/registry/storage',
  htpasswdPath: '/data/registry/htpasswd',
  listen: '10.99.0.254:5000',
  httpSecret: 's'.repeat(64),
  instanceNonce: 'n'.repeat(32),
};

test('the config stores under the data dir, needs logins and never deletes', () => {
  const config = JSON.parse(renderRegistryConfig(input)) as Record<string, Record<string, unknown>>;
  assert.deepEqual(config.storage?.filesystem, { rootdirectory: '/data/registry/storage' });
  assert.deepEqual(config.storage?.delete, { enabled: false });
  assert.deepEqual(config.auth, { htpasswd: { realm: 'berth-registry', path: '/data/registry/htpasswd' } });
  assert.equal(config.http?.addr, '10.99.0.254:5000');
  assert.equal(config.http?.tls, undefined);
  assert.deepEqual((config.http?.headers as Record<string, unknown>)['X-Berth-Registry'], ['n'.repeat(32)]);
});

test('TLS names the certificate and key files', () => {
  const config = JSON.parse(
    renderRegistryConfig({ ...input, tls: { certPath: '/c/cert.pem', keyPath: '/c/key.pem' } }),
  ) as { http: { tls: unknown } };
  assert.deepEqual(config.http.tls, { certificate: '/c/cert.pem', key: '/c/key.pem' });
});

test('a value cannot change the structure of the file', () => {
  const hostile = '/data/x\nauth: {}';
  assert.throws(() => renderRegistryConfig({ ...input, storageDir: hostile }), /absolute/);
  const config = JSON.parse(renderRegistryConfig({ ...input, storageDir: '/data/"quoted": {}' })) as {
    storage: { filesystem: { rootdirectory: string } };
    auth: unknown;
  };
  assert.equal(config.storage.filesystem.rootdirectory, '/data/"quoted": {}');
  assert.ok(config.auth);
});

test('listen addresses are IPv4:port and nothing else', () => {
  assert.deepEqual(parseRegistryListen('127.0.0.1:5000'), { host: '127.0.0.1', port: 5000 });
  assert.deepEqual(parseRegistryListen('10.99.0.254:65535'), { host: '10.99.0.254', port: 65535 });
  for (const bad of [
    ':5000',
    '127.0.0.1',
    '127.0.0.1:0',
    '127.0.0.1:65536',
    '256.0.0.1:5000',
    'localhost:5000',
    '[::1]:5000',
    '127.0.0.1:05000',
    '1.2.3.4:5 ',
  ]) {
    assert.throws(
      () => parseRegistryListen(bad),
      (err: unknown) => isBerthError(err) && err.code === 'VALIDATION_FAILED',
      bad,
    );
  }
});
