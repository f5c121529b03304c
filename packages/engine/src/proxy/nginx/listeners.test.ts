import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BerthError } from '@berth/protocol';
import { nginxSettingsFor } from './listeners.js';

test('nginx settings take the ports of the listeners both edges are given', () => {
  assert.deepEqual(nginxSettingsFor({ httpListen: ':8080', httpsListen: ':8443' }), {
    httpListen: ':8080',
    httpsListen: ':8443',
    httpsPublicPort: 8443,
    httpPublicPort: 8080,
  });
  assert.deepEqual(nginxSettingsFor({ httpListen: ':8080', httpsListen: ':8443', hstsMaxAge: 300 }), {
    httpListen: ':8080',
    httpsListen: ':8443',
    httpsPublicPort: 8443,
    httpPublicPort: 8080,
    hstsMaxAge: 300,
  });
  assert.deepEqual(nginxSettingsFor({ httpListen: '127.0.0.1:80', httpsListen: null, hstsMaxAge: null }), {
    httpListen: '127.0.0.1:80',
    httpsListen: null,
    httpsPublicPort: 443,
    httpPublicPort: 80,
  });
});

test('a listener that is not host:port is refused before anything is rendered', () => {
  assert.throws(
    () => nginxSettingsFor({ httpListen: 'localhost:80', httpsListen: null }),
    (e: unknown) => e instanceof BerthError && e.code === 'VALIDATION_FAILED',
  );
  assert.throws(
    () => nginxSettingsFor({ httpListen: ':80', httpsListen: ':0' }),
    (e: unknown) => e instanceof BerthError && e.code === 'VALIDATION_FAILED',
  );
});
