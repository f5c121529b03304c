import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_BASE_IMAGES } from '@berth/core';
import { listenHostOf, parseAgentConfig } from './config.js';

const base = {
  BERTH_AGENT_DATA_DIR: '/tmp/a',
  BERTH_AGENT_SERVER_URL: 'ws://127.0.0.1:7070/api/v1/agent/connect',
  BERTH_AGENT_ENGINE_SOCKET: '/run/podman.sock',
  BERTH_AGENT_CADDY_ADMIN: '/run/caddy.sock',
  BERTH_AGENT_DNS_SOCKET: '/run/dns.sock',
  BERTH_EDGE_RESPONDER_PORT: '7801',
  BERTH_EDGE_CERTIFICATE_PORT: '7802',
  BERTH_EDGE_CERTIFICATE_SECRET: 'x'.repeat(43),
};

test('the edge service and HTTPS come from berth up; no HTTPS listener unless given', () => {
  const config = parseAgentConfig(base);
  assert.equal(config.httpsListen, null);
  assert.deepEqual(config.edgeService, {
    responderPort: 7801,
    certificatePort: 7802,
    certificateSecret: 'x'.repeat(43),
  });
  assert.equal(parseAgentConfig({ ...base, BERTH_AGENT_HTTPS_LISTEN: ':8443' }).httpsListen, ':8443');
  assert.throws(() => parseAgentConfig({ ...base, BERTH_EDGE_RESPONDER_PORT: '70000' }), /must be a port/);
});

test('HSTS is off unless configured: whole seconds up to two years, with an HTTPS listener only', () => {
  assert.equal(parseAgentConfig(base).hstsMaxAge, null);
  const https = { ...base, BERTH_AGENT_HTTPS_LISTEN: ':8443' };
  assert.equal(parseAgentConfig({ ...https, BERTH_AGENT_HSTS_MAX_AGE: '31536000' }).hstsMaxAge, 31536000);
  assert.equal(parseAgentConfig({ ...https, BERTH_AGENT_HSTS_MAX_AGE: '0' }).hstsMaxAge, 0);
  for (const bad of ['-1', '1.5', '1e3', '63072001', 'forever', ' 300'])
    assert.throws(
      () => parseAgentConfig({ ...https, BERTH_AGENT_HSTS_MAX_AGE: bad }),
      /BERTH_AGENT_HSTS_MAX_AGE must be a whole number of seconds from 0 to 63072000/,
      bad,
    );
  assert.throws(
    () => parseAgentConfig({ ...base, BERTH_AGENT_HSTS_MAX_AGE: '300' }),
    /BERTH_AGENT_HSTS_MAX_AGE needs BERTH_AGENT_HTTPS_LISTEN/,
  );
});

test("base images are Berth's unless configured per builder", () => {
  assert.deepEqual(parseAgentConfig(base).baseImages, DEFAULT_BASE_IMAGES);
  const custom = parseAgentConfig({ ...base, BERTH_AGENT_BASE_IMAGE_NODE: 'registry.example.com/node:22' });
  assert.deepEqual(custom.baseImages, { ...DEFAULT_BASE_IMAGES, node: 'registry.example.com/node:22' });
});

test('a base image that is not an image reference is a configuration error naming the variable', () => {
  assert.throws(
    () => parseAgentConfig({ ...base, BERTH_AGENT_BASE_IMAGE_PYTHON: 'python:3; rm -rf /' }),
    /BERTH_AGENT_BASE_IMAGE_PYTHON must be an image reference/,
  );
});

test('the log stream limit defaults to 128 and must be a whole number in range', () => {
  assert.equal(parseAgentConfig(base).maxLogStreams, 128);
  assert.equal(parseAgentConfig({ ...base, BERTH_AGENT_MAX_LOG_STREAMS: '512' }).maxLogStreams, 512);
  for (const bad of ['0', '1.5', 'many', '20000'])
    assert.throws(
      () => parseAgentConfig({ ...base, BERTH_AGENT_MAX_LOG_STREAMS: bad }),
      /BERTH_AGENT_MAX_LOG_STREAMS must be an integer from 1 to 10000/,
    );
});

