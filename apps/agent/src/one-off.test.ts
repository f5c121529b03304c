import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ContainerDetails, ContainerLogLine, LogOptions } from '@berth/engine';
import { AgentRunParams, type LogLine } from '@berth/protocol';
import { runOneOff, type OneOffDeps } from './one-off.js';

/*
 * A scripted engine stands in for Podman here: the race these tests are about (Podman's log
 * follow ending before it read the container's last lines, or ending while it still runs)
 * cannot be forced on a real engine. The real-engine paths are in test/e2e/cron.e2e.test.ts.
 */

const params = AgentRunParams.parse({
  runId: 'run_aaaaaaaaaaaaaaaaaaaa',
  cmd: ['sh', '-c', 'echo tick; exit 7'],
  timeoutMs: 60_000,
  app: {
    appId: 'app_aaaaaaaaaaaaaaaaaaaa',
    appName: 'web',
    teamId: 'tm_aaaaaaaaaaaaaaaaaaaa',
    revision: 'r1',
    deploymentId: 'dep_aaaaaaaaaaaaaaaaaaaa',
    replicas: 1,
    slots: [],
    hostnames: [],
    drainTimeoutMs: 0,
    stopTimeoutMs: 0,
    release: {
      id: 'rel_aaaaaaaaaaaaaaaaaaaa',
      version: 1,
      image: 'localhost/web:1',
      imageId: 'sha256:' + 'a'.repeat(64),
      env: {},
      port: 8080,
      command: null,
      health: { type: 'tcp', path: '/', intervalMs: 1000, timeoutMs: 1000, probeTimeoutMs: 500 },
      secrets: {},
      secretFiles: {},
      limits: { cpu: 1, memoryMiB: 256, pids: 256 },
    },
  },
});

const line = (text: string): ContainerLogLine => ({
  stream: 'stdout',
  at: '2026-12-05T00:00:00Z',
  line: text,
});

/**
 * `log` is everything the container wrote; `follows` says, for each follow request in turn, how
 * many of those lines it yields before it ends; `running` is what each listing answers.
 */
function scriptedEngine(script: { log: string[]; follows: number[]; running: boolean[] }) {
  const calls: string[] = [];
  let follow = 0;
  let listing = 0;
  const details = (running: boolean): ContainerDetails => ({
    id: 'c1',
    name: 'berth-run-web-abc123',
    labels: {},
    status: running ? 'running' : 'exited',
    startedAtMs: 0,
    exitCode: running ? null : 7,
    published: null,
    pid: null,
  });
  const engine: OneOffDeps['engine'] = {
    hasImage: () => Promise.resolve(true),
    imageUser: () => Promise.resolve(''),
    createAndStart: () => Promise.resolve(details(true)),
    stopAndRemove: () => Promise.resolve(),
    list: () => Promise.resolve([details(script.running[listing++] ?? false)]),
    async *logs(_id: string, options: LogOptions) {
      calls.push(options.follow ? 'follow' : 'read');
      const count = options.follow ? (script.follows[follow++] ?? script.log.length) : script.log.length;
      for (const text of script.log.slice(0, count)) yield await Promise.resolve(line(text));
    },
  };
  return { engine, calls };
}

async function run(engine: OneOffDeps['engine']) {
  const deps: OneOffDeps = {
    engine,
    agentId: 'agt_1',
    secretFiles: {
      write: () => Promise.resolve([]),
      remove: () => Promise.resolve(),
      hold: () => undefined,
      release: () => undefined,
    },
    openSecrets: () => ({}),
    networkFor: () => 'berth-t-red',
    dnsFor: () => null,
    publishHost: '127.0.0.1',
  };
  const sent: LogLine[] = [];
  const result = await runOneOff(
    deps,
    params,
    (lines) => {
      sent.push(...lines);
      return Promise.resolve();
    },
    new AbortController().signal,
  );
  return { result, lines: sent.map((l) => l.line) };
}

test("the lines a follow missed at the container's exit are read from its log once it has stopped", async () => {
  const { engine, calls } = scriptedEngine({ log: ['a', 'b', 'tick'], follows: [0], running: [false] });
  const { result, lines } = await run(engine);
  assert.deepEqual(lines, ['a', 'b', 'tick']);
  assert.deepEqual(result, { exitCode: 7, timedOut: false });
  assert.deepEqual(calls, ['follow', 'read']);
});

test('a follow that ends while the container runs is followed again, and no line is sent twice', async () => {
  const { engine, calls } = scriptedEngine({
    log: ['one', 'two', 'three', 'four'],
    follows: [1, 3],
    running: [true, false],
  });
  const { result, lines } = await run(engine);
  assert.deepEqual(lines, ['one', 'two', 'three', 'four']);
  assert.deepEqual(result, { exitCode: 7, timedOut: false });
  assert.deepEqual(calls, ['follow', 'follow', 'read']);
});

test('a follow that saw every line sends nothing more from the read after', async () => {
  const { engine } = scriptedEngine({ log: ['x', 'y'], follows: [2], running: [false] });
  const { lines } = await run(engine);
  assert.deepEqual(lines, ['x', 'y']);
});
