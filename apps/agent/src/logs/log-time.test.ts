import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ContainerLogLine } from '@berth/engine';
import { byTime, toNanos } from './log-time.js';

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
