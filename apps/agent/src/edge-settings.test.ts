import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nginxSettingsFor } from '@berth/engine';
import { parseAgentConfig } from './config.js';
import { toEdgeSettings } from './edge-settings.js';

const env = {
  BERTH_AGENT_DATA_DIR: '/tmp/a',
  BERTH_AGENT_SERVER_URL: 'ws://127.0.0.1:7070/api/v1/agent/connect',
  BERTH_AGENT_ENGINE_SOCKET: '/run/podman.sock',
  BERTH_AGENT_CADDY_ADMIN: '/run/caddy.sock',
  BERTH_AGENT_DNS_SOCKET: '/run/dns.sock',
  BERTH_EDGE_RESPONDER_PORT: '7801',
  BERTH_EDGE_CERTIFICATE_PORT: '7802',
  BERTH_EDGE_CERTIFICATE_SECRET: 'x'.repeat(43),
  BERTH_AGENT_HTTPS_LISTEN: ':8443',
};

test("HSTS reaches either edge's settings as configured, and neither when it is not", () => {
  const on = parseAgentConfig({ ...env, BERTH_AGENT_HSTS_MAX_AGE: '600' });
  assert.equal(toEdgeSettings(on).https?.hstsMaxAge, 600);
  assert.equal(nginxSettingsFor(on).hstsMaxAge, 600);
  const off = parseAgentConfig(env);
  assert.ok(off.httpsListen !== null && toEdgeSettings(off).https !== null);
  assert.equal('hstsMaxAge' in (toEdgeSettings(off).https ?? {}), false);
  assert.equal('hstsMaxAge' in nginxSettingsFor(off), false);
});
