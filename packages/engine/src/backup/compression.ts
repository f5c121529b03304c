/**
 * Compressing backup streams: the `zstd` program when the server has it (Node 20's zlib has no
 * zstd), else gzip from node:zlib. Which one was used is written into the backup's header, so a
 * restore picks the right one whatever the restoring server has (a zstd backup needs zstd).
 *
 * zstd runs as a child with an argument array and an empty environment (ZSTD_CLEVEL and
 * ZSTD_NBTHREADS would otherwise change what it does). A failure is never silent: a source that
 * fails fails the output even though zstd, seeing its input end, would write a valid shorter
 * frame; zstd exiting non-zero fails it with zstd's own stderr.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Readable, pipeline, type Transform } from 'node:stream';
import { pipeline as pipelineAsync } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { findExecutable } from '@berth/io';
import { BerthError } from '@berth/protocol';

export type Compression = { kind: 'zstd'; file: string } | { kind: 'gzip' };

const DEFAULT_PATH = '/usr/local/bin:/usr/bin:/bin';
const STDERR_LIMIT = 4096;

/** zstd when it is installed (in `searchPath`, a PATH value), else gzip. */
export async function detectCompression(searchPath: string = DEFAULT_PATH): Promise<Compression> {
  const file = await findExecutable('zstd', searchPath);
  return file === null ? { kind: 'gzip' } : { kind: 'zstd', file };
}

export function compressStream(source: AsyncIterable<Uint8Array>, compression: Compression): Readable {
  switch (compression.kind) {
    case 'zstd':
      return Readable.from(
        runFilter(compression.file, ['-q', '-c', '-3', '--no-progress'], source, 'compress'),
        {
          objectMode: false,
        },
      );
    case 'gzip':
      return throughZlib(source, createGzip({ level: 6 }));
  }
}

/**
 * Decompresses what a backup's header says. `zstdFile` is where zstd is (detectCompression);
 * a zstd backup on a server without it fails with a hint.
 */
export function decompressStream(
  source: AsyncIterable<Uint8Array>,
  kind: 'zstd' | 'gzip' | 'none',
  zstdFile: string | null,
): Readable {
  switch (kind) {
    case 'none':
      return Readable.from(source, { objectMode: false });
    case 'gzip':
      return throughZlib(source, createGunzip());
    case 'zstd':
      if (zstdFile === null) {
        throw new BerthError(
          'BACKUP_COMPRESSION_FAILED',
          'this backup is compressed with zstd, which this server lacks',
          {
            hint: 'install it: apt-get install zstd',
          },
        );
      }
      return Readable.from(runFilter(zstdFile, ['-d', '-q', '-c', '--no-progress'], source, 'decompress'), {
        objectMode: false,
      });
  }
}

function throughZlib(source: AsyncIterable<Uint8Array>, zlib: Transform): Readable {
  // pipeline() destroys every stream on the first error and hands zlib's output on.
  const out = pipeline(Readable.from(source, { objectMode: false }), zlib, () => undefined);
  async function* read(): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of out) yield chunk as Buffer;
    } catch (e) {
      // zlib's own errors (Z_DATA_ERROR…) become the error a user reads; the source's stay its own.
      if (e instanceof Error && 'code' in e && String(e.code).startsWith('Z_')) {
        throw new BerthError('BACKUP_COMPRESSION_FAILED', `gzip failed: ${e.message}`, { cause: e });
      }
      throw e;
    }
  }
  return Readable.from(read(), { objectMode: false });
}

async function* runFilter(
  file: string,
  args: readonly string[],
  source: AsyncIterable<Uint8Array>,
  verb: 'compress' | 'decompress',
): AsyncGenerator<Buffer> {
  const child = spawn(file, args, { env: {}, stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>;
  exited.catch(() => undefined);
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => {
    if (stderr.length < STDERR_LIMIT) stderr += text.slice(0, STDERR_LIMIT - stderr.length);
  });
  let feedError: unknown;
  // zstd dying closes its stdin (EPIPE): that is reported below as zstd's failure, not as this.
  const feeding = pipelineAsync(source, child.stdin).catch((e: unknown) => {
    feedError = e;
  });
  let finished = false;
  try {
    for await (const chunk of child.stdout) yield chunk as Buffer;
    const [code, signal] = await exited;
    await feeding;
    if (code !== 0) {
      const how = signal === null ? `exited with ${code}` : `was killed by ${signal}`;
      throw new BerthError(
        'BACKUP_COMPRESSION_FAILED',
        `zstd could not ${verb} the backup stream: it ${how}: ${stderr.trim() || 'no output'}`,
      );
    }
    if (feedError instanceof Error) throw feedError;
    if (feedError !== undefined)
      throw new BerthError('BACKUP_COMPRESSION_FAILED', 'the stream to compress failed');
    finished = true;
  } finally {
    if (!finished && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
