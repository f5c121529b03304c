import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkBuildLogLine, openBuildLog, type BuildLogLine, type EndedBuild } from '../api/build-log.js';
import { createApiClient } from '../api/client.js';
import { NdjsonError } from '../api/ndjson.js';
import type { BuildLogEntry } from '../api/paths.js';
import { ApiError } from '../problems/problem.js';
import {
  buildLogReducer,
  buildRunning,
  buildTone,
  BuildLogCutError,
  describeBuildSource,
  followBuildLog,
  initialBuildLog,
  MAX_BUILD_LINES,
  mergeBuildLines,
  type FollowBuildLogOptions,
} from './build-log.js';

const entry = (seq: number, line = `line ${seq}`): BuildLogEntry => ({
  seq,
  at: `2025-01-01T12:00:0${seq % 10}.000Z`,
  line,
});

const build = {
  id: 'bld_aaaaaaaaaaaaaaaaaaaa',
  appName: 'site',
  number: 3,
  status: 'failed',
  trigger: 'deploy',
  source: { type: 'git', url: '/srv/site', ref: { kind: 'branch', name: 'main' } },
  commit: '0123456789abcdef0123456789abcdef01234567',
  subject: '<script>alert(1)</script>',
  builder: 'dockerfile',
  image: null,
  imageId: null,
  error: { code: 'BUILD_FAILED', message: 'RUN exited 7', logs: [] },
  deploymentId: null,
  createdAt: '2025-01-01T12:00:00.000Z',
  startedAt: '2025-01-01T12:00:00.100Z',
  finishedAt: '2025-01-01T12:00:09.000Z',
  durationMs: 8900,
};
const ended: EndedBuild = { number: 3, status: 'failed', error: 'RUN exited 7' };

test('line and end lines are checked and typed; what the page does not use is left out', () => {
  const line = { seq: 4, at: '2025-01-01T12:00:01Z', line: '"><img src=x onerror=alert(1)>' };
  assert.deepEqual(checkBuildLogLine({ type: 'line', line }), { type: 'line', line });
  assert.deepEqual(checkBuildLogLine({ type: 'end', build }), { type: 'end', build: ended });
  assert.deepEqual(
    checkBuildLogLine({ type: 'end', build: { ...build, status: 'succeeded', error: null } }),
    {
      type: 'end',
      build: { number: 3, status: 'succeeded', error: null },
    },
  );
  const refused: [unknown, RegExp][] = [
    [null, /line is missing/],
    [{ type: 'event' }, /neither "line" nor "end"/],
    [{ type: 'line', line: { ...line, seq: '4' } }, /seq/],
    [{ type: 'line', line: { ...line, line: null } }, /line is missing/],
    [{ type: 'end', build: { ...build, status: 'done' } }, /status/],
    [{ type: 'end', build: { ...build, error: 'x' } }, /error/],
    [{ type: 'end', build: { ...build, number: 0 } }, /number/],
  ];
  for (const [value, reason] of refused) assert.throws(() => checkBuildLogLine(value), reason);
});

test('lines are kept by sequence number, each once, the newest MAX_BUILD_LINES of them', () => {
  const first = mergeBuildLines([], [entry(1), entry(2)]);
  assert.deepEqual(
    first.map((l) => l.seq),
    [1, 2],
  );
  const next = mergeBuildLines(first, [entry(2, 'again'), entry(4), entry(3)]);
  assert.deepEqual(
    next.map((l) => [l.seq, l.line]),
    [
      [1, 'line 1'],
      [2, 'line 2'],
      [3, 'line 3'],
      [4, 'line 4'],
    ],
  );
  assert.equal(mergeBuildLines(next, [entry(1), entry(4)]), next);
  assert.equal(mergeBuildLines(next, []), next);
  const many = mergeBuildLines(
    next,
    Array.from({ length: MAX_BUILD_LINES }, (_, i) => entry(i + 5)),
  );
  assert.equal(many.length, MAX_BUILD_LINES);
  assert.equal(many[0]?.seq, 5);
});

test('the state: lines, then the end; a dropped connection and a failure are told apart', () => {
  let state = buildLogReducer(initialBuildLog, { type: 'open' });
  state = buildLogReducer(state, { type: 'lines', lines: [entry(1)] });
  assert.equal(buildLogReducer(state, { type: 'lines', lines: [entry(1)] }), state);
  const lost = new TypeError('network error');
  state = buildLogReducer(state, { type: 'retry', error: lost });
  assert.deepEqual([state.connection, state.error], ['reconnecting', lost]);
  state = buildLogReducer(state, { type: 'end', build: ended });
  assert.deepEqual([state.connection, state.ended, state.lines.length], ['ended', ended, 1]);
  assert.equal(buildLogReducer(state, { type: 'reset' }), initialBuildLog);
  assert.equal(buildLogReducer(state, { type: 'fail', error: lost }).connection, 'failed');
});

