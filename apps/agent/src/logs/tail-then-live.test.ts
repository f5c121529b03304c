import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ContainerLogLine } from '@berth/engine';
import { withoutOverlap } from './tail-then-live.js';

const line = (n: number, at = `2026-12-03T10:00:00.${String(n).padStart(9, '0')}Z`): ContainerLogLine => ({
  stream: 'stdout',
  at,
  line: `line ${n}`,
});

async function collect(history: ContainerLogLine[], live: ContainerLogLine[]): Promise<number[]> {
  let i = 0;
  const it: AsyncIterator<ContainerLogLine> = {
    next: () =>
      Promise.resolve(
        i < live.length
          ? { done: false, value: live[i++] as ContainerLogLine }
          : { done: true, value: undefined },
      ),
  };
  const out: number[] = [];
  for await (const l of withoutOverlap(history, it.next(), it)) out.push(Number(l.line.slice(5)));
  return out;
}

test('live lines the tail already had are left out once, up to the first new one', async () => {
  const history = [1, 2, 3, 4].map((n) => line(n));
  assert.deepEqual(
    await collect(
      history,
      [3, 4, 5, 6].map((n) => line(n)),
    ),
    [5, 6],
  );
  assert.deepEqual(
    await collect(
      history,
      [5, 6].map((n) => line(n)),
    ),
    [5, 6],
    'no overlap',
  );
  assert.deepEqual(
    await collect(
      [],
      [1, 2].map((n) => line(n)),
    ),
    [1, 2],
    'no tail',
  );
});

test('a line repeated later (same text, another time) is not taken for the overlap', async () => {
  const again = { ...line(4), at: '2026-12-03T10:00:09.000000000Z' };
  assert.deepEqual(await collect([line(3), line(4)], [line(4), line(5), again]), [5, 4]);
});
