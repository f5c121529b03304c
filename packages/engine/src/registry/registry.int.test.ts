import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { toPinnedRegistryRef, toRegistryImageRef } from '@berth/core';
import { isBerthError } from '@berth/protocol';
import type { ErrorCode } from '@berth/protocol';
import { createDockerApiEngine, readStoredManifest, startRegistry } from '@berth/engine';
import type { ContainerEngine, PushOptions, RegistryAccess, RunningRegistry } from '@berth/engine';
import { ensureExampleImages, HELLO_V1, HELLO_V2 } from '../../../../test/support/images.js';
import { startTestPodman } from '../../../../test/support/podman.js';
import type { TestPodman } from '../../../../test/support/podman.js';
import { freePort } from '../../../../test/support/ports.js';

const TEAM = 'tm_abcdefghijklmnopqrst';
const releaseId = (n: number): string => `rel_${'a'.repeat(19)}${'bcdefghijk'[n] ?? 'z'}`;
const password = (): string => randomBytes(24).toString('base64url');
const users = { a: { name: 'agent-a', password: password() }, b: { name: 'agent-b', password: password() } };

let dir: string;
let registry: RunningRegistry;
let main: TestPodman;
let other: TestPodman;
let mainEngine: ContainerEngine;
let otherEngine: ContainerEngine;
const ids: Record<string, string> = {};

const access = (user: { name: string; password: string }): RegistryAccess => ({
  credentials: { username: user.name, password: user.password },
  scheme: 'http',
});
const push = (
  user: { name: string; password: string },
  compression: PushOptions['compression'] = 'zstd',
): PushOptions => ({
  ...access(user),
  compression,
});

const rejectsWith = (code: ErrorCode, pattern: RegExp) => (err: unknown) =>
  isBerthError(err) && err.code === code && pattern.test(err.message);

/** The layers' media types of a stored manifest, read as agent-a. */
function layerTypes(repository: string, reference: string): Promise<string[]> {
  const { name, password: pw } = users.a;
  return new Promise((resolve, reject) => {
    const req = get(
      `${registry.url}/v2/${repository}/manifests/${reference}`,
      {
        auth: `${name}:${pw}`,
        headers: {
          Accept:
            'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json',
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          const manifest = JSON.parse(body) as { layers?: { mediaType: string }[] };
          resolve((manifest.layers ?? []).map((l) => l.mediaType));
        });
      },
    );
    req.on('error', reject);
  });
}

async function timed<T>(label: string, run: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await run();
  console.log(`# ${label}: ${Math.round(performance.now() - started)} ms`);
  return result;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-registry-'));
  const started = performance.now();
  const listen = `127.0.0.1:${await freePort()}`;
  [registry, main, other] = await Promise.all([
    startRegistry({ dataDir: join(dir, 'registry'), listen, users: [users.a, users.b] }),
    startTestPodman(join(dir, 'main')),
    startTestPodman(join(dir, 'other'), { storage: 'own' }),
    ensureExampleImages(),
  ]);
  console.log(`# registry and two Podman services ready in ${Math.round(performance.now() - started)} ms`);
  mainEngine = createDockerApiEngine({
    socketPath: main.socketPath,
    timeoutMs: 10_000,
    pullTimeoutMs: 60_000,
  });
  otherEngine = createDockerApiEngine({
    socketPath: other.socketPath,
    timeoutMs: 10_000,
    pullTimeoutMs: 60_000,
  });
  ids.v1 = (await mainEngine.resolveImage(HELLO_V1)).imageId;
  ids.v2 = (await mainEngine.resolveImage(HELLO_V2)).imageId;
});

after(async () => {
  await Promise.all([registry?.stop(), main?.stop(), other?.stop()]);
  await rm(dir, { recursive: true, force: true });
});

test('the registry keeps its data under the data dir, private, and refuses anyone without a login', async () => {
  assert.equal((await stat(join(dir, 'registry', 'htpasswd'))).mode & 0o777, 0o600);
  assert.equal((await stat(join(dir, 'registry', 'registry.json'))).mode & 0o777, 0o600);
  assert.equal((await stat(join(dir, 'registry'))).mode & 0o777, 0o700);
  const status = await new Promise<number>((resolve, reject) =>
    get(`${registry.url}/v2/_catalog`, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject),
  );
  assert.equal(status, 401);
});

test('an image pushed with zstd from one server is pulled by digest on another, as the same image', async () => {
  const input = { registry: registry.address, teamId: TEAM, appName: 'web' };
  const destination = toRegistryImageRef({ ...input, releaseId: releaseId(1) });
  const pushed = await timed('push hello:1 (2 MB, zstd)', () =>
    mainEngine.pushImage(HELLO_V1, destination, push(users.a)),
  );
  assert.match(pushed.digest, /^sha256:[a-f0-9]{64}$/);
  assert.equal(pushed.imageId, ids.v1);
  assert.equal(pushed.pinnedRef, toPinnedRegistryRef(input, pushed.digest));
  assert.deepEqual(await layerTypes(`berth/${TEAM}/web`, pushed.digest), [
    'application/vnd.oci.image.layer.v1.tar+zstd',
  ]);

  await assert.rejects(
    otherEngine.pullImage(pushed.pinnedRef, access({ ...users.b, password: password() })),
    rejectsWith('REGISTRY_AUTH_FAILED', /refused the login/),
  );
  await assert.rejects(
    otherEngine.resolveImage(`${registry.address}/berth/${TEAM}/web@${pushed.digest}`).then(() => {
      throw new Error('the other server must not have the image before the pull');
    }),
    (err: unknown) => isBerthError(err),
  );
  const pulled = await timed('pull hello:1 by digest (zstd)', () =>
    otherEngine.pullImage(pushed.pinnedRef, access(users.b)),
  );
  assert.equal(pulled.imageId, ids.v1, 'the image the other server runs is the one pushed');
});

