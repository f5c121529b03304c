import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Readable } from 'node:stream';
import {
  isAuthRefusal,
  readTransferProgress,
  toAuthError,
  toRegistryAuthHeader,
} from './transfer-progress.js';

const streamOf = (...chunks: string[]): Readable => Readable.from(chunks.map((c) => Buffer.from(c)));

test('a pull report gives the image id, whatever the chunking', async () => {
  const report = await readTransferProgress(
    streamOf(
      '{"stream":"Trying to pull …\\n"}\n{"stream":"Copying blob sha256:aa\\n"}\n{"ima',
      'ges":["3980ef"],"id":"3980ef"}',
    ),
  );
  assert.deepEqual(report, { error: null, imageId: '3980ef', manifestDigest: null });
});

test('the first error wins; non-JSON lines are skipped', async () => {
  const report = await readTransferProgress(
    streamOf('garbage\n{"error":"unauthorized: authentication required"}\n{"error":"second"}\n'),
  );
  assert.equal(report.error, 'unauthorized: authentication required');
});

test('a newer Podman push reports its manifest digest', async () => {
  const report = await readTransferProgress(streamOf('{"manifestdigest":"sha256:abc"}\n'));
  assert.equal(report.manifestDigest, 'sha256:abc');
});

test('X-Registry-Auth is padded base64url of the login', () => {
  const header = toRegistryAuthHeader({ username: 'agent-a', password: '>>>???~~~' });
  assert.doesNotMatch(header, /[+/]/);
  assert.match(header, /=*$/);
  const decoded = Buffer.from(header.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8');
  assert.deepEqual(JSON.parse(decoded), { username: 'agent-a', password: '>>>???~~~' });
});

test('auth refusals are told apart from other failures', () => {
  assert.ok(isAuthRefusal('checking whether a blob exists in r/x: unauthorized: authentication required'));
  assert.ok(!isAuthRefusal('dial tcp 127.0.0.1:1: connect: connection refused'));
  const err = toAuthError('Pushing x', '127.0.0.1:5000', 'unauthorized');
  assert.equal(err.code, 'REGISTRY_AUTH_FAILED');
  assert.match(err.message, /127\.0\.0\.1:5000 refused the login/);
});
