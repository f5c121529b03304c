import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ContainerLogLine } from '@berth/engine';
import { linesBetween, tailThenLive, withoutOverlap } from './tail-then-live.js';

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

/**
 * A scripted engine (the window cannot be hit on purpose on a real Podman): the file's lines as
 * a tail read sees them, and a live stream that answers with its first line (as Podman's does)
 * and gets only the lines `write` lets through (as while Podman starts following the file).
 */
function scriptedEngine() {
  const file: ContainerLogLine[] = [];
  const waiting: ((l: ContainerLogLine) => void)[] = [];
  const queued: ContainerLogLine[] = [];
  const engine = {
    logs(_id: string, o: { follow: boolean; onOpen?: () => void }): AsyncIterable<ContainerLogLine> {
      if (!o.follow)
        return (async function* () {
          const snapshot = [...file];
          await Promise.resolve();
          yield* snapshot;
        })();
      return (async function* () {
        for (;;) {
          const l = queued.shift() ?? (await new Promise<ContainerLogLine>((r) => waiting.push(r)));
          o.onOpen?.();
          yield l;
        }
      })();
    },
  };
  const write = (l: ContainerLogLine, toLive: boolean): void => {
    file.push(l);
    if (!toLive) return;
    const w = waiting.shift();
    if (w) w(l);
    else queued.push(l);
  };
  return { engine, write };
}

test('a line the live stream missed while it started following comes from a second tail read, in order', async () => {
  const { engine, write } = scriptedEngine();
  write(line(1), false);
  write(line(2), false);
  const signal = new AbortController();
  const out: number[] = [];
  const reading = (async () => {
    for await (const l of tailThenLive(engine, 'c', 10, signal.signal, () => undefined)) {
      out.push(Number(l.line.slice(5)));
      if (l.line === 'line 4') return;
    }
  })();
  await new Promise((r) => setTimeout(r, 10));
  write(line(3), false); // in the window: in the file only
  write(line(4), true);
  await reading;
  signal.abort();
  assert.deepEqual(out, [1, 2, 3, 4]);
});

test('a quiet replica: its tail comes at once, before it writes anything', async () => {
  const { engine, write } = scriptedEngine();
  write(line(1), false);
  write(line(2), false);
  const signal = new AbortController();
  let opened = false;
  const out: number[] = [];
  const stream = tailThenLive(engine, 'c', 10, signal.signal, () => (opened = true));
  const quiet = new Promise<'quiet'>((r) => setTimeout(() => r('quiet'), 1_000));
  for (let i = 0; i < 2; i++) {
    const next = await Promise.race([stream.next(), quiet]);
    assert.notEqual(next, 'quiet', `after ${JSON.stringify(out)}: waited for the container to write`);
    if (next !== 'quiet' && !next.done) out.push(Number(next.value.line.slice(5)));
  }
  assert.deepEqual(out, [1, 2]);
  assert.ok(opened, 'open once the tail is read');
  write(line(3), true);
  const third = await stream.next();
  assert.equal(third.done ? null : third.value.line, 'line 3');
  signal.abort();
});

test('linesBetween: the lines after the first read and before the live line; none when an end is not found', () => {
  const [a, b, g, f, h] = [1, 2, 3, 4, 5].map((n) => line(n)) as [
    ContainerLogLine,
    ContainerLogLine,
    ContainerLogLine,
    ContainerLogLine,
    ContainerLogLine,
  ];
  assert.deepEqual(linesBetween([a, b], [a, b, g, f, h], f), [g]);
  assert.deepEqual(linesBetween([], [g, f], f), [g], 'no history: all before the live line');
  assert.deepEqual(linesBetween([a, b, f], [a, b, f, h], f), [], 'the live line was in the first read');
  assert.deepEqual(linesBetween([a], [g, f], f), [], 'the first read’s end scrolled out of the tail');
  assert.deepEqual(linesBetween([a], [a, g], f), [], 'the live line is not in the second read');
});