test('the server link is ws:// only on this machine; beyond it wss://, with an optional CA pin', () => {
  assert.equal(parseAgentConfig(base).serverFingerprint, null);
  const remote = {
    ...base,
    BERTH_AGENT_SERVER_URL: 'wss://berth.example.com:7070/api/v1/agent/connect',
    BERTH_AGENT_SERVER_FINGERPRINT: `SHA256:${'AB'.repeat(32)}`,
  };
  assert.equal(parseAgentConfig(remote).serverFingerprint, `sha256:${'ab'.repeat(32)}`);
  assert.throws(
    () => parseAgentConfig({ ...base, BERTH_AGENT_SERVER_URL: 'ws://192.0.2.10:7070/api/v1/agent/connect' }),
    /BERTH_AGENT_SERVER_URL must be wss:\/\/ to reach berthd beyond this machine/,
  );
  assert.throws(
    () => parseAgentConfig({ ...base, BERTH_AGENT_SERVER_FINGERPRINT: `sha256:${'ab'.repeat(32)}` }),
    /BERTH_AGENT_SERVER_FINGERPRINT pins a TLS certificate: BERTH_AGENT_SERVER_URL must be wss:\/\//,
  );
  assert.throws(
    () => parseAgentConfig({ ...remote, BERTH_AGENT_SERVER_FINGERPRINT: 'sha256:abc' }),
    /BERTH_AGENT_SERVER_FINGERPRINT must be "sha256:" followed by 64 hex digits/,
  );
  assert.throws(
    () => parseAgentConfig({ ...base, BERTH_AGENT_SERVER_URL: 'http://127.0.0.1:7070' }),
    /ws\(s\):\/\//,
  );
});

test('the private address is an IP address, told to berthd as it is; none by default', () => {
  assert.equal(parseAgentConfig(base).privateIp, null);
  assert.equal(parseAgentConfig({ ...base, BERTH_AGENT_PRIVATE_IP: '10.99.0.2' }).privateIp, '10.99.0.2');
  assert.equal(parseAgentConfig({ ...base, BERTH_AGENT_PRIVATE_IP: '[fd00::2]' }).privateIp, 'fd00::2');
  assert.throws(
    () => parseAgentConfig({ ...base, BERTH_AGENT_PRIVATE_IP: 'web-2.internal' }),
    /BERTH_AGENT_PRIVATE_IP must be an IP address, got "web-2.internal"/,
  );
});

test('the edge is Caddy unless BERTH_AGENT_PROXY=nginx, which needs an absolute prefix', () => {
  assert.deepEqual(parseAgentConfig(base).proxy, { kind: 'caddy' });
  assert.deepEqual(
    parseAgentConfig({
      ...base,
      BERTH_AGENT_PROXY: 'nginx',
      BERTH_AGENT_NGINX_PREFIX: '/var/lib/berth/nginx',
    }).proxy,
    { kind: 'nginx', prefix: '/var/lib/berth/nginx', nginxBin: null },
  );
  assert.deepEqual(
    parseAgentConfig({
      ...base,
      BERTH_AGENT_PROXY: 'nginx',
      BERTH_AGENT_NGINX_PREFIX: '/p',
      BERTH_AGENT_NGINX_BIN: '/usr/sbin/nginx',
    }).proxy,
    { kind: 'nginx', prefix: '/p', nginxBin: '/usr/sbin/nginx' },
  );
  assert.throws(() => parseAgentConfig({ ...base, BERTH_AGENT_PROXY: 'haproxy' }), /caddy or nginx/);
  assert.throws(() => parseAgentConfig({ ...base, BERTH_AGENT_PROXY: 'nginx' }), /NGINX_PREFIX/);
  assert.throws(
    () => parseAgentConfig({ ...base, BERTH_AGENT_PROXY: 'nginx', BERTH_AGENT_NGINX_PREFIX: 'rel/p' }),
    /NGINX_PREFIX must be an absolute path/,
  );
  assert.throws(
    () =>
      parseAgentConfig({
        ...base,
        BERTH_AGENT_PROXY: 'nginx',
        BERTH_AGENT_NGINX_PREFIX: '/p',
        BERTH_AGENT_NGINX_BIN: 'nginx',
      }),
    /NGINX_BIN must be an absolute path/,
  );
});

test('the edge listen address of a host:port spec (where --public-port databases are published)', () => {
  assert.equal(listenHostOf(':80'), '0.0.0.0');
  assert.equal(listenHostOf('127.0.0.1:8080'), '127.0.0.1');
  assert.equal(listenHostOf('[::1]:80'), '::1');
});
