import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { demuxOutput } from './exec.js';
import type { ExecOutput } from './types.js';

const frame = (stream: number, text: string): Buffer => {
  const data = Buffer.from(text);
  const header = Buffer.from([stream, 0, 0, 0, 0, 0, 0, 0]);
  header.writeUInt32BE(data.length, 4);
  return Buffer.concat([header, data]);
};

async function collect(chunks: Buffer[]): Promise<string[]> {
  const out: ExecOutput[] = [];
  for await (const o of demuxOutput(Readable.from(chunks))) out.push(o);
  return out.map((o) => `${o.stream}:${o.data.toString()}`);
}

test('framed output is split by stream, across chunk boundaries anywhere', async () => {
  const bytes = Buffer.concat([frame(1, 'hello\n'), frame(2, 'err\n'), frame(1, 'done')]);
  assert.deepEqual(await collect([bytes]), ['stdout:hello\n', 'stderr:err\n', 'stdout:done']);
  for (let cut = 1; cut < bytes.length; cut++) {
    const got = await collect([bytes.subarray(0, cut), bytes.subarray(cut)]);
    assert.equal(got.filter((g) => g.startsWith('stderr')).join(''), 'stderr:err\n', `cut at ${cut}`);
    assert.equal(
      got
        .filter((g) => g.startsWith('stdout'))
        .map((g) => g.slice('stdout:'.length))
        .join(''),
      'hello\ndone',
      `cut at ${cut}`,
    );
  }
});

test('an empty frame yields nothing; a frame cut short at the end yields nothing', async () => {
  assert.deepEqual(await collect([frame(1, ''), frame(1, 'x').subarray(0, 8)]), []);
});
