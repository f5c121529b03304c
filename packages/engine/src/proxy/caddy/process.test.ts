import { test } from 'node:test';
import assert from 'node:assert/strict';
import { caddyRunCommand, toCaddyAutosavePath } from './process.js';

test('caddy runs resuming its autosave, with state under the state dir and nothing inherited', () => {
  const cmd = caddyRunCommand({ bootConfigPath: '/d/caddy-boot.json', stateDir: '/d/caddy' });
  assert.equal(cmd.file, 'caddy');
  assert.deepEqual(cmd.args, ['run', '--resume', '--config', '/d/caddy-boot.json']);
  assert.equal(cmd.env.HOME, '/d/caddy');
  assert.equal(cmd.env.XDG_DATA_HOME, '/d/caddy/data');
  assert.equal(cmd.env.XDG_CONFIG_HOME, '/d/caddy/config');
  assert.deepEqual(Object.keys(cmd.env).sort(), ['HOME', 'PATH', 'XDG_CONFIG_HOME', 'XDG_DATA_HOME']);
  assert.equal(toCaddyAutosavePath('/d/caddy'), '/d/caddy/config/caddy/autosave.json');
  assert.equal(
    caddyRunCommand({ caddyBin: '/opt/caddy', bootConfigPath: 'b', stateDir: 's' }).file,
    '/opt/caddy',
  );
});
