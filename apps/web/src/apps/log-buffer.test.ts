import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AppLogLine } from '../api/paths.js';
import {
  downloadName,
  filterLines,
  initialLogs,
  logsReducer,
  logText,
  MAX_HELD,
  MAX_LINES,
  ResumePoint,
  shortReplica,
  timeMs,
  type LogsAction,
  type LogsState,
} from './log-buffer.js';

const R1 = 'berth-web-v2-abc123-0';
const R2 = 'berth-web-v2-abc123-1';

const line = (n: number, replica = R1, text = `line ${n}`): AppLogLine => ({
  at: `2025-01-01T12:00:${String(n % 60).padStart(2, '0')}Z`,
  replica,
  stream: 'stdout',
  line: text,
});

const lines = (from: number, count: number, replica = R1): AppLogLine[] =>
  Array.from({ length: count }, (_, i) => line(from + i, replica));

const run = (actions: LogsAction[], state: LogsState = initialLogs): LogsState =>
  actions.reduce(logsReducer, state);

test('lines are kept in order, each with an id of its own, the newest MAX_LINES of them', () => {
  let state = run([{ type: 'lines', lines: [line(1), line(1)] }]);
  assert.deepEqual(
    state.lines.map((l) => [l.id, l.line]),
    [
      [1, 'line 1'],
      [2, 'line 1'],
    ],
  );
  state = run([{ type: 'lines', lines: lines(2, MAX_LINES) }], state);
  assert.equal(state.lines.length, MAX_LINES);
  assert.equal(state.dropped, 2);
  assert.equal(state.lines[0]?.line, 'line 2');
  assert.equal(state.lines.at(-1)?.id, MAX_LINES + 2);
  // A batch larger than what is kept keeps only its own newest.
  state = run([{ type: 'lines', lines: lines(0, MAX_LINES + 5) }], state);
  assert.equal(state.lines.length, MAX_LINES);
  assert.equal(state.lines[0]?.line, 'line 5');
  // Nothing new: the same state, so nothing renders again.
  assert.equal(logsReducer(state, { type: 'lines', lines: [] }), state);
});

test('paused, new lines are held (the newest MAX_HELD), and shown on resume', () => {
  let state = run([{ type: 'lines', lines: lines(1, 3) }, { type: 'pause' }]);
  const shown = state.lines;
  state = run([{ type: 'lines', lines: lines(4, 2) }], state);
  assert.equal(state.lines, shown, 'the view does not change while paused');
  assert.deepEqual(
    state.held.map((l) => l.line),
    ['line 4', 'line 5'],
  );
  state = run([{ type: 'lines', lines: lines(6, MAX_HELD) }], state);
  assert.equal(state.held.length, MAX_HELD);
  assert.equal(state.skipped, 2);
  assert.equal(state.held[0]?.line, 'line 6');
  state = run([{ type: 'resume' }], state);
  assert.equal(state.paused, false);
  assert.deepEqual(state.held, []);
  // What was held comes after what was shown, and the view keeps its newest MAX_LINES.
  assert.equal(state.lines.length, MAX_LINES);
  assert.equal(state.dropped, 3 + MAX_HELD - MAX_LINES);
  assert.equal(state.lines[0]?.line, `line ${6 + MAX_HELD - MAX_LINES}`);
  assert.equal(state.lines.at(-1)?.id, state.nextId - 1);
  // Pause and resume twice are the same as once; a new pause counts what it lets go afresh.
  assert.equal(logsReducer(state, { type: 'resume' }), state);
  const paused = run([{ type: 'pause' }], state);
  assert.equal(logsReducer(paused, { type: 'pause' }), paused);
  assert.equal(paused.skipped, 0);
});

test('clear empties the view and keeps the replicas; reset starts over but never reuses an id', () => {
  let state = run([
    { type: 'lines', lines: [line(1, R2), line(2, R1)] },
    { type: 'pause' },
    { type: 'lines', lines: [line(3)] },
  ]);
  assert.deepEqual(state.replicas, [R1, R2]);
  state = run([{ type: 'clear' }], state);
  assert.deepEqual([state.lines, state.held, state.paused, state.replicas], [[], [], true, [R1, R2]]);
  state = run([{ type: 'reset' }], state);
  assert.deepEqual({ ...state, nextId: 0 }, { ...initialLogs, nextId: 0 });
  assert.equal(run([{ type: 'lines', lines: [line(4)] }], state).lines[0]?.id, 4);
});

