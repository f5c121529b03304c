import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createMemoryFile, type AgentMemory } from './cache.js';

const dir = await mkdtemp(join(tmpdir(), 'berth-cache-'));
after(() => rm(dir, { recursive: true, force: true }));

const memory = (version: number): AgentMemory => ({
  desired: { version, apps: [] },
  outcomes: {},
  failures: {},
});

test('overlapping writes of the memory all succeed, and the last one is what a restart reads', async () => {
  // Before: every write went through one shared state.json.tmp, and the loser of two
  // overlapping writes failed with ENOENT on its rename ("could not store desired state").
  const file = createMemoryFile(join(dir, 'agent', 'state.json'));
  await Promise.all(Array.from({ length: 20 }, (_, i) => file.write(memory(i + 1))));
  assert.equal((await file.read()).desired?.version, 20);
  assert.deepEqual(await readdir(join(dir, 'agent')), ['state.json'], 'no temp file left behind');
});

test('the memory is serialised when written: changing it afterwards changes nothing on disk', async () => {
  const file = createMemoryFile(join(dir, 'agent2', 'state.json'));
  const m = memory(1);
  const written = file.write(m);
  m.outcomes.r1 = 'converged';
  await written;
  assert.deepEqual((await file.read()).outcomes, {});
});

test('a missing or corrupt file reads as no memory, not as an error', async () => {
  assert.deepEqual(await createMemoryFile(join(dir, 'none', 'state.json')).read(), {
    desired: null,
    outcomes: {},
    failures: {},
  });
});
