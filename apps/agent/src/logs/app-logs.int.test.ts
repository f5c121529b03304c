/**
 * `berth logs --follow` on the agent against real Podman: followers of one container share one
 * engine stream, a late joiner's tail meets the live lines without a gap or a duplicate, the
 * stream closes with its last follower, and the agent's cap on engine streams holds.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { LABELS } from '@berth/core';
import { createDockerApiEngine, createEngineApiClient, type ContainerEngine } from '@berth/engine';
import type { LogLine } from '@berth/protocol';
import { ensureExampleImages, HELLO_V1 } from '../../../../test/support/images.js';
import {
  removeContainersByLabel,
  startTestPodman,
  type TestPodman,
} from '../../../../test/support/podman.js';
import { streamAppLogs, type AppLogsDeps } from './app-logs.js';
import { ContainerWatch } from './container-watch.js';
import { LogHub } from './log-hub.js';

const RUN = `t${process.pid}x${Date.now().toString(36)}`;
const RUN_LABEL = 'berth.test.run';
const AGENT_ID = `logtest${RUN}`;

let dir: string;
let podman: TestPodman;
let engine: ContainerEngine;
let imageId: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-agent-logs-'));
  const [started] = await Promise.all([startTestPodman(dir), ensureExampleImages()]);
  podman = started;
  engine = createDockerApiEngine({ socketPath: podman.socketPath, timeoutMs: 10_000 });
  imageId = (await engine.resolveImage(HELLO_V1)).imageId;
});

after(async () => {
  if (podman) {
    await removeContainersByLabel(podman.socketPath, `${RUN_LABEL}=${RUN}`);
    await podman.stop();
  }
  await rm(dir, { recursive: true, force: true });
});

const COUNTER = 'i=0; while true; do i=$((i+1)); echo "line $i"; sleep 0.002; done';

/**
 * A replica of app `appId` that prints `line 1`, `line 2`, … every 2 ms. Created through the
 * engine API directly: the agent's own create call keeps the image's entrypoint (the hello app).
 */
async function startCounter(appId: string, n: number, script = COUNTER): Promise<void> {
  const api = createEngineApiClient({ socketPath: podman.socketPath });
  const created = await api.request({
    method: 'POST',
    path: '/containers/create',
    query: { name: `berth-logtest-${RUN}-${appId}-${n}` },
    body: {
      Image: imageId,
      Entrypoint: ['sh', '-c', script],
      Labels: { [RUN_LABEL]: RUN, [LABELS.agent]: AGENT_ID, [LABELS.app]: appId },
    },
  });
  const id = (created.body as { Id?: string }).Id;
  assert.ok(created.status === 201 && id, JSON.stringify(created.body));
  const started = await api.request({ method: 'POST', path: `/containers/${id}/start` });
  assert.equal(started.status, 204, JSON.stringify(started.body));
}

function createDeps(maxLiveStreams: number): AppLogsDeps & { hub: LogHub } {
  return {
    engine,
    agentId: AGENT_ID,
    hub: new LogHub(engine, { maxLiveStreams, maxHistoryReads: 2, maxQueuedBytes: 1024 * 1024 }),
    watch: new ContainerWatch(engine, 200),
    probeWindows: () => [],
  };
}

/** A follower that records the numbers of the lines it receives. */
function follow(deps: AppLogsDeps, appId: string, tail: number) {
  const numbers: number[] = [];
  const stop = new AbortController();
  const done = streamAppLogs(
    deps,
    { appId, tail, follow: true },
    (lines: LogLine[]) => {
      for (const l of lines) numbers.push(Number(/^line (\d+)$/.exec(l.line)?.[1] ?? Number.NaN));
      return Promise.resolve();
    },
    stop.signal,
  );
  return { numbers, stop: () => stop.abort(), done };
}

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function assertConsecutive(numbers: number[], who: string): void {
  for (let i = 1; i < numbers.length; i++)
    assert.equal(numbers[i], (numbers[i - 1] ?? 0) + 1, `${who} got ${numbers.join(',')}`);
}

test('followers share one engine stream; a late joiner gets its tail, then every live line once', async () => {
  // Lines every 2 ms, in seconds-precise timestamps: a late joiner's tail and live lines must
  // meet exactly without help from the clock.
  await startCounter('shared', 1);
  const deps = createDeps(4);
  const first = follow(deps, 'shared', 0);
  await until('the first follower sees lines', () => first.numbers.length >= 10);
  const late = follow(deps, 'shared', 5);
  await until('the late joiner sees lines', () => late.numbers.length >= 30);
  assert.equal(deps.hub.liveStreams, 1, 'one engine stream for both followers');

  assertConsecutive(late.numbers, 'the late joiner');
  assertConsecutive(first.numbers, 'the first follower');
  const joinedAt = late.numbers[5] ?? 0;
  assert.ok(first.numbers.includes(joinedAt), 'the late joiner continues from the shared stream');

  late.stop();
  await late.done;
  const seen = first.numbers.length;
  await until('the first follower still gets lines', () => first.numbers.length > seen + 5);
  assert.equal(deps.hub.liveStreams, 1);
  first.stop();
  await first.done;
  await until('the engine stream closes with its last follower', () => deps.hub.liveStreams === 0);
});

