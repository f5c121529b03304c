/**
 * Database images handed to the engine on demand, for real: the shared test builder's base store
 * (its postgres image bootstrapped there, as `berth images bootstrap --only postgres` does; the
 * first run of this file builds it, minutes) and a Podman service with a store of its own, so
 * the image is surely missing from it. Then a builder whose base store was never bootstrapped,
 * and an agent whose sandbox cannot run: both refuse with what to do. Last, the image removed
 * from the engine (a prune) and a replica about to start: RegistryImages exports it again.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  bootstrapBaseImages,
  checkBuilderHost,
  createDockerApiEngine,
  createEngineApiClient,
  DEFAULT_BUILD_USER,
  imageLabels,
  planPodmanHostConfig,
  readPodmanHostFacts,
  sandboxUnavailable,
  SandboxedBuilder,
} from '@berth/engine';
import { BerthError, databaseEngineImage, type ReleaseSpec } from '@berth/protocol';
import { startTestBuilder } from '../../../test/support/builder.js';
import { startTestPodman, type TestPodman } from '../../../test/support/podman.js';
import { DatabaseImages } from './database-images.js';
import { RegistryImages } from './registry-images.js';

let dir: string;
let podman: TestPodman;
let builder: SandboxedBuilder;
const POSTGRES = databaseEngineImage('postgres');

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-dbimages-'));
  podman = await startTestPodman(join(dir, 'podman'), { storage: 'own' });
  builder = await startTestBuilder();
  await builder.base(AbortSignal.timeout(900_000), ({ http }) =>
    bootstrapBaseImages({ http, only: ['postgres'], workDir: join(dir, 'bootstrap') }),
  );
});

after(async () => {
  await podman?.stop();
  await rm(dir, { recursive: true, force: true });
});

const engineOf = () => {
  const engineApi = createEngineApiClient({ socketPath: podman.socketPath, timeoutMs: 60_000 });
  return { engine: createDockerApiEngine({ socketPath: podman.socketPath }), engineApi };
};

test('a missing database image is exported once for concurrent resolves, then found in the engine', async () => {
  const { engine, engineApi } = engineOf();
  assert.equal(await imageLabels(engineApi, POSTGRES), null, 'a store of its own starts without it');
  let exports = 0;
  const counting = Object.create(builder) as SandboxedBuilder;
  counting.exportToEngine = (...args) => {
    exports += 1;
    return builder.exportToEngine(...args);
  };
  const images = new DatabaseImages({ engine, engineApi, builder: counting });
  const started = Date.now();
  const [a, b] = await Promise.all([images.resolve(POSTGRES), images.resolve(POSTGRES)]);
  const exportMs = Date.now() - started;
  assert.equal(exports, 1);
  assert.equal(a.imageId, b.imageId);
  assert.match(a.imageId, /^sha256:[a-f0-9]{64}$/);
  // Found by name now: no second export, and an app's image resolves as it always did.
  const again = await images.resolve(POSTGRES);
  assert.equal(again.imageId, a.imageId);
  assert.equal(exports, 1);
  assert.equal(await images.export(POSTGRES), a.imageId, 'an export again gives the same image id');
  assert.ok(exportMs < 120_000, `export took ${exportMs} ms`);
});

test('without the bootstrapped base image, or without a sandbox: DEPLOY_IMAGE_NOT_FOUND saying what to run', async () => {
  const { engine, engineApi } = engineOf();
  const check = await checkBuilderHost(DEFAULT_BUILD_USER, process.env.PATH ?? '/usr/bin:/bin');
  assert.ok(check.ok);
  // The build user must reach its directories through it, as through /var/lib/berth/builder.
  await chmod(dir, 0o711);
  const emptyDir = join(dir, 'empty-builder');
  await mkdir(emptyDir, { mode: 0o711 });
  const empty = new SandboxedBuilder({
    host: check.host,
    dir: emptyDir,
    podmanPlan: planPodmanHostConfig(await readPodmanHostFacts()),
  });
  const redis = databaseEngineImage('redis');
  await assert.rejects(new DatabaseImages({ engine, engineApi, builder: empty }).resolve(redis), (err) => {
    assert.ok(err instanceof BerthError);
    assert.equal(err.code, 'DEPLOY_IMAGE_NOT_FOUND');
    assert.match(err.message, /base-redis:bookworm is not on this server/);
    assert.equal(err.hint, 'Run berth images bootstrap --only redis, then try again');
    return true;
  });
  const off = sandboxUnavailable(['bwrap is not installed']);
  await assert.rejects(
    new DatabaseImages({ engine, engineApi, builder: off }).resolve(databaseEngineImage('mysql')),
    (err) => {
      assert.ok(err instanceof BerthError);
      assert.equal(err.code, 'DEPLOY_IMAGE_NOT_FOUND');
      assert.match(err.message, /the build sandbox cannot run \(.*bwrap is not installed/);
      assert.match(err.hint ?? '', /berth images bootstrap --only mariadb/);
      return true;
    },
  );
});

test('a replica start after the engine lost the image (a prune) exports it again, beside the loop', async () => {
  const { engine, engineApi } = engineOf();
  const images = new DatabaseImages({ engine, engineApi, builder });
  const { imageId } = await images.resolve(POSTGRES);
  await promisify(execFile)('podman', ['--url', `unix://${podman.socketPath}`, 'rmi', '-f', POSTGRES]);
  assert.equal(await engine.hasImage(imageId), false);
  const registry = new RegistryImages(engine, () => '', images);
  const release = { imageId, image: POSTGRES } as ReleaseSpec;
  let woken: () => void = () => undefined;
  const wake = new Promise<void>((resolve) => (woken = resolve));
  assert.equal(await registry.prepare(release, undefined, woken), 'pull started');
  assert.equal(await registry.prepare(release, undefined, woken), 'pulling');
  await wake;
  assert.equal(await registry.prepare(release, undefined, woken), 'ready');
  assert.equal(await engine.hasImage(imageId), true);
});
