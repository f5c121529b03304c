import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isBerthError } from '@berth/protocol';
import { parseServerConfig } from './config.js';

const parse = (extra: Record<string, string>) =>
  parseServerConfig({ BERTHD_DATA_DIR: '/var/lib/berth', ...extra });

test('allowed local source directories: none by default, a colon-separated list of absolute dirs', () => {
  assert.deepEqual(parse({}).allowLocalSources, []);
  assert.deepEqual(parse({ BERTHD_ALLOW_LOCAL_SOURCES: '' }).allowLocalSources, []);
  assert.deepEqual(parse({ BERTHD_ALLOW_LOCAL_SOURCES: '/srv/repos/:/home/git' }).allowLocalSources, [
    '/srv/repos',
    '/home/git',
  ]);
});

test('a relative, root or dotted directory is a startup error naming the variable', () => {
  for (const bad of ['srv/repos', '/', '/srv/../etc', '/srv/./x', '/srv/repos:relative']) {
    assert.throws(
      () => parse({ BERTHD_ALLOW_LOCAL_SOURCES: bad }),
      (err: unknown) =>
        isBerthError(err) &&
        err.code === 'VALIDATION_FAILED' &&
        err.issues[0]?.path === 'BERTHD_ALLOW_LOCAL_SOURCES',
      bad,
    );
  }
});