test('a quiet replica: its last lines come at once, not with the next line it writes', async () => {
  // Podman answers a follow only at the container's next line; a replica that logs only its
  // health checks writes one every half a minute.
  await startCounter(
    'quiet',
    1,
    'echo "line 1"; echo "line 2"; echo "line 3"; sleep 6; echo "line 4"; sleep 1000',
  );
  const deps = createDeps(4);
  for (let i = 0; ; i++) {
    const [replica] = await engine.list({ [LABELS.agent]: AGENT_ID, [LABELS.app]: 'quiet' });
    const history = replica ? await deps.hub.history(replica.id, 10, AbortSignal.timeout(5_000)) : [];
    if (history.length >= 3) break;
    assert.ok(i < 50, 'the replica wrote nothing');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const quiet = follow(deps, 'quiet', 10);
  try {
    await until('the tail arrives while the replica is quiet', () => quiet.numbers.length >= 3, 2_000);
    assert.deepEqual(quiet.numbers, [1, 2, 3]);
    await until('its next line arrives live', () => quiet.numbers.length >= 4, 15_000);
    assert.deepEqual(quiet.numbers, [1, 2, 3, 4]);
  } finally {
    quiet.stop();
    await quiet.done;
  }
});

test('the agent opens no more engine streams than its limit; the follower is told why', async () => {
  await startCounter('capped-a', 1);
  await startCounter('capped-b', 1);
  const deps = createDeps(1);
  const a = follow(deps, 'capped-a', 1);
  await until('the first app is followed', () => a.numbers.length >= 1);
  const b = follow(deps, 'capped-b', 1);
  await assert.rejects(b.done, {
    code: 'RATE_LIMITED',
    message: /already streams the logs of 1 containers, its limit/,
  });
  a.stop();
  await a.done;
  await until('the stream closes', () => deps.hub.liveStreams === 0);
  const again = follow(deps, 'capped-b', 1);
  await until('a slot freed is taken again', () => again.numbers.length >= 1);
  again.stop();
  await again.done;
});

test('without follow: the last lines, once, and no live stream', async () => {
  const deps = createDeps(4);
  const got: LogLine[] = [];
  await streamAppLogs(
    deps,
    { appId: 'shared', tail: 3, follow: false },
    (lines) => {
      got.push(...lines);
      return Promise.resolve();
    },
    new AbortController().signal,
  );
  assert.equal(got.length, 3);
  assertConsecutive(
    got.map((l) => Number(/^line (\d+)$/.exec(l.line)?.[1])),
    'the tail',
  );
  assert.equal(deps.hub.liveStreams, 0);
});

test('--grep and --since: only matching lines leave the agent, history and live alike', async () => {
  await startCounter('filtered', 1);
  const deps = createDeps(4);
  const numbers: number[] = [];
  const chunks: LogLine[][] = [];
  const stop = new AbortController();
  const done = streamAppLogs(
    deps,
    // A pattern that backtracking engines take forever on is harmless here (RE2: linear).
    { appId: 'filtered', tail: 10_000, follow: true, grep: '^line \\d*7$|(a+)+$' },
    (lines: LogLine[]) => {
      chunks.push(lines);
      for (const l of lines) numbers.push(Number(/^line (\d+)$/.exec(l.line)?.[1]));
      return Promise.resolve();
    },
    stop.signal,
  );
  await until('matching live lines arrive', () => numbers.length >= 20);
  stop.abort();
  await done;
  assert.ok(
    numbers.every((n) => n % 10 === 7),
    `only lines ending in 7: ${numbers.join(',')}`,
  );
  for (let i = 1; i < numbers.length; i++)
    assert.equal(numbers[i], (numbers[i - 1] ?? 0) + 10, `every matching line once: ${numbers.join(',')}`);
  assert.ok(
    chunks.slice(1).every((c) => c.length > 0),
    'no empty chunk after the first',
  );

  // A time after every line: nothing, but the stream still opens (one empty chunk).
  const later: LogLine[][] = [];
  await streamAppLogs(
    deps,
    { appId: 'filtered', tail: 100, follow: false, since: '2999-01-01T00:00:00Z' },
    (lines) => {
      later.push(lines);
      return Promise.resolve();
    },
    new AbortController().signal,
  );
  assert.deepEqual(later, [[]]);
});

test('a pattern the agent cannot run is refused before it reads a line', async () => {
  const deps = createDeps(4);
  await assert.rejects(
    streamAppLogs(
      deps,
      { appId: 'shared', tail: 10, follow: false, grep: '(a)\\1' },
      () => Promise.resolve(),
      new AbortController().signal,
    ),
    { code: 'VALIDATION_FAILED', message: /Invalid grep: .*RE2/ },
  );
});
