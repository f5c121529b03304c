import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LIMIT_DEFAULTS, isBerthError } from '@berth/protocol';
import { createDockerApiEngine } from '@berth/engine';
import type { ContainerEngine, ReplicaContainerSpec } from '@berth/engine';
import { ensureExampleImages, HELLO_PORT, HELLO_V1 } from '../../../../test/support/images.js';
import { removeContainersByLabel, startTestPodman, testBridgeName } from '../../../../test/support/podman.js';
import type { TestPodman } from '../../../../test/support/podman.js';

/** Engine volumes on a real Podman (its Docker-compatible API): made, mounted, kept, removed. */

const RUN = `v${process.pid}x${Date.now().toString(36)}`;
const RUN_LABEL = 'berth.test.run';
const NETWORK = `berth-voltest-${RUN}`;
/** 20 characters of the id alphabet, unique to this run. */
const VOLUME = `berth-vol-${`${RUN.replace(/[^a-z2-7]/g, 'a')}aaaaaaaaaaaaaaaaaaaa`.slice(0, 20)}`;
const LABELS = { 'berth.managed': 'true', 'berth.volume': 'vol_test', [RUN_LABEL]: RUN };

let dir: string;
let podman: TestPodman;
let engine: ContainerEngine;
let helloId: string;
let seq = 0;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-volumes-'));
  const [started] = await Promise.all([startTestPodman(dir), ensureExampleImages()]);
  podman = started;
  engine = createDockerApiEngine({ socketPath: podman.socketPath, timeoutMs: 10_000 });
  helloId = (await engine.resolveImage(HELLO_V1)).imageId;
  await engine.ensureNetwork({ name: NETWORK, bridge: testBridgeName(RUN), labels: { [RUN_LABEL]: RUN } });
});

after(async () => {
  if (podman) {
    await removeContainersByLabel(podman.socketPath, `${RUN_LABEL}=${RUN}`);
    await engine.removeVolume(VOLUME).catch(() => undefined);
    await engine.removeNetwork(NETWORK);
    await podman.stop();
  }
  await rm(dir, { recursive: true, force: true });
});

const spec = (overrides: Partial<ReplicaContainerSpec> = {}): ReplicaContainerSpec => ({
  name: `berth-voltest-${RUN}-${++seq}`,
  imageId: helloId,
  env: {},
  command: null,
  labels: { [RUN_LABEL]: RUN },
  port: HELLO_PORT,
  publishHost: '127.0.0.1',
  network: NETWORK,
  limits: LIMIT_DEFAULTS,
  files: [],
  volumes: [{ name: VOLUME, target: '/var/lib/uploads' }],
  ...overrides,
});

async function run(containerId: string, cmd: string[]): Promise<string> {
  const session = await engine.exec(containerId, { cmd, tty: false, size: null });
  let out = '';
  for await (const o of session.output) out += o.data.toString('utf8');
  assert.equal(await session.exitCode(), 0, `${cmd.join(' ')}: ${out}`);
  return out;
}

test('a volume is made with its labels once; ensuring it again finds the same one', async () => {
  const made = await engine.ensureVolume({ name: VOLUME, labels: LABELS });
  assert.equal(made.name, VOLUME);
  assert.equal(made.labels['berth.volume'], 'vol_test');
  const again = await engine.ensureVolume({ name: VOLUME, labels: LABELS });
  assert.equal(again.name, VOLUME);
  assert.deepEqual(
    (await engine.listVolumes({ [RUN_LABEL]: RUN })).map((v) => v.name),
    [VOLUME],
  );
  // Every label must match, not any (Podman's compat filter alone would OR them).
  assert.deepEqual(await engine.listVolumes({ [RUN_LABEL]: RUN, 'berth.volume': 'vol_other' }), []);
});

test('a volume of that name without our labels is not ours', async () => {
  await assert.rejects(
    engine.ensureVolume({ name: VOLUME, labels: { ...LABELS, 'berth.volume': 'vol_other' } }),
    (err: unknown) => isBerthError(err) && /not made by Berth/.test(err.message),
  );
});

test('data written by one container is there for the next; removal waits until none uses it', async () => {
  const first = await engine.createAndStart(spec());
  await run(first.id, ['sh', '-c', 'echo kept > /var/lib/uploads/note.txt']);
  assert.equal(await engine.removeVolume(VOLUME), 'in-use');
  await engine.stopAndRemove(first.id, 1);
  const second = await engine.createAndStart(spec());
  assert.equal(await run(second.id, ['cat', '/var/lib/uploads/note.txt']), 'kept\n');
  await engine.stopAndRemove(second.id, 1);
  assert.equal(await engine.removeVolume(VOLUME), 'removed');
  assert.equal(await engine.removeVolume(VOLUME), 'absent');
});

test('a name that is not Berth’s is refused before the engine is asked', async () => {
  for (const name of ['uploads', '../x', 'berth-vol-x; rm -rf /', `berth-vol-${'a'.repeat(19)}$`]) {
    await assert.rejects(
      engine.ensureVolume({ name, labels: LABELS }),
      (err: unknown) => isBerthError(err) && err.code === 'VALIDATION_FAILED',
    );
    await assert.rejects(
      engine.removeVolume(name),
      (err: unknown) => isBerthError(err) && err.code === 'VALIDATION_FAILED',
    );
  }
});
