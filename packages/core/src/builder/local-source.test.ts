import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isPathWithin, sourceLocation } from './local-source.js';

test('paths and file:// URLs are local, with the path git will open', () => {
  assert.deepEqual(sourceLocation('/srv/repos/site'), { kind: 'local', path: '/srv/repos/site' });
  assert.deepEqual(sourceLocation('/srv/repos/site/'), { kind: 'local', path: '/srv/repos/site' });
  assert.deepEqual(sourceLocation('file:///etc'), { kind: 'local', path: '/etc' });
  assert.deepEqual(sourceLocation('file:///srv/a%20b'), { kind: 'local', path: '/srv/a b' });
  for (const url of ['https://git.example.com/a.git', 'ssh://git@host/a.git', 'git@host:a/b.git'])
    assert.deepEqual(sourceLocation(url), { kind: 'network' }, url);
});

test('escapes git would decode into .. or NUL are not local paths', () => {
  for (const url of [
    'file:///srv/allowed/%2e%2e/%2e%2e/etc',
    'file:///srv/allowed/%2E%2E',
    'file:///srv/%2f%2fetc',
    'file:///srv/x%00',
    'file:///srv/%zz',
    'file:///srv/./x',
  ]) {
    assert.deepEqual(sourceLocation(url), { kind: 'invalid' }, url);
  }
});

test('within a directory means by whole path components', () => {
  assert.ok(isPathWithin('/srv/repos/a', '/srv/repos'));
  assert.ok(isPathWithin('/srv/repos', '/srv/repos/'));
  assert.ok(!isPathWithin('/srv/repos-evil/a', '/srv/repos'));
  assert.ok(!isPathWithin('/srv', '/srv/repos'));
  assert.ok(isPathWithin('/anything', '/'));
});
