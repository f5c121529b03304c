import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidArgumentError } from 'commander';
import { parseVolumeMount, strategyArg } from './volume-options.js';

test('--volume splits at the first colon and leaves the checking to berthd', () => {
  assert.deepEqual(parseVolumeMount('uploads:/var/lib/uploads'), {
    volume: 'uploads',
    path: '/var/lib/uploads',
  });
  assert.deepEqual(parseVolumeMount('a:/x:/etc'), { volume: 'a', path: '/x:/etc' });
  for (const bad of ['uploads', ':/data', 'uploads:', ''])
    assert.throws(() => parseVolumeMount(bad), InvalidArgumentError);
});

test('--strategy is rolling or recreate', () => {
  assert.equal(strategyArg('recreate'), 'recreate');
  assert.equal(strategyArg('rolling'), 'rolling');
  assert.throws(() => strategyArg('blue-green'), InvalidArgumentError);
});