test('statuses, tones and sources read as on the CLI', () => {
  assert.deepEqual(
    (['queued', 'running', 'succeeded', 'failed', 'cancelled', 'ignored'] as const).map(
      (s) => `${s}:${buildTone(s)}:${buildRunning(s)}`,
    ),
    [
      'queued:busy:true',
      'running:busy:true',
      'succeeded:ok:false',
      'failed:bad:false',
      'cancelled:idle:false',
      'ignored:idle:false',
    ],
  );
  assert.equal(describeBuildSource({ type: 'git', url: 'x', ref: { kind: 'tag', name: 'v1' } }), 'tag v1');
  assert.equal(describeBuildSource({ type: 'archive', sha256: 'x', bytes: 2049 }), 'upload (3 KiB)');
  assert.equal(describeBuildSource({ type: 'archive', sha256: 'x', bytes: 0 }), 'upload (1 KiB)');
});

type Answer = { lines: BuildLogLine[]; then?: Error } | { refuse: Error };

function scripted(answers: Answer[]) {
  const opened: number[] = [];
  const waits: number[] = [];
  const lines: number[] = [];
  const ends: EndedBuild[] = [];
  const controller = new AbortController();
  const options: FollowBuildLogOptions = {
    signal: controller.signal,
    open: (after) => {
      opened.push(after);
      const answer = answers.shift();
      if (answer === undefined) throw new Error('opened once too often');
      if ('refuse' in answer) return Promise.reject(answer.refuse);
      return Promise.resolve(
        (async function* () {
          await Promise.resolve();
          yield* answer.lines;
          if (answer.then !== undefined) throw answer.then;
        })(),
      );
    },
    onOpen: () => undefined,
    onLine: (l) => lines.push(l.seq),
    onEnd: (b) => ends.push(b),
    onRetry: () => undefined,
    wait: (ms) => {
      waits.push(ms);
      return Promise.resolve();
    },
  };
  return { options, opened, waits, lines, ends, controller };
}

const lineOf = (seq: number): BuildLogLine => ({ type: 'line', line: entry(seq) });
const endLine: BuildLogLine = { type: 'end', build: ended };

test('a dropped follow is opened again after the last line seen, and stops at the end line', async () => {
  const run = scripted([
    { lines: [lineOf(1), lineOf(2)], then: new TypeError('terminated') },
    { refuse: new ApiError(502, null) },
    { lines: [lineOf(3)] },
    { lines: [lineOf(4), endLine, lineOf(5)] },
  ]);
  await followBuildLog(run.options);
  assert.deepEqual(run.opened, [0, 2, 2, 3]);
  assert.deepEqual(run.lines, [1, 2, 3, 4]);
  assert.deepEqual(run.ends, [ended]);
  assert.deepEqual(run.waits, [1_000, 2_000, 1_000]);
});

test('a refusal or an invalid line is not retried', async () => {
  for (const error of [new ApiError(404, null), new ApiError(403, null), new NdjsonError(1, 'not JSON')]) {
    const run = scripted([{ lines: [], then: error }]);
    await assert.rejects(followBuildLog(run.options), (err: unknown) => err === error);
    assert.deepEqual(run.waits, []);
  }
  const cut = scripted([{ lines: [] }, { lines: [endLine] }]);
  await followBuildLog(cut.options);
  assert.deepEqual(cut.waits, [1_000], 'an answer cut short is retried');
  assert.ok(new BuildLogCutError().message.length > 0);
});

test('through the real client: the log of a build, followed after the last line', async () => {
  const seen: URL[] = [];
  const client = createApiClient({
    csrfToken: () => null,
    baseUrl: 'http://berth.test/api/v1',
    fetch: (request) => {
      seen.push(new URL(request.url));
      return Promise.resolve(
        new Response([lineOf(8), { type: 'end', build }].map((l) => `${JSON.stringify(l)}\n`).join(''), {
          headers: { 'content-type': 'application/x-ndjson' },
        }),
      );
    },
  });
  const lines: BuildLogLine[] = [];
  for await (const l of await openBuildLog(client, 'site', 3, {
    follow: true,
    after: 7,
    signal: new AbortController().signal,
  }))
    lines.push(l);
  assert.deepEqual(lines, [lineOf(8), endLine]);
  assert.equal(seen[0]?.pathname, '/api/v1/apps/site/builds/3/logs');
  assert.deepEqual(Object.fromEntries(seen[0]?.searchParams ?? []), { follow: 'true', after: '7' });
});
