import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HEALTH_DEFAULTS, type HealthCheck } from '@berth/protocol';
import { nextProbeDelayMs, probeNowOnChange, toProbePhase } from './health-schedule.js';

const check: HealthCheck = { ...HEALTH_DEFAULTS, intervalMs: 1000, steadyIntervalMs: 45_000 };

test('a new replica is probed every 10 ms until it serves, passing or not', () => {
  assert.equal(nextProbeDelayMs(check, 'starting', false), 10);
  assert.equal(nextProbeDelayMs(check, 'starting', true), 10);
});

test('while its rollout runs a serving replica is probed every interval', () => {
  assert.equal(nextProbeDelayMs(check, 'rolling', true), 1000);
  assert.equal(nextProbeDelayMs(check, 'rolling', false), 1000);
});

test('once rolled out a passing replica is probed at the steady interval, a failing one every interval', () => {
  assert.equal(nextProbeDelayMs(check, 'steady', true), 45_000);
  assert.equal(nextProbeDelayMs(check, 'steady', false), 1000);
});

test('a release made before the steady interval existed gets the default (30 s)', () => {
  const old: HealthCheck = {
    type: 'http',
    path: '/',
    intervalMs: 1000,
    timeoutMs: 60_000,
    probeTimeoutMs: 2000,
  };
  assert.equal(nextProbeDelayMs(old, 'steady', true), 30_000);
});

test('the phase follows routing and the rollout', () => {
  assert.equal(toProbePhase(false, false), 'starting');
  assert.equal(toProbePhase(false, true), 'starting', 'a replica that is not serving is new, rollout or not');
  assert.equal(toProbePhase(true, false), 'rolling');
  assert.equal(toProbePhase(true, true), 'steady');
});

test('a replica is probed at once only when it needs answers sooner than before', () => {
  assert.equal(probeNowOnChange('steady', 'rolling'), true, 'a new rollout reads its health now');
  assert.equal(probeNowOnChange('rolling', 'starting'), true);
  assert.equal(probeNowOnChange('rolling', 'steady'), false, 'the planned probe comes soon enough');
  assert.equal(probeNowOnChange('starting', 'rolling'), false);
});