test('the filter: text in any case, a replica, or both; nothing asked lets all through', () => {
  const state = run([
    {
      type: 'lines',
      lines: [line(1, R1, 'GET /health'), line(2, R2, 'GET /Cart 404'), line(3, R1, 'POST /cart 200')],
    },
  ]);
  assert.equal(filterLines(state.lines, { text: '', replica: null }), state.lines);
  assert.equal(filterLines(state.lines, { text: '  ', replica: null }), state.lines);
  const texts = (text: string, replica: string | null): string[] =>
    filterLines(state.lines, { text, replica }).map((l) => l.line);
  assert.deepEqual(texts('cart', null), ['GET /Cart 404', 'POST /cart 200']);
  assert.deepEqual(texts('', R1), ['GET /health', 'POST /cart 200']);
  assert.deepEqual(texts('CART', R2), ['GET /Cart 404']);
  assert.deepEqual(texts('<script>', null), []);
});

test('the replicas offered: every one seen, sorted, at most MAX_REPLICAS', () => {
  const many = Array.from({ length: 150 }, (_, i) => line(i, `r-${String(i).padStart(3, '0')}`));
  const state = run([{ type: 'lines', lines: many }]);
  assert.equal(state.replicas.length, 100);
  assert.equal(state.replicas[0], 'r-000');
  // No new replica: the same array.
  assert.equal(run([{ type: 'lines', lines: [line(1, 'r-000')] }], state).replicas, state.replicas);
});

test("the text downloaded is berthd's lines as `berth logs` prints them, no terminal escape in it", () => {
  const shown: AppLogLine[] = [
    { at: '2025-01-01T12:00:01Z', replica: R1, stream: 'stdout', line: '<script>alert(1)</script>' },
    { at: '2025-01-01T12:00:02Z', replica: R2, stream: 'stderr', line: 'red \u001b[31mtext\u001b[0m\there' },
    { at: '2025-01-01T12:00:03Z', replica: R1, stream: 'berth', line: 'server s2 cannot be read' },
  ];
  assert.equal(
    logText(shown, { timestamps: true }),
    `${R1} | 2025-01-01T12:00:01Z   <script>alert(1)</script>\n` +
      `${R2} | 2025-01-01T12:00:02Z ! red \uFFFD[31mtext\uFFFD[0m\there\n` +
      `${R1} | 2025-01-01T12:00:03Z   berth: server s2 cannot be read\n`,
  );
  assert.equal(logText(shown.slice(0, 1), { timestamps: false }), `${R1} |   <script>alert(1)</script>\n`);
  assert.equal(logText([], { timestamps: true }), '');
});

test("a download's name says the app and when", () => {
  assert.equal(downloadName('web', new Date(2025, 0, 2, 3, 4, 5)), 'web-logs-20250102-030405.txt');
});

test("a replica is shown without the prefix every one of the app's shares", () => {
  assert.equal(shortReplica(R1, 'web'), 'v2-abc123-0');
  // Another app whose name starts the same is not cut.
  assert.equal(shortReplica('berth-webapp-v1-abc123-0', 'web'), 'berth-webapp-v1-abc123-0');
  assert.equal(shortReplica('berth-web-', 'web'), 'berth-web-');
  assert.equal(shortReplica('other', 'web'), 'other');
});

test('times with up to nanoseconds, or an offset, are read; anything else is not', () => {
  assert.equal(timeMs('2025-01-01T12:00:01Z'), Date.UTC(2025, 0, 1, 12, 0, 1));
  assert.equal(timeMs('2025-01-01T12:00:01.123456789Z'), Date.UTC(2025, 0, 1, 12, 0, 1, 123));
  assert.equal(timeMs('2025-01-01T12:00:01.5Z'), Date.UTC(2025, 0, 1, 12, 0, 1, 500));
  assert.equal(timeMs('2025-01-01T14:00:01+02:00'), Date.UTC(2025, 0, 1, 12, 0, 1));
  assert.equal(timeMs('yesterday'), null);
  assert.equal(timeMs('2025-13-01T12:00:01Z'), null);
});

test('a reopened stream leaves out what was received: older lines, and as many equal ones as seen', () => {
  const point = new ResumePoint();
  assert.equal(point.since, null);
  assert.equal(point.repeats()(line(1)), false, 'nothing seen: nothing repeats');
  const at = (s: number, text: string, replica = R1): AppLogLine => ({ ...line(s, replica), line: text });
  for (const l of [at(1, 'a'), at(2, 'b'), at(2, 'tick'), at(2, 'tick'), at(2, 'tick', R2)]) point.see(l);
  assert.equal(point.since, '2025-01-01T12:00:02Z');
  const repeats = point.repeats();
  const again = [
    at(1, 'a'),
    at(2, 'tick'),
    at(2, 'b'),
    at(2, 'tick'),
    at(2, 'tick'),
    at(2, 'tick', R2),
    at(3, 'c'),
  ];
  assert.deepEqual(
    again.filter((l) => !repeats(l)).map((l) => `${l.at.slice(-3, -1)} ${l.line}`),
    ['02 tick', '03 c'],
  );
  // Each reopening counts from what was seen, not from the last reopening.
  assert.equal(point.repeats()(at(2, 'b')), true);
  // A line whose time cannot be read is never taken for a repeat.
  assert.equal(repeats({ ...line(1), at: 'now' }), false);
});
