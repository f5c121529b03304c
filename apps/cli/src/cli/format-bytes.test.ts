import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatBytes } from './format-bytes.js';

test('bytes read as a person reads them', () => {
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(999), '999 B');
  assert.equal(formatBytes(1000), '1.0 kB');
  assert.equal(formatBytes(43_712_512), '44 MB');
  assert.equal(formatBytes(1_262_000_000), '1.3 GB');
});
