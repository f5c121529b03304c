import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toAgentSettings } from './run.js';
import { JOINED } from './test-support/joined.js';

const file = JOINED;
const opts = { builderDir: '/var/lib/berth-builder', logLevel: 'info' };

test('the agent dials wss:// with the pinned CA, named as berthd named it; the edge on the public ip, replicas on the private one', () => {
  assert.deepEqual(toAgentSettings(file, '/run/podman/podman.sock', opts), {
    name: 'web-2',
    serverUrl: 'wss://192.0.2.10:7070/api/v1/agent/connect',
    fingerprint: file.fingerprint,
    engineSocket: '/run/podman/podman.sock',
    builderDir: '/var/lib/berth-builder',
    httpListen: '203.0.113.5:80',
    httpsListen: null,
    hstsMaxAge: null,
    publishHost: '10.99.0.2',
    privateIp: '10.99.0.2',
    mesh: { interfaceName: 'berth-mesh', listenPort: 51820 },
    upstreamRefreshMs: 50,
    logLevel: 'info',
    proxy: 'caddy',
  });
});

test('the edge is the one joined with: nginx when agent.json says so, else Caddy', () => {
  assert.equal(toAgentSettings({ ...file, proxy: 'nginx' }, '/s', opts).proxy, 'nginx');
  assert.equal(toAgentSettings({ ...file, proxy: 'caddy' }, '/s', opts).proxy, 'caddy');
  assert.equal(toAgentSettings(file, '/s', opts).proxy, 'caddy');
});

test('the mesh: as joined, none with --no-mesh, the defaults for a server that joined before the mesh', () => {
  const mesh = { interfaceName: 'wg7', listenPort: 51999 };
  assert.deepEqual(toAgentSettings({ ...file, mesh }, '/s', opts).mesh, mesh);
  assert.equal(toAgentSettings({ ...file, mesh: null }, '/s', opts).mesh, null);
  assert.equal(file.mesh, undefined, 'the fixture joined before the mesh');
  assert.deepEqual(toAgentSettings(file, '/s', opts).mesh, {
    interfaceName: 'berth-mesh',
    listenPort: 51820,
  });
});

test('without addresses the edge serves every address and replicas stay on loopback; IPv6 is bracketed; http stays ws', () => {
  const bare = toAgentSettings(
    { ...file, serverUrl: 'http://127.0.0.1:7070', fingerprint: null, publicIp: null, privateIp: null },
    '/s',
    opts,
  );
  assert.deepEqual(
    [bare.serverUrl, bare.httpListen, bare.publishHost, bare.privateIp],
    ['ws://127.0.0.1:7070/api/v1/agent/connect', ':80', '127.0.0.1', null],
  );
  assert.equal(toAgentSettings({ ...file, publicIp: 'fd00::5' }, '/s', opts).httpListen, '[fd00::5]:80');
});

test('--https-port at join: HTTPS on the same address as HTTP', () => {
  assert.equal(toAgentSettings({ ...file, httpsPort: 443 }, '/s', opts).httpsListen, '203.0.113.5:443');
  assert.equal(
    toAgentSettings({ ...file, publicIp: null, httpsPort: 8443 }, '/s', opts).httpsListen,
    ':8443',
  );
  assert.equal(toAgentSettings({ ...file, httpsPort: 443, hstsMaxAge: 600 }, '/s', opts).hstsMaxAge, 600);
});
