import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StopsUnderWay } from './stops.js';

/** A stop the test ends when it wants. */
function controlledStop(): {
  run: () => Promise<void>;
  finish: () => void;
  fail: () => void;
  calls: () => number;
} {
  let calls = 0;
  let settle: { resolve: () => void; reject: (err: Error) => void } | null = null;
  return {
    run: () => {
      calls += 1;
      return new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    },
    finish: () => settle?.resolve(),
    fail: () => settle?.reject(new Error('engine said no')),
    calls: () => calls,
  };
}

/** StopsUnderWay whose end-of-stop callback can be awaited. */
function withEnds(): { stops: StopsUnderWay; nextEnd: () => Promise<void> } {
  let waiter: (() => void) | null = null;
  const stops = new StopsUnderWay(() => waiter?.());
  return { stops, nextEnd: () => new Promise<void>((resolve) => (waiter = resolve)) };
}

test('a stop is under way until it ends; a second start of the same container does not run it twice', async () => {
  const { stops, nextEnd } = withEnds();
  const stop = controlledStop();
  stops.start('c1', stop.run);
  stops.start('c1', stop.run);
  assert.equal(stop.calls(), 1);
  assert.deepEqual([...stops.ids()], ['c1']);
  assert.equal(stops.size, 1);
  const ended = nextEnd();
  stop.finish();
  await ended;
  assert.equal(stops.size, 0);
  assert.deepEqual([...stops.ids()], []);
});

test('a stop that fails ends too, so the next tick plans it again (and no rejection is left unhandled)', async () => {
  const { stops, nextEnd } = withEnds();
  const stop = controlledStop();
  stops.start('c2', stop.run);
  const ended = nextEnd();
  stop.fail();
  await ended;
  assert.equal(stops.size, 0);
  stops.start('c2', stop.run);
  assert.equal(stop.calls(), 2, 'a stop that failed can be started again');
});
