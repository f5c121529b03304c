import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { readPullProgress, splitImageRef, toPullError } from './image-pull.js';

test('splitImageRef gives fromImage and tag, never an empty tag', () => {
  const cases: [string, ReturnType<typeof splitImageRef>][] = [
    ['nginx', { registry: null, repository: 'nginx', tag: 'latest' }],
    ['nginx:1.27', { registry: null, repository: 'nginx', tag: '1.27' }],
    ['library/nginx:1', { registry: null, repository: 'library/nginx', tag: '1' }],
    ['localhost/hello:1', { registry: 'localhost', repository: 'localhost/hello', tag: '1' }],
    [
      'reg.example:5000/team/api',
      { registry: 'reg.example:5000', repository: 'reg.example:5000/team/api', tag: 'latest' },
    ],
    [
      `ghcr.io/acme/api:2@sha256:${'a'.repeat(64)}`,
      { registry: 'ghcr.io', repository: 'ghcr.io/acme/api', tag: `sha256:${'a'.repeat(64)}` },
    ],
  ];
  for (const [ref, parts] of cases) assert.deepEqual(splitImageRef(ref), parts, ref);
});

test('toPullError: localhost names are local images that are missing', () => {
  const err = toPullError(
    'localhost/x:1',
    'pinging container registry localhost: Get "https://localhost/v2/": connection refused',
  );
  assert.equal(err.code, 'DEPLOY_IMAGE_NOT_FOUND');
  assert.match(err.hint ?? '', /podman build/);
});

test('toPullError: a registry that has no such image', () => {
  for (const message of [
    'reading manifest 9 in docker.io/library/alpine: manifest unknown: manifest unknown',
    "pull access denied for nope, repository does not exist or may require 'docker login'",
  ]) {
    assert.equal(toPullError('alpine:9', message).code, 'DEPLOY_IMAGE_NOT_FOUND', message);
  }
});

test('toPullError: anything else is a pull failure that keeps the engine message', () => {
  const message =
    'pinging container registry registry-1.docker.io: dial tcp: lookup registry-1.docker.io: no such host';
  const err = toPullError('alpine:3', message);
  assert.equal(err.code, 'DEPLOY_IMAGE_PULL_FAILED');
  assert.ok(err.message.includes(message));
  assert.ok(err.retryable);
});

const chunks = (...parts: string[]): AsyncIterable<Buffer> => Readable.from(parts.map((p) => Buffer.from(p)));

test('readPullProgress finds an error in the stream, even split across chunks', async () => {
  const ok = '{"status":"Pulling fs layer","id":"a"}\n{"status":"Download complete"}\n';
  assert.equal(await readPullProgress(chunks(ok)), null);
  const bad = '{"progressDetail":{},"errorDetail":{"message":"boom"},"error":"boom"}\n';
  assert.equal(await readPullProgress(chunks(ok, bad.slice(0, 20), bad.slice(20))), 'boom');
  assert.equal(await readPullProgress(chunks('{"errorDetail":{"message":"only detail"}}')), 'only detail');
  assert.equal(await readPullProgress(chunks('not json\n')), null);
});
