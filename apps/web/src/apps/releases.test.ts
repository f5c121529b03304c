import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Release } from '../api/paths.js';
import { mayRollBackTo, newestFirst } from './releases.js';

const release = (version: number, current: boolean, imageId: string | null): Release => ({
  id: `rel_${'a'.repeat(19)}${version}`,
  version,
  image: `web:${version}`,
  imageId,
  createdAt: '2025-01-01T12:00:00Z',
  appId: 'app_aaaaaaaaaaaaaaaaaaaa',
  env: {},
  port: 8080,
  command: null,
  health: { type: 'http', path: '/', intervalMs: 1000, timeoutMs: 30_000, probeTimeoutMs: 2000 },
  replicas: 1,
  limits: { cpu: 1, memoryMiB: 256, pids: 512 },
  commit: null,
  current,
});

test('releases are listed newest first', () => {
  const sorted = newestFirst([
    release(1, false, 'sha256:1'),
    release(3, true, 'sha256:3'),
    release(2, false, null),
  ]);
  assert.deepEqual(
    sorted.map((r) => r.version),
    [3, 2, 1],
  );
});

test('a rollback goes to a release that ran, other than the current one', () => {
  assert.equal(mayRollBackTo(release(1, false, 'sha256:1')), true);
  assert.equal(mayRollBackTo(release(2, true, 'sha256:2')), false);
  assert.equal(mayRollBackTo(release(3, false, null)), false);
});
