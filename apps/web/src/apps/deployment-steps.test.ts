import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createApiClient } from '../api/client.js';
import { openDeploymentEvents, type DeploymentLine, type EndedDeployment } from '../api/deployment-events.js';
import { NdjsonError } from '../api/ndjson.js';
import type { DeploymentEvent } from '../api/paths.js';
import { ApiError } from '../problems/problem.js';
import {
  followDeployment,
  formatElapsed,
  formatStepOffset,
  initialSteps,
  mergeSteps,
  retryDelay,
  stepAnnouncement,
  stepsReducer,
  StreamCutError,
  type FollowOptions,
} from './deployment-steps.js';

const step = (seq: number, message = `step ${seq}`): DeploymentEvent => ({
  seq,
  at: `2025-01-01T12:00:0${seq % 10}.000Z`,
  level: 'info',
  message,
});

const ended: EndedDeployment = {
  id: 'dep_aaaaaaaaaaaaaaaaaaaa',
  appName: 'web',
  releaseVersion: 2,
  status: 'succeeded',
  createdAt: '2025-01-01T12:00:00.000Z',
  startedAt: '2025-01-01T12:00:00.100Z',
  finishedAt: '2025-01-01T12:00:09.000Z',
};

test('steps are kept in sequence order, each once', () => {
  const first = mergeSteps([], [step(1), step(2)]);
  assert.deepEqual(
    first.map((s) => s.seq),
    [1, 2],
  );
  // A reconnect sends the last one again; one that came late finds its place.
  const next = mergeSteps(first, [step(2, 'again'), step(4), step(3)]);
  assert.deepEqual(
    next.map((s) => [s.seq, s.message]),
    [
      [1, 'step 1'],
      [2, 'step 2'],
      [3, 'step 3'],
      [4, 'step 4'],
    ],
  );
  assert.deepEqual(
    mergeSteps([], [step(5), step(5, 'twice')]).map((s) => s.message),
    ['step 5'],
  );
  // Nothing new: the same array, so nothing renders again.
  assert.equal(mergeSteps(next, [step(1), step(4)]), next);
  assert.equal(mergeSteps(next, []), next);
});

test('the state: steps, then the end; a dropped connection and a failure are told apart', () => {
  let state = stepsReducer(initialSteps, { type: 'open' });
  assert.equal(state.connection, 'open');
  state = stepsReducer(state, { type: 'events', events: [step(1)] });
  const same = stepsReducer(state, { type: 'events', events: [step(1)] });
  assert.equal(same, state);
  const lost = new TypeError('network error');
  state = stepsReducer(state, { type: 'retry', error: lost });
  assert.equal(state.connection, 'reconnecting');
  assert.equal(state.error, lost);
  state = stepsReducer(state, { type: 'open' });
  assert.equal(state.error, null);
  state = stepsReducer(state, { type: 'end', deployment: ended });
  assert.deepEqual(
    { connection: state.connection, ended: state.ended, steps: state.steps.length },
    { connection: 'ended', ended, steps: 1 },
  );
  assert.equal(stepsReducer(state, { type: 'reset' }), initialSteps);
  assert.equal(stepsReducer(initialSteps, { type: 'fail', error: lost }).connection, 'failed');
});

test('a step reads as how long after the start it came', () => {
  const start = '2025-01-01T12:00:00.000Z';
  assert.equal(formatStepOffset(start, start), '+0.0 s');
  assert.equal(formatStepOffset(start, '2025-01-01T12:00:01.240Z'), '+1.2 s');
  assert.equal(formatStepOffset(start, '2025-01-01T12:00:01.250Z'), '+1.3 s');
  assert.equal(formatStepOffset(start, '2025-01-01T12:00:59.940Z'), '+59.9 s');
  assert.equal(formatStepOffset(start, '2025-01-01T12:00:59.960Z'), '+1 min 0 s');
  assert.equal(formatStepOffset(start, '2025-01-01T12:03:05.000Z'), '+3 min 5 s');
  assert.equal(formatStepOffset(start, '2025-01-01T13:02:00.000Z'), '+1 h 2 min');
  // Before the start (another clock, or a step written as it was queued): said, not hidden.
  assert.equal(formatStepOffset(start, '2025-01-01T11:59:58.500Z'), '\u22121.5 s');
  assert.equal(formatStepOffset(start, 'yesterday'), null);
  assert.equal(formatStepOffset('', start), null);
});

test('elapsed time in whole seconds, then minutes, then hours', () => {
  assert.equal(formatElapsed(0), '0 s');
  assert.equal(formatElapsed(999), '0 s');
  assert.equal(formatElapsed(42_500), '42 s');
  assert.equal(formatElapsed(185_000), '3 min 5 s');
  assert.equal(formatElapsed(3_720_000), '1 h 2 min');
  assert.equal(formatElapsed(-3_000), '0 s');
});

test('a step is announced with its level when it is not plain information', () => {
  assert.equal(stepAnnouncement({ level: 'info', message: 'Pulled web:2' }), 'Pulled web:2');
  assert.equal(stepAnnouncement({ level: 'warn', message: 'slow' }), 'Warning: slow');
  assert.equal(stepAnnouncement({ level: 'error', message: 'crashed' }), 'Error: crashed');
});

test('the waits between attempts: 1 s, 2 s, then at most 5 s', () => {
  assert.deepEqual(
    [0, 1, 2, 3, 4, 10].map((failures) => retryDelay(failures)),
    [1_000, 2_000, 4_000, 5_000, 5_000, 5_000],
  );
});

