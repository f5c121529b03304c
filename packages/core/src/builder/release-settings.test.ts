import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HEALTH_DEFAULTS } from '@berth/protocol';
import { releaseSettings, type AppSettings } from './release-settings.js';

const app: AppSettings = {
  port: 8080,
  portSet: false,
  env: { A: 'app' },
  health: HEALTH_DEFAULTS,
  replicas: 1,
};
const none = { port: null, healthPath: null, env: {}, replicas: null };

test('without berth.yaml the app settings stand', () => {
  assert.deepEqual(releaseSettings(app, none, true), {
    port: 8080,
    env: { A: 'app' },
    health: HEALTH_DEFAULTS,
    replicas: 1,
  });
});

test("berth.yaml's port applies unless a person set one", () => {
  assert.equal(releaseSettings(app, { ...none, port: 3000 }, false).port, 3000);
  assert.equal(
    releaseSettings({ ...app, port: 9000, portSet: true }, { ...none, port: 3000 }, false).port,
    9000,
  );
});

test("env defaults fill in, the app's env wins, PORT never comes from the build", () => {
  const s = releaseSettings(app, { ...none, env: { A: 'yaml', B: 'yaml', PORT: '1' } }, false);
  assert.deepEqual(s.env, { A: 'app', B: 'yaml' });
});

test('health path from berth.yaml only replaces the default one', () => {
  assert.equal(releaseSettings(app, { ...none, healthPath: '/healthz' }, false).health.path, '/healthz');
  const custom = { ...app, health: { ...HEALTH_DEFAULTS, path: '/up' } };
  assert.equal(releaseSettings(custom, { ...none, healthPath: '/healthz' }, false).health.path, '/up');
});

test('replicas from berth.yaml count for the first release only', () => {
  assert.equal(releaseSettings(app, { ...none, replicas: 3 }, true).replicas, 3);
  assert.equal(releaseSettings(app, { ...none, replicas: 3 }, false).replicas, 1);
});
