import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FanOut, SubscriberDropped, type Subscription } from './fan-out.js';

/** A source the test feeds by hand, recording how often it was opened and whether it was closed. */
function createSource() {
  const state = { opened: 0, closed: false };
  let feed: ((item: string | null) => void) | null = null;
  const backlog: (string | null)[] = [];
  const source = {
    state,
    push(item: string | null): void {
      const waiting = feed;
      feed = null;
      if (waiting) waiting(item);
      else backlog.push(item);
    },
    async *open(signal: AbortSignal, onOpen: () => void): AsyncGenerator<string> {
      state.opened++;
      signal.addEventListener('abort', () => {
        state.closed = true;
        const waiting = feed;
        feed = null;
        waiting?.(null);
      });
      onOpen();
      for (;;) {
        const item =
          backlog.length > 0
            ? backlog.shift()
            : await new Promise<string | null>((resolve) => (feed = resolve));
        if (item === null || item === undefined || signal.aborted) return;
        yield item;
      }
    },
  };
  return source;
}

function createFan(source: ReturnType<typeof createSource>, maxQueued = 100) {
  let closedCalls = 0;
  const fan = new FanOut<string>({
    open: (signal, onOpen) => source.open(signal, onOpen),
    maxQueued,
    sizeOf: (item) => item.length,
    ringItems: 3,
    ringSize: 100,
    onClosed: () => closedCalls++,
  });
  return { fan, closedCalls: () => closedCalls };
}

/** Reads batches until `count` items arrived (or the subscription ended). */
async function take(sub: Subscription<string>, count: number): Promise<string[]> {
  const got: string[] = [];
  for await (const batch of sub) {
    got.push(...batch);
    if (got.length >= count) break;
  }
  return got;
}

/** Resolves after every queued microtask and I/O callback ran: the source has delivered. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('one shared source, many followers', () => {
  test('a late joiner gets what comes after it joined; the source opens once', async () => {
    const source = createSource();
    const { fan } = createFan(source);
    const early = fan.subscribe();
    await fan.ready;
    source.push('a');
    source.push('b');
    await settle();
    const late = fan.subscribe();
    assert.deepEqual(fan.recent(1, false), ['b'], "the late joiner's tail: what came just before it");
    source.push('c');
    assert.deepEqual(await take(early, 3), ['a', 'b', 'c']);
    assert.equal(fan.size, 1, 'leaving the loop closed the early subscription');
    assert.deepEqual(await take(late, 1), ['c']);
    assert.equal(source.state.opened, 1);
  });

  test('the ring serves a tail only when it holds all of it', async () => {
    const source = createSource();
    const { fan } = createFan(source);
    const sub = fan.subscribe();
    fan.subscribe(); // keeps the source open after `sub` has read its fill
    await fan.ready;
    source.push('a');
    source.push('b');
    assert.deepEqual(await take(sub, 2), ['a', 'b']);
    assert.deepEqual(
      fan.recent(5, true),
      ['a', 'b'],
      'the source began with all it had: nothing older exists',
    );
    assert.equal(fan.recent(5, false), null, 'older lines may exist that the ring never saw');
    for (const item of ['c', 'd', 'e']) source.push(item);
    await settle();
    assert.deepEqual(fan.recent(3, false), ['c', 'd', 'e']);
    assert.equal(fan.recent(4, true), null, 'the ring dropped its oldest: it cannot serve 4');
    assert.deepEqual(fan.recent(0, false), []);
  });

  test('a follower that falls behind is dropped; the source and the others go on', async () => {
    const source = createSource();
    const { fan } = createFan(source, 10);
    const slow = fan.subscribe();
    const fast = fan.subscribe();
    await fan.ready;
    const fastReader = fast[Symbol.asyncIterator]();
    const fastGot: string[] = [];
    for (let i = 0; i < 8; i++) {
      source.push('xx');
      const next = await fastReader.next(); // the fast reader keeps up; the slow one never reads
      if (!next.done) fastGot.push(...next.value);
    }
    assert.deepEqual(
      fastGot,
      Array.from({ length: 8 }, () => 'xx'),
    );
    await assert.rejects(take(slow, 1), (err: unknown) => {
      assert.ok(err instanceof SubscriberDropped);
      assert.match(err.message, /fell behind by more than 10 bytes/);
      return true;
    });
    assert.equal(source.state.closed, false, 'the engine stream stays open for the others');
    assert.equal(fan.size, 1);
    source.push('yy');
    assert.deepEqual((await fastReader.next()).value, ['yy']);
    await fastReader.return(undefined);
    assert.equal(source.state.closed, true, 'the last reader left: the stream closes');
  });

  test('the source closes when the last follower leaves, not before', async () => {
    const source = createSource();
    const { fan, closedCalls } = createFan(source);
    const a = fan.subscribe();
    const b = fan.subscribe();
    await fan.ready;
    a.close();
    await settle();
    assert.equal(source.state.closed, false);
    assert.equal(closedCalls(), 0);
    b.close();
    await settle();
    assert.equal(source.state.closed, true);
    assert.equal(closedCalls(), 1);
    assert.equal(fan.isClosed, true);
    assert.throws(() => fan.subscribe(), /closed/);
  });

  test('when the source ends, followers get what was queued and then end', async () => {
    const source = createSource();
    const { fan, closedCalls } = createFan(source);
    const sub = fan.subscribe();
    await fan.ready;
    source.push('last words');
    source.push(null);
    assert.deepEqual(await take(sub, 99), ['last words']);
    assert.equal(closedCalls(), 1);
  });
});