/**
 * A berthd of scripted answers, one per opening: lines to send, then how the answer ends (the
 * end line is a line like the others; `throw` is how the connection is lost).
 */
type Answer = { lines: DeploymentLine[]; then?: Error } | { refuse: Error };

function scripted(answers: Answer[], overrides: Partial<FollowOptions> = {}) {
  const opened: number[] = [];
  const waits: number[] = [];
  const events: number[] = [];
  const retries: unknown[] = [];
  const ends: EndedDeployment[] = [];
  const controller = new AbortController();
  const options: FollowOptions = {
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
    onEvent: (e) => events.push(e.seq),
    onEnd: (d) => ends.push(d),
    onRetry: (error) => retries.push(error),
    wait: (ms) => {
      waits.push(ms);
      return Promise.resolve();
    },
    ...overrides,
  };
  return { options, opened, waits, events, retries, ends, controller };
}

const eventLine = (seq: number): DeploymentLine => ({ type: 'event', event: step(seq) });
const endLine: DeploymentLine = { type: 'end', deployment: ended };

test('a dropped follow is opened again after the last step seen, and stops at the end line', async () => {
  const lost = new TypeError('network error');
  const run = scripted([
    { lines: [eventLine(1), eventLine(2)], then: lost },
    { refuse: new TypeError('Failed to fetch') },
    { lines: [eventLine(2), eventLine(3)], then: new StreamCutError() },
    { lines: [eventLine(4), endLine, eventLine(5)] },
  ]);
  await followDeployment(run.options);
  assert.deepEqual(run.opened, [0, 2, 2, 3]);
  // Events as they came (the hook's reducer drops the repeated 2); nothing after the end line.
  assert.deepEqual(run.events, [1, 2, 2, 3, 4]);
  assert.deepEqual(run.ends, [ended]);
  // The wait grows while nothing comes, and starts again at 1 s once a line did.
  assert.deepEqual(run.waits, [1_000, 2_000, 1_000]);
  assert.equal(run.retries[0], lost);
  assert.ok(run.retries[2] instanceof StreamCutError);
});

test('a follow opened again by the page starts after the last step it already has', async () => {
  const run = scripted([{ lines: [eventLine(8), endLine] }], { after: 7 });
  await followDeployment(run.options);
  assert.deepEqual(run.opened, [7]);
  assert.deepEqual(run.events, [8]);
});

test('berthd failing or too busy is retried; too many streams waits the longest', async () => {
  const run = scripted([
    { refuse: new ApiError(502, null) },
    { refuse: new ApiError(429, null) },
    { refuse: new ApiError(503, null) },
    { lines: [endLine] },
  ]);
  await followDeployment(run.options);
  assert.deepEqual(run.waits, [1_000, 5_000, 4_000]);
  assert.deepEqual(run.ends, [ended]);
});

test('a refusal or an invalid line is not retried', async () => {
  for (const error of [new ApiError(404, null), new ApiError(401, null), new NdjsonError(2, 'not JSON')]) {
    const run = scripted([{ lines: [eventLine(1)], then: error }]);
    await assert.rejects(followDeployment(run.options), (err: unknown) => err === error);
    assert.deepEqual(run.opened, [0]);
    assert.deepEqual(run.waits, []);
  }
});

test('an abort ends the follow quietly, even while it waits to reconnect', async () => {
  const run = scripted([{ refuse: new TypeError('Failed to fetch') }]);
  run.options.wait = (ms, signal) => {
    run.waits.push(ms);
    const done = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
    run.controller.abort();
    return done;
  };
  await followDeployment(run.options);
  assert.deepEqual(run.opened, [0]);
  assert.deepEqual(run.waits, [1_000]);

  // An abort while reading: the reader rejects with the abort, which is no failure.
  const reading = scripted([{ lines: [eventLine(1)], then: new DOMException('aborted', 'AbortError') }]);
  reading.options.onEvent = () => reading.controller.abort();
  await followDeployment(reading.options);
  assert.deepEqual(reading.opened, [0]);
  assert.deepEqual(reading.retries, []);
});

test('through the real client and reader: a connection lost mid-line resumes after the last whole step', async () => {
  const line = (l: DeploymentLine): string => `${JSON.stringify(l)}\n`;
  const bodies = [
    // The connection goes in the middle of the third line.
    [line(eventLine(1)), line(eventLine(2)) + line(eventLine(3)).slice(0, 20), new TypeError('terminated')],
    [line(eventLine(3)), line(endLine)],
  ];
  const urls: URL[] = [];
  const client = createApiClient({
    csrfToken: () => null,
    baseUrl: 'http://berth.test/api/v1',
    fetch: (request) => {
      urls.push(new URL(request.url));
      const parts = bodies.shift() ?? [];
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          const part = parts.shift();
          if (part === undefined) controller.close();
          else if (typeof part === 'string') controller.enqueue(new TextEncoder().encode(part));
          else controller.error(part);
        },
      });
      return Promise.resolve(new Response(body, { headers: { 'content-type': 'application/x-ndjson' } }));
    },
  });
  const run = scripted([], {
    open: (after, signal) => openDeploymentEvents(client, ended.id, { follow: true, after, signal }),
  });
  await followDeployment(run.options);
  assert.deepEqual(
    urls.map((u) => u.searchParams.get('after')),
    [null, '2'],
  );
  assert.deepEqual(run.events, [1, 2, 3]);
  assert.deepEqual(run.ends, [ended]);
  assert.deepEqual(run.waits, [1_000]);
});
