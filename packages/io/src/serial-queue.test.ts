import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSerialQueue } from './serial-queue.js';

test('tasks run one at a time in call order, and a failure does not stop the next', async () => {
  const serialized = createSerialQueue();
  const log: string[] = [];
  const task =
    (name: string, ms: number, fail = false) =>
    () =>
      new Promise<string>((resolve, reject) => {
        log.push(`start ${name}`);
        setTimeout(() => {
          log.push(`end ${name}`);
          if (fail) reject(new Error(name));
          else resolve(name);
        }, ms);
      });
  const results = await Promise.allSettled([
    serialized(task('slow', 30)),
    serialized(task('fails', 1, true)),
    serialized(task('fast', 1)),
  ]);
  assert.deepEqual(log, ['start slow', 'end slow', 'start fails', 'end fails', 'start fast', 'end fast']);
  assert.deepEqual(
    results.map((r) => r.status),
    ['fulfilled', 'rejected', 'fulfilled'],
  );
});
