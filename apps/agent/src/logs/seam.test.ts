import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ContainerLogLine } from '@berth/engine';
import { afterHistory, byTime, toNanos } from './seam.js';

const line = (at: string, text: string, stream: 'stdout' | 'stderr' = 'stdout'): ContainerLogLine => ({
  at,
  stream,
  line: text,
});

test('timestamps compare as instants, not as text (the engine trims trailing zeros)', () => {
  assert.ok((toNanos('2026-11-23T15:08:16.5Z') ?? 0n) > (toNanos('2026-11-23T15:08:16.45Z') ?? 0n));
  assert.equal(toNanos('2026-11-23T16:08:16+01:00'), toNanos('2026-11-23T15:08:16.000000000Z'));
  assert.equal(toNanos('yesterday'), null);
  const sorted = [line('2026-11-23T15:08:16.5Z', 'b'), line('2026-11-23T15:08:16.45Z', 'a')].sort(byTime);
  assert.deepEqual(
    sorted.map((l) => l.line),
    ['a', 'b'],
  );
});

test('live lines the history already holds are dropped once each; newer ones pass', () => {
  const history = [
    line('2026-11-23T15:00:00.1Z', 'one'),
    line('2026-11-23T15:00:00.2Z', 'two'),
    line('2026-11-23T15:00:00.2Z', 'two'),
  ];
  const isNew = afterHistory(history);
  const live = [
    line('2026-11-23T15:00:00.1Z', 'one'),
    line('2026-11-23T15:00:00.2Z', 'two'),
    line('2026-11-23T15:00:00.2Z', 'two'),
    line('2026-11-23T15:00:00.2Z', 'two'), // a third identical line in the same instant is new
    line('2026-11-23T15:00:00.3Z', 'three'),
    line('2026-11-23T15:00:00.1Z', 'late clock'), // once past the seam everything passes
  ];
  assert.deepEqual(
    live.filter(isNew).map((l) => l.line),
    ['two', 'three', 'late clock'],
  );
});

test('without history every live line is new', () => {
  const isNew = afterHistory([]);
  assert.equal(isNew(line('2026-11-23T15:00:00Z', 'x')), true);
});
