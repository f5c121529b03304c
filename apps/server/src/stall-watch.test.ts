import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { STALL_WARN_MS, watchStalls } from './stall-watch.js';

test('a stalled event loop is logged with how long, once it runs again', async () => {
  const warned: number[] = [];
  const stop = watchStalls({ warn: (o: { stalledMs?: number }) => warned.push(o.stalledMs ?? 0) });
  try {
    const until = Date.now() + STALL_WARN_MS + 700;
    while (Date.now() < until) {
      // A synchronous hot loop: nothing else runs meanwhile.
    }
    await sleep(700);
    assert.equal(warned.length, 1, JSON.stringify(warned));
    assert.ok((warned[0] ?? 0) >= STALL_WARN_MS, String(warned[0]));
  } finally {
    stop();
  }
});