test('a wrong password, or an unknown user, is refused with REGISTRY_AUTH_FAILED', async () => {
  const destination = toRegistryImageRef({
    registry: registry.address,
    teamId: TEAM,
    appName: 'web',
    releaseId: releaseId(2),
  });
  await assert.rejects(
    mainEngine.pushImage(HELLO_V1, destination, push({ ...users.a, password: users.b.password })),
    rejectsWith('REGISTRY_AUTH_FAILED', new RegExp(`${registry.address} refused the login`)),
  );
  await assert.rejects(
    mainEngine.pushImage(HELLO_V1, destination, push({ name: 'nobody', password: users.a.password })),
    rejectsWith('REGISTRY_AUTH_FAILED', /refused the login/),
  );
});

test('a tag moved after the push does not change what a pull by digest gets', async () => {
  const input = { registry: registry.address, teamId: TEAM, appName: 'api' };
  const destination = toRegistryImageRef({ ...input, releaseId: releaseId(3) });
  const first = await mainEngine.pushImage(HELLO_V1, destination, push(users.a));
  const moved = await timed('push hello:2 (2 MB, gzip) over the same tag', () =>
    mainEngine.pushImage(HELLO_V2, destination, push(users.a, 'gzip')),
  );
  assert.notEqual(moved.digest, first.digest);
  assert.deepEqual(await layerTypes(`berth/${TEAM}/api`, moved.digest), [
    'application/vnd.oci.image.layer.v1.tar+gzip',
  ]);

  const pulled = await otherEngine.pullImage(first.pinnedRef, access(users.b));
  assert.equal(pulled.imageId, ids.v1);
  const pulledMoved = await timed('pull hello:2 by digest (gzip)', () =>
    otherEngine.pullImage(moved.pinnedRef, access(users.b)),
  );
  assert.equal(pulledMoved.imageId, ids.v2);
});

test('pulls take a digest, never a tag; names must say their registry', async () => {
  const tagged = toRegistryImageRef({
    registry: registry.address,
    teamId: TEAM,
    appName: 'web',
    releaseId: releaseId(1),
  });
  await assert.rejects(
    otherEngine.pullImage(tagged, access(users.b)),
    rejectsWith('VALIDATION_FAILED', /by digest/),
  );
  await assert.rejects(
    otherEngine.pullImage(`berth/web@sha256:${'a'.repeat(64)}`, access(users.b)),
    rejectsWith('VALIDATION_FAILED', /registry/),
  );
  await assert.rejects(
    mainEngine.pushImage(HELLO_V1, `${registry.address}/berth/x@sha256:${'a'.repeat(64)}`, push(users.a)),
    rejectsWith('VALIDATION_FAILED', /tag/),
  );
  await assert.rejects(
    mainEngine.pushImage('localhost/not-here:1', tagged, push(users.a)),
    rejectsWith('DEPLOY_IMAGE_NOT_FOUND', /not in the engine's store/),
  );
  const missing = `${registry.address}/berth/${TEAM}/web@sha256:${'d'.repeat(64)}`;
  await assert.rejects(
    otherEngine.pullImage(missing, access(users.b)),
    (err: unknown) =>
      isBerthError(err) && ['DEPLOY_IMAGE_NOT_FOUND', 'DEPLOY_IMAGE_PULL_FAILED'].includes(err.code),
  );
});

test('the registry refuses to start without users, on a bad address, or on a port in use', async () => {
  await assert.rejects(
    startRegistry({ dataDir: join(dir, 'r2'), listen: '127.0.0.1:5000', users: [] }),
    rejectsWith('VALIDATION_FAILED', /at least one user/),
  );
  await assert.rejects(
    startRegistry({ dataDir: join(dir, 'r2'), listen: '0.0.0.0:5000; rm -rf /', users: [users.a] }),
    rejectsWith('VALIDATION_FAILED', /listen address/),
  );
  await assert.rejects(
    startRegistry({ dataDir: join(dir, 'r2'), listen: registry.address, users: [users.a] }),
    rejectsWith('INTERNAL', /did not start/),
  );
});

test('with TLS files the registry serves HTTPS, and the manifest reader trusts only the CA it is given', async () => {
  const tlsDir = join(dir, 'tls');
  const [cert, key] = [join(dir, 'cert.pem'), join(dir, 'key.pem')];
  await promisify(execFile)('openssl', [
    ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'],
    ...['-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1'],
    ...['-addext', 'subjectAltName=IP:127.0.0.1'],
  ]);
  const secure = await startRegistry({
    dataDir: tlsDir,
    listen: `127.0.0.1:${await freePort()}`,
    users: [users.a],
    tls: { cert, key },
  });
  try {
    assert.match(secure.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const location = { registry: secure.address, repository: `berth/${TEAM}/web`, reference: 'none' };
    const caPem = await readFile(cert, 'utf8');
    const login = { username: users.a.name, password: users.a.password };
    await assert.rejects(
      readStoredManifest(location, { credentials: login, scheme: 'https', caPem }, 5_000),
      rejectsWith('REGISTRY_PUSH_FAILED', /answered 404/),
    );
    await assert.rejects(
      readStoredManifest(
        location,
        { credentials: { ...login, password: password() }, scheme: 'https', caPem },
        5_000,
      ),
      rejectsWith('REGISTRY_AUTH_FAILED', /refused the login/),
    );
    await assert.rejects(
      readStoredManifest(location, { credentials: login, scheme: 'https' }, 5_000),
      rejectsWith('REGISTRY_PUSH_FAILED', /Cannot reach the registry/),
    );
  } finally {
    await secure.stop();
  }
});
