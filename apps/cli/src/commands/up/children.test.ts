import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidArgumentError } from 'commander';
import { agentChild, localAgentSettings, type UpSettings } from './children.js';
import { dialOf } from './nginx-child.js';
import { parseProxyArg } from './options.js';
import { toUpPaths } from './paths.js';

const settings = (apiHost: string, mesh = true): UpSettings => ({
  apiPort: 7070,
  httpPort: 80,
  httpsPort: null,
  hstsMaxAge: null,
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
  proxy: 'caddy',
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

const edge = { responderPort: 7801, certificatePort: 7802, certificateSecret: 's'.repeat(43) };

test('--proxy nginx tells the agent its edge, the prefix under the data dir and the binary the supervisor runs', () => {
  const paths = toUpPaths('/var/lib/berth');
  const nginx = agentChild(paths, localAgentSettings({ ...settings('127.0.0.1'), proxy: 'nginx' }), {
    ...edge,
    nginxBin: '/usr/sbin/nginx',
  }).env;
  assert.equal(nginx.BERTH_AGENT_PROXY, 'nginx');
  assert.equal(nginx.BERTH_AGENT_NGINX_PREFIX, '/var/lib/berth/nginx');
  assert.equal(nginx.BERTH_AGENT_NGINX_BIN, '/usr/sbin/nginx');
  assert.equal(nginx.BERTH_AGENT_HTTP_LISTEN, ':80', 'the same listeners as Caddy gets');
  const caddy = agentChild(paths, localAgentSettings(settings('127.0.0.1')), { ...edge, nginxBin: null }).env;
  assert.equal(caddy.BERTH_AGENT_PROXY, 'caddy');
  assert.equal(caddy.BERTH_AGENT_NGINX_PREFIX, undefined);
  assert.equal(caddy.BERTH_AGENT_NGINX_BIN, undefined);
});

test('--hsts-max-age reaches the agent with the HTTPS listener; nothing is said without it', () => {
  const paths = toUpPaths('/var/lib/berth');
  const https = { ...settings('127.0.0.1'), httpsPort: 443, hstsMaxAge: 31536000 };
  const on = agentChild(paths, localAgentSettings(https), { ...edge, nginxBin: null }).env;
  assert.deepEqual([on.BERTH_AGENT_HTTPS_LISTEN, on.BERTH_AGENT_HSTS_MAX_AGE], [':443', '31536000']);
  const zero = localAgentSettings({ ...https, hstsMaxAge: 0 });
  assert.equal(agentChild(paths, zero, { ...edge, nginxBin: null }).env.BERTH_AGENT_HSTS_MAX_AGE, '0');
  const off = agentChild(paths, localAgentSettings(settings('127.0.0.1')), { ...edge, nginxBin: null }).env;
  assert.equal('BERTH_AGENT_HSTS_MAX_AGE' in off, false);
});

test('--proxy takes caddy or nginx only', () => {
  assert.equal(parseProxyArg('caddy'), 'caddy');
  assert.equal(parseProxyArg('nginx'), 'nginx');
  for (const bad of ['Nginx', 'haproxy', '', 'nginx '])
    assert.throws(() => parseProxyArg(bad), InvalidArgumentError);
});

test("nginx's readiness knocks on its own address, or loopback when it listens on every one", () => {
  assert.deepEqual(dialOf(':8080'), { host: '127.0.0.1', port: 8080 });
  assert.deepEqual(dialOf('0.0.0.0:80'), { host: '127.0.0.1', port: 80 });
  assert.deepEqual(dialOf('203.0.113.5:80'), { host: '203.0.113.5', port: 80 });
  assert.deepEqual(dialOf('[::]:80'), { host: '::1', port: 80 });
  assert.deepEqual(dialOf('[2001:db8::1]:443'), { host: '2001:db8::1', port: 443 });
});
