import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createDockerApiEngine, type ContainerEngine } from '@berth/engine';
import { isBerthError } from '@berth/protocol';
import { startTestPodman, type TestPodman } from '../../../test/support/podman.js';
import { ensureVolumes, removeVolume } from './volumes.js';

/** The agent's side of volumes on a real Podman: made with its labels, removed only if its own. */

const RUN = `${process.pid}${Date.now().toString(36)}`.replace(/[^a-z2-7]/g, 'a');
const idOf = (n: number): string =>
  `vol_${`${RUN}${n}`
    .replace(/[^a-z2-7]/g, 'b')
    .padEnd(20, 'c')
    .slice(0, 20)}`;
const nameOf = (id: string): string => `berth-vol-${id.slice(4)}`;
const AGENT = 'agent-volumes-test';

let dir: string;
let podman: TestPodman;
let engine: ContainerEngine;
const made: string[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-agent-volumes-'));
  podman = await startTestPodman(dir);
  engine = createDockerApiEngine({ socketPath: podman.socketPath, timeoutMs: 10_000 });
});
after(async () => {
  if (podman) {
    for (const name of made) await engine.removeVolume(name).catch(() => undefined);
    await podman.stop();
  }
  await rm(dir, { recursive: true, force: true });
});

test('a release’s volumes are made with the agent’s labels, and given to the container spec', async () => {
  const id = idOf(1);
  made.push(nameOf(id));
  const mounts = await ensureVolumes(engine, AGENT, [
    { engineName: nameOf(id), volumeId: id, path: '/data' },
  ]);
  assert.deepEqual(mounts, [{ name: nameOf(id), target: '/data' }]);
  const [v] = await engine.listVolumes({ 'berth.volume': id });
  assert.deepEqual([v?.labels['berth.agent'], v?.labels['berth.managed']], [AGENT, 'true']);
  // Again (the next replica): the same volume, not an error.
  await ensureVolumes(engine, AGENT, [{ engineName: nameOf(id), volumeId: id, path: '/data' }]);
});

test('a name that is not the one of its volume id is refused before the engine is asked', async () => {
  const id = idOf(2);
  await assert.rejects(
    ensureVolumes(engine, AGENT, [{ engineName: nameOf(idOf(3)), volumeId: id, path: '/data' }]),
    (err: unknown) => isBerthError(err) && err.code === 'VALIDATION_FAILED',
  );
  assert.deepEqual(await engine.listVolumes({ 'berth.volume': id }), []);
});

test('remove: only a volume of this agent with that id; another’s stays', async () => {
  const id = idOf(4);
  made.push(nameOf(id));
  await ensureVolumes(engine, 'another-agent', [{ engineName: nameOf(id), volumeId: id, path: '/data' }]);
  assert.deepEqual(await removeVolume(engine, AGENT, { engineName: nameOf(id), volumeId: id }), {
    outcome: 'absent',
  });
  assert.equal((await engine.listVolumes({ 'berth.volume': id })).length, 1, 'still there');
  assert.deepEqual(await removeVolume(engine, 'another-agent', { engineName: nameOf(id), volumeId: id }), {
    outcome: 'removed',
  });
  assert.deepEqual(await engine.listVolumes({ 'berth.volume': id }), []);
});
