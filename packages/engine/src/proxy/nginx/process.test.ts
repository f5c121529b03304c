import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nginxConfPath, nginxRunCommand } from './process.js';

test('nginx runs in the foreground with everything under its private prefix, and nothing else in its environment', () => {
  const cmd = nginxRunCommand({ prefix: '/var/lib/berth/nginx' });
  assert.equal(cmd.file, 'nginx');
  assert.deepEqual(cmd.args, [
    '-p',
    '/var/lib/berth/nginx/',
    '-e',
    '/var/lib/berth/nginx/logs/error.log',
    '-c',
    '/var/lib/berth/nginx/current/nginx.conf',
    '-g',
    'daemon off;',
  ]);
  assert.deepEqual(Object.keys(cmd.env), ['PATH']);
  assert.equal(nginxRunCommand({ prefix: '/p', nginxBin: '/usr/sbin/nginx' }).file, '/usr/sbin/nginx');
  assert.equal(nginxConfPath('/p'), '/p/current/nginx.conf');
});
