/**
 * Decrypts a backup object made by encryptBackup, streaming. Nothing unauthenticated leaves:
 * each chunk is yielded only after its tag has verified, the header (compression, chunk size,
 * backup id, wrapped key) is handed out only after the first chunk, which binds it, has verified,
 * and the stream fails with BACKUP_INTEGRITY_FAILED at the first altered, missing, extra,
 * reordered or foreign chunk, and when the last chunk is missing.
 *
 * A restore must still treat its result as good only once the stream has ended without error:
 * chunks before a truncation are authentic but the backup is incomplete.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { BerthError } from '@berth/protocol';
import { ByteReader } from './byte-reader.js';
import { headerDigest, openChunk, TAG_BYTES } from './chunks.js';
import {
  decodeHeader,
  HEADER_PREFIX_BYTES,
  headerLength,
  notABackup,
  parseBackupId,
  type BackupHeader,
} from './header.js';
import { DATA_KEY_BYTES } from './key-wrap.js';

export interface DecryptBackupOptions {
  /** The backup this object must be: another backup's object is refused. */
  backupId: string;
  /** Opens the data key (berthd: unwrapDataKey with its backup private key for header.recipientKeyId). */
  open: (wrappedKey: string, header: BackupHeader) => Buffer | Promise<Buffer>;
  /**
   * sha256 (hex) recorded when the backup was made. When given, the whole object is hashed as it
   * is read and the last chunk is released only if the hash matches: an object replaced as a
   * whole (made anew with berthd's public key, which is not secret) is refused too.
   */
  expectedSha256?: string;
}

export interface DecryptedBackup {
  /** Authenticated: read from the object and bound by its first chunk. */
  header: BackupHeader;
  /** The plaintext (still compressed as header.compression says). */
  stream: Readable;
}

interface ChunkState {
  reader: ByteReader;
  key: Buffer;
  digest: Buffer;
  sealedBytes: number;
  hash: ReturnType<typeof createHash>;
  expectedSha256: string | undefined;
  backupId: string;
  index: number;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

export async function decryptBackup(
  source: AsyncIterable<Uint8Array>,
  options: DecryptBackupOptions,
): Promise<DecryptedBackup> {
  const backupId = parseBackupId(options.backupId);
  if (options.expectedSha256 !== undefined && !SHA256_HEX.test(options.expectedSha256)) {
    throw new BerthError('VALIDATION_FAILED', 'expectedSha256 must be 64 lowercase hex digits');
  }
  const reader = new ByteReader(source);
  const hash = createHash('sha256');
  let key: Buffer | undefined;
  try {
    const { raw, parsed } = await readHeader(reader, hash, backupId);
    const opened = await options.open(parsed.wrappedKey, parsed);
    if (!Buffer.isBuffer(opened) || opened.length !== DATA_KEY_BYTES) {
      throw new BerthError(
        'INTERNAL',
        `the data key opened for backup ${backupId} is not ${DATA_KEY_BYTES} bytes`,
      );
    }
    key = Buffer.from(opened);
    const state: ChunkState = {
      reader,
      key,
      digest: headerDigest(raw),
      sealedBytes: parsed.chunkBytes + TAG_BYTES,
      hash,
      expectedSha256: options.expectedSha256,
      backupId,
      index: 0,
    };
    const first = await nextChunk(state);
    const stream = Readable.from(chunks(state, first), { objectMode: false });
    // Destroyed before its first read, the generator never runs its clean-up: release the source here.
    stream.once('close', () => void reader.close().catch(() => undefined));
    return { header: parsed, stream };
  } catch (e) {
    key?.fill(0);
    await reader.close().catch(() => undefined);
    throw e;
  }
}

async function readHeader(
  reader: ByteReader,
  hash: ReturnType<typeof createHash>,
  backupId: string,
): Promise<{ raw: Buffer; parsed: BackupHeader }> {
  if ((await reader.fill(HEADER_PREFIX_BYTES)) < HEADER_PREFIX_BYTES)
    throw notABackup('it ends within its header');
  const prefix = reader.take(HEADER_PREFIX_BYTES);
  const length = headerLength(prefix);
  if ((await reader.fill(length - HEADER_PREFIX_BYTES)) < length - HEADER_PREFIX_BYTES) {
    throw notABackup('it ends within its header');
  }
  const raw = Buffer.concat([prefix, reader.take(length - HEADER_PREFIX_BYTES)]);
  hash.update(raw);
  const parsed = decodeHeader(raw);
  if (parsed.backupId !== backupId) {
    throw new BerthError(
      'BACKUP_INTEGRITY_FAILED',
      `the object is backup ${parsed.backupId}, not backup ${backupId}`,
      { hint: 'the target holds another backup under this key: it was moved or replaced' },
    );
  }
  return { raw, parsed };
}

interface OpenedChunk {
  plaintext: Buffer;
  final: boolean;
}

async function nextChunk(state: ChunkState): Promise<OpenedChunk> {
  const available = await state.reader.fill(state.sealedBytes + 1);
  const final = available <= state.sealedBytes;
  const sealed = state.reader.take(final ? available : state.sealedBytes);
  state.hash.update(sealed);
  const plaintext = openChunk(state.key, state.digest, state.index, final, sealed);
  if (plaintext === null) {
    throw new BerthError(
      'BACKUP_INTEGRITY_FAILED',
      `backup ${state.backupId} does not verify at chunk ${state.index}${final ? ' (read as the last)' : ''}: the object was altered, truncated, reordered or mixed with another backup`,
      { hint: 'nothing of it was restored past the last verified chunk; restore another backup' },
    );
  }
  if (final) checkObjectHash(state);
  state.index++;
  return { plaintext, final };
}

function checkObjectHash(state: ChunkState): void {
  if (state.expectedSha256 === undefined) return;
  const actual = state.hash.digest('hex');
  if (actual !== state.expectedSha256) {
    throw new BerthError(
      'BACKUP_INTEGRITY_FAILED',
      `backup ${state.backupId} is not the object that was stored: its sha256 is ${actual}, ${state.expectedSha256} was recorded`,
      { hint: 'the object on the target was replaced; restore another backup' },
    );
  }
}

async function* chunks(state: ChunkState, first: OpenedChunk): AsyncGenerator<Buffer> {
  try {
    let chunk = first;
    for (;;) {
      if (chunk.plaintext.length > 0) yield chunk.plaintext;
      if (chunk.final) return;
      chunk = await nextChunk(state);
    }
  } finally {
    state.key.fill(0);
    await state.reader.close().catch(() => undefined);
  }
}
