import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { parseLogLine, toLogLines } from './log-stream.js';
import type { ContainerLogLine } from './types.js';

const frame = (stream: 1 | 2, text: string): Buffer => {
  const payload = Buffer.from(text, 'utf8');
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
};

const chunks = (...parts: Buffer[]): AsyncIterable<Buffer> => Readable.from(parts);

async function lines(source: AsyncIterable<Buffer>): Promise<ContainerLogLine[]> {
  const out: ContainerLogLine[] = [];
  for await (const line of toLogLines(source)) out.push(line);
  return out;
}

/** Every way of cutting the bytes into two chunks must give the same lines. */
async function allSplits(bytes: Buffer): Promise<ContainerLogLine[]> {
  const whole = await lines(chunks(bytes));
  for (let i = 1; i < bytes.length; i++) {
    assert.deepEqual(await lines(chunks(bytes.subarray(0, i), bytes.subarray(i))), whole, `split at ${i}`);
  }
  return whole;
}

const T1 = '2026-11-23T15:08:16.134066348Z';
const T2 = '2026-11-23T15:08:18Z';

test('demultiplexes stdout and stderr frames and parses timestamps', async () => {
  const bytes = Buffer.concat([
    frame(1, `${T1} hello v1 starting\n`),
    frame(2, `${T2} GET / 200\n${T2} GET /x 404\n`),
  ]);
  assert.deepEqual(await allSplits(bytes), [
    { stream: 'stdout', at: T1, line: 'hello v1 starting' },
    { stream: 'stderr', at: T2, line: 'GET / 200' },
    { stream: 'stderr', at: T2, line: 'GET /x 404' },
  ]);
});

test('a line spanning frames is joined per stream, and an unfinished line is flushed at the end', async () => {
  const bytes = Buffer.concat([
    frame(1, `${T1} par`),
    frame(2, `${T2} err line\n`),
    frame(1, 'tial\n'),
    frame(2, `${T2} no newline`),
  ]);
  assert.deepEqual(await allSplits(bytes), [
    { stream: 'stderr', at: T2, line: 'err line' },
    { stream: 'stdout', at: T1, line: 'partial' },
    { stream: 'stderr', at: T2, line: 'no newline' },
  ]);
});

test('multi-byte characters cut by a chunk boundary survive', async () => {
  assert.deepEqual(await allSplits(frame(1, `${T2} grüße ✓\n`)), [
    { stream: 'stdout', at: T2, line: 'grüße ✓' },
  ]);
});

test('a raw (TTY) stream is read as stdout', async () => {
  assert.deepEqual(await lines(chunks(Buffer.from(`${T2} tty line\r\n${T2} more\n`))), [
    { stream: 'stdout', at: T2, line: 'tty line' },
    { stream: 'stdout', at: T2, line: 'more' },
  ]);
});

test('an empty stream gives no lines', async () => {
  assert.deepEqual(await lines(chunks()), []);
});

test('parseLogLine keeps a line without a timestamp whole', () => {
  assert.deepEqual(parseLogLine('stderr', 'no stamp here'), {
    stream: 'stderr',
    at: '',
    line: 'no stamp here',
  });
  assert.deepEqual(parseLogLine('stdout', `${T1} `), { stream: 'stdout', at: T1, line: '' });
  assert.deepEqual(parseLogLine('stdout', '2026-11-23T15:08:16+02:00 x'), {
    stream: 'stdout',
    at: '2026-11-23T15:08:16+02:00',
    line: 'x',
  });
});
