import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { requestPath } from './api-paths.js';
import { createTransport } from './transport.js';

test('path parameters are filled and percent-encoded, so a value stays one segment', () => {
  assert.equal(requestPath('/apps/{app}', { path: { app: 'web' } }), '/apps/web');
  assert.equal(requestPath('/apps/{app}', { path: { app: '../users?x=1' } }), '/apps/..%2Fusers%3Fx%3D1');
  assert.equal(
    requestPath('/apps/{app}/domains/{name}/check', { path: { app: 'a b', name: 'é.example#x' } }),
    '/apps/a%20b/domains/%C3%A9.example%23x/check',
  );
  assert.equal(
    requestPath('/apps/{app}/builds/{number}', { path: { app: 'w', number: 7 } }),
    '/apps/w/builds/7',
  );
  // An empty name is a value (berthd answers it), not a missing one.
  assert.equal(requestPath('/apps/{app}', { path: { app: '' } }), '/apps/');
  assert.equal(requestPath('/health'), '/health');
});

test('a path parameter missing, or one the template does not have, throws instead of asking another URL', () => {
  assert.throws(() => requestPath('/apps/{app}'), {
    name: 'TypeError',
    message: '/apps/{app}: no value for the path parameter app',
  });
  assert.throws(() => requestPath('/apps/{app}/cron/{name}', { path: { app: 'web' } }), {
    name: 'TypeError',
    message: '/apps/{app}/cron/{name}: no value for the path parameter name',
  });
  // Inherited properties are not parameters.
  assert.throws(() => requestPath('/keys/{toString}', { path: {} }), {
    name: 'TypeError',
    message: /no value for the path parameter toString/,
  });
  assert.throws(() => requestPath('/apps/{app}', { path: { app: 'web', team: 'x' } }), {
    name: 'TypeError',
    message: '/apps/{app}: has no path parameter team',
  });
});

test('the query leaves out what is undefined, keeps the order given and encodes its values', () => {
  assert.equal(
    requestPath('/apps/{app}/logs', {
      path: { app: 'web' },
      query: { follow: 'true', tail: 0, since: undefined, grep: 'a&b=c d' },
    }),
    '/apps/web/logs?follow=true&tail=0&grep=a%26b%3Dc+d',
  );
  assert.equal(requestPath('/tokens', { query: { team: undefined } }), '/tokens');
  assert.equal(requestPath('/x', { query: { cmd: ['sh', '-c'], ok: false } }), '/x?cmd=sh&cmd=-c&ok=false');
});

test('requests are typed against openapi.yaml: a path, method or parameter it lacks does not compile', () => {
  const { json, call } = createTransport({ url: 'http://127.0.0.1:9', token: null });
  // Never called: what is checked here is that tsc (tsconfig.test.json) accepts and refuses these.
  const typeChecks = (): void => {
    void json(z.unknown(), 'GET', '/apps/{app}', { path: { app: 'web' } });
    void call('DELETE', '/backup-schedules/{source}', { path: { source: 'v' }, query: { target: 't' } });
    void json(z.unknown(), 'POST', '/apps', { body: { name: 'web' } });
    // @ts-expect-error: not a path of the spec
    void json(z.unknown(), 'GET', '/application/{app}', { path: { app: 'web' } });
    // @ts-expect-error: the spec has no PUT on it
    void json(z.unknown(), 'PUT', '/apps/{app}', { path: { app: 'web' } });
    // @ts-expect-error: its path parameter is required
    void json(z.unknown(), 'GET', '/apps/{app}');
    // @ts-expect-error: a parameter the path does not have
    void json(z.unknown(), 'GET', '/apps/{app}', { path: { app: 'web', team: 't' } });
    // @ts-expect-error: a query parameter the operation does not take
    void json(z.unknown(), 'GET', '/health', { query: { team: 't' } });
    // @ts-expect-error: this query parameter is required (target)
    void call('DELETE', '/backup-schedules/{source}', { path: { source: 'v' } });
    // @ts-expect-error: a body that is not the operation's
    void json(z.unknown(), 'POST', '/apps', { body: { name: 42 } });
    // @ts-expect-error: the operation takes no body
    void json(z.unknown(), 'POST', '/keys/rotate', { body: {} });
  };
  assert.equal(typeof typeChecks, 'function');
});
