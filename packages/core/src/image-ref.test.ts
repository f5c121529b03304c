import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEPLOY_IMAGE_REF_PATTERN } from '@berth/protocol';
import {
  canonicalImageRef,
  imageHasName,
  imageOrigin,
  parseImageRef,
  toCanonicalImageRef,
} from './image-ref.js';

test('references are read as the registry protocol reads them', () => {
  const cases: [string, string][] = [
    ['nginx', 'docker.io/library/nginx:latest'],
    ['nginx:1.27', 'docker.io/library/nginx:1.27'],
    ['hello:1', 'docker.io/library/hello:1'],
    ['berth/web:abc', 'docker.io/berth/web:abc'],
    ['docker.io/nginx:1', 'docker.io/library/nginx:1'],
    ['index.docker.io/library/nginx:1', 'docker.io/library/nginx:1'],
    ['localhost/hello:1', 'localhost/hello:1'],
    ['localhost/hello', 'localhost/hello:latest'],
    ['localhost:5000/hello:1', 'localhost:5000/hello:1'],
    ['ghcr.io/acme/api@sha256:' + 'a'.repeat(64), 'ghcr.io/acme/api@sha256:' + 'a'.repeat(64)],
    ['ghcr.io/acme/api:1@sha256:' + 'b'.repeat(64), 'ghcr.io/acme/api:1@sha256:' + 'b'.repeat(64)],
  ];
  for (const [ref, canonical] of cases) assert.equal(toCanonicalImageRef(ref), canonical, ref);
  assert.equal(parseImageRef('not a ref'), null);
  assert.equal(parseImageRef('UPPER/case'), null);
});

test('where an image comes from: Berth builds, other local images, registries', () => {
  const origin = (ref: string) => {
    const parts = parseImageRef(ref);
    assert.ok(parts, ref);
    return imageOrigin(parts).kind;
  };
  assert.equal(origin('localhost/berth/web:0123456789ab'), 'berth');
  assert.equal(origin('localhost/berth/base-node:bookworm'), 'berth');
  assert.equal(origin('localhost/hello:1'), 'local');
  assert.equal(origin('localhost/berthx/web:1'), 'local');
  // Short names are Docker Hub's, as with Docker, even where Podman would find a local image.
  assert.equal(origin('hello:1'), 'registry');
  assert.equal(origin('berth/web:abc'), 'registry');
  assert.equal(origin('localhost:5000/hello:1'), 'registry');
  assert.equal(origin('ghcr.io/acme/api:1'), 'registry');
});

test('an image found by the engine is the one asked for only under that exact name', () => {
  const digest = `sha256:${'c'.repeat(64)}`;
  const podman = { repoTags: ['localhost/hello:1'], repoDigests: [`localhost/hello@${digest}`] };
  assert.ok(imageHasName('localhost/hello:1', podman));
  assert.ok(imageHasName(`localhost/hello@${digest}`, podman));
  assert.ok(!imageHasName('hello:1', podman), 'a short name is Docker Hub, not the local image');
  assert.ok(!imageHasName(`foo/bar@${digest}`, podman), 'a digest under another name');
  assert.ok(!imageHasName('localhost/hello:2', podman));
  assert.ok(!imageHasName('localhost/hello', podman), 'no tag means latest');
  const docker = { repoTags: ['nginx:1.27'], repoDigests: [`nginx@${digest}`] };
  assert.ok(imageHasName('docker.io/library/nginx:1.27', docker), 'Docker reports familiar names');
  assert.ok(imageHasName('nginx:1.27', docker));
  assert.ok(imageHasName(`nginx@${digest}`, docker));
  assert.ok(!imageHasName('8ffdbf63', { repoTags: ['localhost/x:1'], repoDigests: [] }), 'never an id');
});

test('image ids and id prefixes are not deployable references', () => {
  for (const id of ['8f', '8ffdbf63413d', 'abc', `sha256:${'8'.repeat(64)}`, '8'.repeat(64), 'sha256:8ffd'])
    assert.ok(!DEPLOY_IMAGE_REF_PATTERN.test(id), id);
  for (const ref of ['nginx:1.27', 'localhost/hello:1', 'abc:1', 'library/abc', 'sha256x:1', 'cafe-app'])
    assert.ok(DEPLOY_IMAGE_REF_PATTERN.test(ref), ref);
  assert.equal(
    canonicalImageRef({ registry: 'r.io', path: 'a/b', tag: null, digest: null }),
    'r.io/a/b:latest',
  );
});
