import assert from 'node:assert/strict';
import { test } from 'node:test';
import { localAgentSettings, type UpSettings } from './children.js';

const settings = (apiHost: string, mesh = true): UpSettings => ({
  apiPort: 7070,
  httpPort: 80,
  httpsPort: null,
  acme: null,
  httpHost: '',
  domain: 'localhost',
  logLevel: 'info',
  engineSocket: '/run/podman/podman.sock',
  builderDir: '/var/lib/berth-builder',
  upstreamRefreshMs: 50,
  allowLocalSources: [],
  remote: { apiHost, tls: apiHost !== '127.0.0.1', publicUrl: null, given: null },
  registryListen: null,
  externalRegistry: null,
  meshSubnet: null,
  mesh,
});

const facts = (s: UpSettings) => {
  const agent = localAgentSettings(s);
  return { publishHost: agent.publishHost, privateIp: agent.privateIp, mesh: agent.mesh };
};

test("the control plane's own agent joins the fleet when the API is on one private address", () => {
  assert.deepEqual(facts(settings('10.0.0.5')), {
    publishHost: '10.0.0.5',
    privateIp: '10.0.0.5',
    mesh: { interfaceName: 'berth-mesh', listenPort: 51820 },
  });
  assert.deepEqual(facts(settings('10.0.0.5', false)).mesh, null, '--no-mesh');
});

test('otherwise its replicas stay on loopback: on one machine, on every address, or on a public one', () => {
  for (const apiHost of ['127.0.0.1', '0.0.0.0', '203.0.113.7', '::']) {
    assert.deepEqual(
      facts(settings(apiHost)),
      { publishHost: '127.0.0.1', privateIp: null, mesh: null },
      apiHost,
    );
  }
});
