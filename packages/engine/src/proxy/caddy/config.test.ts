import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toUpstreamStatuses } from './admin-client.js';
import { isSameCaddyConfig } from './caddy-proxy.js';
import { renderCaddyBootConfig, toCaddyDuration } from './config.js';

test('the boot config is the admin API on its unix socket', () => {
  assert.deepEqual(renderCaddyBootConfig('/data/admin.sock'), { admin: { listen: 'unix//data/admin.sock' } });
});

test('the comparison ignores key order and undefined members', () => {
  const a = { admin: { listen: 'unix//a.sock' }, apps: { http: { servers: { x: { listen: [':80'] } } } } };
  const reordered = {
    apps: { http: { servers: { x: { listen: [':80'], y: undefined } } } },
    admin: { listen: 'unix//a.sock' },
  };
  assert.ok(isSameCaddyConfig(a, reordered));
  assert.ok(!isSameCaddyConfig(a, { ...a, apps: {} }));
  assert.ok(!isSameCaddyConfig(null, a));
});

test('durations are whole milliseconds, at least one', () => {
  assert.equal(toCaddyDuration(250), '250ms');
  assert.equal(toCaddyDuration(0), '1ms');
  assert.equal(toCaddyDuration(1.6), '2ms');
});

test('upstream statuses are read from Caddy and bad entries skipped', () => {
  assert.deepEqual(
    toUpstreamStatuses([
      { address: 'r1.replicas.berth.internal.:4001', num_requests: 2, fails: 0 },
      { address: 5 },
      null,
      { address: 'r2.replicas.berth.internal.:4002' },
    ]),
    [
      { address: 'r1.replicas.berth.internal.:4001', inflight: 2, fails: 0 },
      { address: 'r2.replicas.berth.internal.:4002', inflight: 0, fails: 0 },
    ],
  );
  assert.deepEqual(toUpstreamStatuses(null), []);
});
