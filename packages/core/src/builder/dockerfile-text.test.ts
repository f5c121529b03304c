import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BerthError } from '@berth/protocol';
import { execForm, line, toCommandText, toImageText, toPathText } from './dockerfile-text.js';

describe('dockerfile text', () => {
  test('checked values interpolate; bad ones throw with where they came from', () => {
    const image = toImageText('localhost/berth/base-node:bookworm', { found: 'image' });
    assert.equal(line`FROM ${image} AS build`, 'FROM localhost/berth/base-node:bookworm AS build');
    assert.throws(
      () => toPathText('a/../../b', { found: 'package.json "main"' }),
      (e: unknown) =>
        e instanceof BerthError &&
        e.code === 'BUILD_DETECTION_FAILED' &&
        /^package.json "main" "a\/..\/..\/b"/.test(e.message),
    );
    assert.throws(
      () => toCommandText('a\u0000b', { manifestKey: 'build' }),
      (e: unknown) =>
        e instanceof BerthError && e.code === 'BUILD_MANIFEST_INVALID' && e.issues[0]?.path === 'build',
    );
  });

  test('numbers must be integers', () => {
    assert.equal(line`EXPOSE ${8080}`, 'EXPOSE 8080');
    assert.throws(() => line`EXPOSE ${80.5}`, RangeError);
  });

  test('exec form escapes every control character', () => {
    const cmd = execForm('CMD', ['sh', '-c', 'a\nb\r\u2028"\\']);
    assert.equal(cmd.split('\n').length, 1);
    assert.deepEqual(JSON.parse(cmd.slice(4)), ['sh', '-c', 'a\nb\r\u2028"\\']);
  });
});
