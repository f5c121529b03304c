import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startWakeLoop, type WakeLoop } from './wake-loop.js';

/** A pass that records when it ran and can be held open. */
function recorder(delayMs: number) {
  const passes: number[] = [];
  let release: (() => void) | null = null;
  let hold = false;
  const waiters: Array<() => void> = [];
  return {
    passes,
    holdNext() {
      hold = true;
    },
    release() {
      release?.();
    },
    /** Resolves once `count` passes have started. */
    until(count: number): Promise<void> {
      if (passes.length >= count) return Promise.resolve();
      return new Promise((resolve) => waiters.push(() => passes.length >= count && resolve()));
    },
    async pass(): Promise<number> {
      passes.push(Date.now());
      for (const w of waiters) w();
      if (hold) {
        hold = false;
        await new Promise<void>((resolve) => (release = resolve));
      }
      return delayMs;
    },
  };
}

const start = (r: ReturnType<typeof recorder>, errors: unknown[] = []): WakeLoop =>
  startWakeLoop({ pass: () => r.pass(), onError: (e) => errors.push(e), errorDelayMs: 60_000 });

test('the first pass runs at once, and the loop sleeps until woken', async () => {
  const r = recorder(60_000);
  const loop = start(r);
  await r.until(1);
  loop.wake();
  await r.until(2);
  assert.equal(r.passes.length, 2);
  await loop.stop();
});

test('a wake during a pass is not lost: the next pass starts without sleeping', async () => {
  const r = recorder(60_000);
  r.holdNext();
  const loop = start(r);
  await r.until(1);
  loop.wake();
  r.release();
  // With the wake lost, this would wait the whole minute (and the test time out).
  await r.until(2);
  await loop.stop();
});

test('a pass that returns 0 is followed at once by the next', async () => {
  let left = 5;
  const loop = startWakeLoop({
    pass: () => Promise.resolve(--left > 0 ? 0 : 60_000),
    onError: () => assert.fail('no error expected'),
    errorDelayMs: 60_000,
  });
  while (left > 0) await new Promise<void>((resolve) => setImmediate(resolve));
  assert.equal(left, 0);
  await loop.stop();
});

test('a pass that throws is reported and the loop goes on after errorDelayMs', async () => {
  const errors: unknown[] = [];
  let calls = 0;
  const loop = startWakeLoop({
    pass: () => (++calls === 1 ? Promise.reject(new Error('boom')) : Promise.resolve(60_000)),
    onError: (e) => errors.push(e),
    errorDelayMs: 1,
  });
  while (calls < 2) await new Promise<void>((resolve) => setImmediate(resolve));
  assert.equal(errors.length, 1);
  assert.match((errors[0] as Error).message, /boom/);
  await loop.stop();
});

test('stop ends a sleeping loop at once and waits for a pass under way', async () => {
  const r = recorder(60_000);
  const loop = start(r);
  await r.until(1);
  const t0 = Date.now();
  await loop.stop();
  assert.ok(Date.now() - t0 < 1000, 'stop did not cut the sleep short');

  const held = recorder(60_000);
  held.holdNext();
  const busy = start(held);
  await held.until(1);
  let stopped = false;
  const stopping = busy.stop().then(() => (stopped = true));
  await new Promise<void>((resolve) => setImmediate(resolve));
  assert.equal(stopped, false, 'stop returned while a pass was still running');
  held.release();
  await stopping;
  assert.equal(held.passes.length, 1, 'a pass ran after stop');
});
