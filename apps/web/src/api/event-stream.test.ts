import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openLiveStream, type StreamHandlers } from './event-stream.js';
import type { EndReason, Notice } from './live-notices.js';

/**
 * The connection's life against a stand-in for the browser's EventSource (there is none in
 * Node): each `connect` makes one, the test plays berthd's side, and time is the test's.
 */
class FakeSource {
  closed = false;
  constructor(
    readonly path: string,
    private readonly on: StreamHandlers,
  ) {}
  close(): void {
    this.closed = true;
  }
  send(message: object): void {
    this.on.message(JSON.stringify(message));
  }
  raw(data: unknown): void {
    this.on.message(data);
  }
  fail(): void {
    this.on.error();
  }
}

function harness() {
  const sources: FakeSource[] = [];
  const timers: { run: () => void; ms: number; cleared: boolean }[] = [];
  const seen: (Notice | 'ready' | { dropped: EndReason | null })[] = [];
  const stream = openLiveStream({
    path: '/api/v1/events?team=default',
    connect: (path, on) => {
      const source = new FakeSource(path, on);
      sources.push(source);
      return source;
    },
    onNotice: (notice) => seen.push(notice),
    onReady: () => seen.push('ready'),
    onDropped: (reason) => seen.push({ dropped: reason }),
    timers: {
      set: (run, ms) => {
        const timer = { run, ms, cleared: false };
        timers.push(timer);
        return timer;
      },
      clear: (handle) => void ((handle as { cleared: boolean }).cleared = true),
    },
    random: () => 1,
  });
  const last = (): FakeSource => {
    const source = sources.at(-1);
    assert.ok(source);
    return source;
  };
  return { stream, sources, timers, seen, last };
}

test('one connection: ready, then each notice as it comes; unknown messages are left out', () => {
  const h = harness();
  assert.equal(h.sources.length, 1);
  assert.equal(h.last().path, '/api/v1/events?team=default');
  h.last().send({ kind: 'ready', team: 'default' });
  h.last().send({ kind: 'app', app: 'web' });
  h.last().send({ kind: 'weather' });
  h.last().raw('not json');
  h.last().raw(42);
  assert.deepEqual(h.seen, ['ready', { kind: 'app', app: 'web' }]);
  h.stream.close();
  assert.equal(h.last().closed, true);
});

test('an error closes it and opens it again later and later, until a ready starts over', () => {
  const h = harness();
  for (const expected of [1_000, 2_000, 4_000]) {
    h.last().fail();
    assert.equal(h.last().closed, true, 'EventSource does not retry by itself');
    const timer = h.timers.at(-1);
    assert.equal(timer?.ms, expected);
    timer?.run();
  }
  assert.equal(h.sources.length, 4);
  h.last().send({ kind: 'ready', team: 'default' });
  h.last().fail();
  assert.equal(h.timers.at(-1)?.ms, 1_000, 'back to the first wait once it was open');
  assert.deepEqual(
    h.seen.filter((s) => s !== 'ready'),
    [{ dropped: null }, { dropped: null }, { dropped: null }, { dropped: null }],
  );
  h.stream.close();
});

test("berthd's end message says why; the stream is opened again after a wait", () => {
  const h = harness();
  h.last().send({ kind: 'ready', team: 'default' });
  h.last().send({ kind: 'end', reason: 'unauthenticated' });
  assert.equal(h.last().closed, true);
  assert.deepEqual(h.seen.at(-1), { dropped: 'unauthenticated' });
  // The error EventSource reports for the same end changes nothing more.
  h.sources[0]?.fail();
  assert.equal(h.timers.length, 1);
});

test('closing it for good stops a pending reconnect and ignores late messages', () => {
  const h = harness();
  h.last().fail();
  h.stream.close();
  assert.equal(h.timers[0]?.cleared, true);
  h.sources[0]?.send({ kind: 'app', app: 'web' });
  assert.deepEqual(h.seen, [{ dropped: null }]);
});
