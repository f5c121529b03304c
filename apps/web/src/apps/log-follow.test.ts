import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openAppLogs } from '../api/app-logs.js';
import { createApiClient } from '../api/client.js';
import { NdjsonError } from '../api/ndjson.js';
import type { AppLogLine } from '../api/paths.js';
import { ApiError } from '../problems/problem.js';
import { followLogs, LogStreamEndedError, type FollowLogsOptions } from './log-follow.js';

const at = (s: number, text: string, replica = 'berth-web-v1-abc123-0'): AppLogLine => ({
  at: `2025-01-01T12:00:0${s}Z`,
  replica,
  stream: 'stderr',
  line: text,
});

/**
 * A berthd of scripted answers, one per opening: lines to send, then how the answer ends (a
 * follow ends only when berthd ends it; `then` is how the connection is lost).
 */
type Answer = { lines: AppLogLine[]; then?: Error } | { refuse: Error };

function scripted(answers: Answer[]) {
  const opened: string[] = [];
  const waits: number[] = [];
  const shown: string[] = [];
  const retries: unknown[] = [];
  const controller = new AbortController();
  const options: FollowLogsOptions = {
    signal: controller.signal,
    open: ({ since, follow }) => {
      opened.push(`${follow ? 'follow' : 'read'} ${since ?? 'tail'}`);
      const answer = answers.shift();
      // Out of script: the page has followed as far as the test goes.
      if (answer === undefined) {
        controller.abort();
        return Promise.reject(new DOMException('aborted', 'AbortError'));
      }
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
    onLine: (l) => shown.push(`${l.at.slice(-3, -1)} ${l.line}`),
    onRetry: (error) => retries.push(error),
    wait: (ms) => {
      waits.push(ms);
      return Promise.resolve();
    },
  };
  return { options, opened, waits, shown, retries, controller };
}

test('the last lines are read first, then followed; a dropped follow is read and followed again from the newest time seen, no line twice', async () => {
  const lost = new TypeError('network error');
  const run = scripted([
    { lines: [at(1, 'a'), at(2, 'b')] },
    { lines: [at(2, 'b'), at(2, 'b')], then: lost },
    { refuse: new TypeError('Failed to fetch') },
    // What was sent again from 12:00:02 is left out.
    { lines: [at(2, 'b'), at(2, 'b'), at(2, 'b'), at(3, 'c')] },
    // berthd restarted: the followed answer simply ends.
    { lines: [at(3, 'c'), at(4, 'd')] },
    { lines: [] },
    { lines: [at(4, 'd'), at(5, 'e')], then: lost },
  ]);
  await followLogs(run.options);
  assert.deepEqual(run.shown, ['01 a', '02 b', '02 b', '02 b', '03 c', '04 d', '05 e']);
  const T = '2025-01-01T12:00:0';
  assert.deepEqual(run.opened, [
    'read tail',
    `follow ${T}2Z`,
    `read ${T}2Z`,
    `read ${T}2Z`,
    `follow ${T}3Z`,
    `read ${T}4Z`,
    `follow ${T}4Z`,
    `read ${T}5Z`,
  ]);
  // The wait grows while nothing comes, and starts again at 1 s once a line did.
  assert.deepEqual(run.waits, [1_000, 2_000, 1_000, 1_000]);
  assert.equal(run.retries[0], lost);
  assert.ok(run.retries[2] instanceof LogStreamEndedError);
});

test('no agent or berthd failing is retried; too many streams waits the longest', async () => {
  const run = scripted([
    { refuse: new ApiError(503, null) },
    { refuse: new ApiError(429, null) },
    { lines: [at(1, 'up')] },
    { lines: [], then: new TypeError('terminated') },
  ]);
  await followLogs(run.options);
  assert.deepEqual(run.waits, [1_000, 5_000, 1_000]);
  assert.deepEqual(run.shown, ['01 up']);
});

test('a refusal or an invalid line is not retried', async () => {
  for (const error of [new ApiError(403, null), new ApiError(401, null), new NdjsonError(2, 'not JSON')]) {
    const run = scripted([{ lines: [at(1, 'x')], then: error }]);
    await assert.rejects(followLogs(run.options), (err: unknown) => err === error);
    assert.deepEqual(run.opened, ['read tail']);
    assert.deepEqual(run.waits, []);
  }
});

test('an abort while reading ends the follow quietly', async () => {
  const run = scripted([
    { lines: [at(1, 'x'), at(2, 'y')], then: new DOMException('aborted', 'AbortError') },
  ]);
  run.options.onLine = () => run.controller.abort();
  await followLogs(run.options);
  assert.deepEqual(run.opened, ['read tail']);
  assert.deepEqual(run.retries, []);
});

test('through the real client: the last lines, then a follow of the lines since', async () => {
  const requests: URL[] = [];
  const bodies = [
    [at(1, '<img src=x onerror=alert(1)>')],
    [at(1, '<img src=x onerror=alert(1)>'), at(2, 'next')],
  ];
  const client = createApiClient({
    csrfToken: () => 'csrf-token',
    baseUrl: 'http://berth.test/api/v1',
    fetch: (request) => {
      requests.push(new URL(request.url));
      const lines = bodies.shift();
      if (lines === undefined) return Promise.reject(new DOMException('aborted', 'AbortError'));
      return Promise.resolve(
        new Response(lines.map((l) => `${JSON.stringify(l)}\n`).join(''), {
          headers: { 'content-type': 'application/x-ndjson' },
        }),
      );
    },
  });
  const controller = new AbortController();
  const shown: AppLogLine[] = [];
  await followLogs({
    open: (from, signal) => openAppLogs(client, 'web', { ...from, tail: 200, health: false, signal }),
    signal: controller.signal,
    onOpen: () => undefined,
    onLine: (l) => {
      shown.push(l);
      if (l.line === 'next') controller.abort();
    },
    onRetry: () => undefined,
    wait: () => Promise.resolve(),
  });
  assert.deepEqual(
    shown.map((l) => l.line),
    ['<img src=x onerror=alert(1)>', 'next'],
  );
  const [first, second] = requests;
  assert.equal(first?.pathname, '/api/v1/apps/web/logs');
  assert.deepEqual(Object.fromEntries(first?.searchParams ?? []), {
    follow: 'false',
    tail: '200',
    health: 'false',
  });
  assert.deepEqual(Object.fromEntries(second?.searchParams ?? []), {
    follow: 'true',
    since: '2025-01-01T12:00:01Z',
    health: 'false',
  });
});
