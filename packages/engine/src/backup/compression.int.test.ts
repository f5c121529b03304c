// test.sh: parallel-safe (no engine, proxy, mount or host network: runs beside another such file)
/**
 * Backup compression with the real zstd program (Debian's `zstd`) and node:zlib's gzip.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { BerthError } from '@berth/protocol';
import { compressStream, decompressStream, detectCompression, type Compression } from './compression.js';

async function read(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(Buffer.from(part));
  return Buffer.concat(parts);
}

/** Compressible but not trivially: random words. */
function sample(bytes: number): Buffer {
  const words = Array.from({ length: 500 }, () => randomBytes(6).toString('hex'));
  const out: string[] = [];
  let length = 0;
  while (length < bytes) {
    const word = words[(out.length % 487) % words.length] ?? 'x';
    out.push(word);
    length += word.length + 1;
  }
  return Buffer.from(out.join(' ')).subarray(0, bytes);
}

const zstd = async (): Promise<Compression & { kind: 'zstd' }> => {
  const found = await detectCompression();
  assert.equal(found.kind, 'zstd', 'zstd is installed (scripts/install-system-deps.sh --test)');
  if (found.kind !== 'zstd') throw new Error('unreachable');
  return found;
};

test('zstd is found where installed; gzip is the fallback without it', async () => {
  assert.match((await zstd()).file, /\/zstd$/);
  assert.deepEqual(await detectCompression('/nonexistent'), { kind: 'gzip' });
});

test('round trips through zstd and gzip, empty to several MB, and zstd output is a real zstd frame', async () => {
  const tool = await zstd();
  for (const size of [0, 1, 100_000, 5 * 1024 * 1024 + 3]) {
    const data = sample(size);
    for (const compression of [tool, { kind: 'gzip' } as const]) {
      const packed = await read(compressStream(Readable.from([data]), compression));
      if (size > 1000) assert.ok(packed.length < data.length / 2, `${compression.kind} compresses`);
      if (compression.kind === 'zstd') assert.equal(packed.readUInt32LE(0), 0xfd2fb528, 'zstd magic');
      else assert.equal(packed.readUInt16BE(0), 0x1f8b, 'gzip magic');
      const back = await read(decompressStream(Readable.from([packed]), compression.kind, tool.file));
      assert.ok(back.equals(data), `${compression.kind}, ${size} bytes`);
    }
  }
});

test('corrupt input fails with the tool’s own message; a failing source is never a shorter valid output', async () => {
  const tool = await zstd();
  const garbage = randomBytes(1000);
  await assert.rejects(read(decompressStream(Readable.from([garbage]), 'zstd', tool.file)), (e: unknown) => {
    assert.ok(e instanceof BerthError);
    assert.equal(e.code, 'BACKUP_COMPRESSION_FAILED');
    assert.match(e.message, /^zstd could not decompress the backup stream: it exited with 1: .+/);
    return true;
  });
  await assert.rejects(read(decompressStream(Readable.from([garbage]), 'gzip', tool.file)), {
    code: 'BACKUP_COMPRESSION_FAILED',
  });
  await assert.rejects(
    async () => read(decompressStream(Readable.from([garbage]), 'zstd', null)),
    /compressed with zstd, which this server lacks/,
  );

  for (const compression of [tool, { kind: 'gzip' } as const]) {
    function* failing(): Generator<Buffer> {
      yield sample(200_000);
      throw new Error('pg_dump exited with 1: connection refused');
    }
    await assert.rejects(
      read(compressStream(Readable.from(failing()), compression)),
      /pg_dump exited with 1/,
      compression.kind,
    );
  }
});

test('a consumer that stops early kills zstd: no process is left behind', async () => {
  const tool = await zstd();
  function* endless(): Generator<Buffer> {
    for (;;) yield randomBytes(64 * 1024);
  }
  const stream = compressStream(Readable.from(endless()), tool);
  for await (const part of stream) {
    assert.ok(part.length > 0);
    assert.equal((await zstdChildren()).length, 1, 'zstd runs');
    break;
  }
  // The for-await break destroys the stream, which returns the generator, which kills zstd.
  for (let i = 0; i < 50 && (await zstdChildren()).length > 0; i++)
    await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(await zstdChildren(), []);
});

/** This process's children named zstd, from /proc (Linux). */
async function zstdChildren(): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // pid (comm) state ppid …: comm may hold spaces, so split after its closing parenthesis.
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (comm === 'zstd' && ppid === process.pid) found.push(Number(entry));
  }
  return found;
}
