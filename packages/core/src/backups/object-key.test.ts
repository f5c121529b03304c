import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseListPrefix, parseObjectKey, parseObjectPrefix } from './object-key.js';

const HOSTILE = [
  '',
  '/',
  '/etc/passwd',
  '../x',
  'a/../b',
  'a/./b',
  '..',
  '.',
  '.hidden',
  'a/.tmp',
  'a//b',
  'a/',
  'x; rm -rf /',
  '$(touch /tmp/m)',
  '`id`',
  "a'b",
  'a"b',
  'a b',
  'a\u0000b',
  'a\nb',
  'a\\b',
  'a%2e%2e',
  'a?b',
  'a#b',
  'a*',
  'é',
  'x'.repeat(129),
];

test('object keys: safe segments only', () => {
  for (const key of ['a', 'db-main/2026-12-03T030000Z.bak_1.berth', 'A/B/c.d_e-f', 'x'.repeat(128)]) {
    assert.equal(parseObjectKey(key), key);
  }
  for (const key of HOSTILE)
    assert.throws(() => parseObjectKey(key), { code: 'VALIDATION_FAILED' }, JSON.stringify(key));
  assert.throws(() => parseObjectKey(`${'a/'.repeat(300)}a`), { code: 'VALIDATION_FAILED' });
  assert.throws(() => parseObjectKey(undefined), { code: 'VALIDATION_FAILED' });
});

test('target prefixes: empty or segments ending in /', () => {
  for (const prefix of ['', 'berth/', 'team-1/db/']) assert.equal(parseObjectPrefix(prefix), prefix);
  for (const prefix of [...HOSTILE.filter((p) => p !== '' && p !== 'a/'), 'berth', 'a/b']) {
    assert.throws(() => parseObjectPrefix(prefix), { code: 'VALIDATION_FAILED' }, JSON.stringify(prefix));
  }
});

test('list prefixes: the start of a key', () => {
  for (const prefix of ['', 'db-main/', 'db-main/2026-', 'a/b/c'])
    assert.equal(parseListPrefix(prefix), prefix);
  for (const prefix of ['/', '../', 'a/../', 'a//', '.x', 'a/.x', 'a b', 'a\u0000', '$(x)']) {
    assert.throws(() => parseListPrefix(prefix), { code: 'VALIDATION_FAILED' }, JSON.stringify(prefix));
  }
});
