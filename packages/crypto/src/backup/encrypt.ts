/**
 * Encrypts a (compressed) backup stream for berthd, streaming: memory stays at about one chunk
 * whatever the size. The agent calls this; it needs only berthd's backup public key, so it can
 * make a backup that it cannot read back.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { BerthError } from '@berth/protocol';
import { ByteReader } from './byte-reader.js';
import { headerDigest, sealChunk } from './chunks.js';
import {
  DEFAULT_CHUNK_BYTES,
  encodeHeader,
  parseBackupId,
  parseChunkBytes,
  type BackupCompression,
} from './header.js';
import { backupRecipientKeyId, newDataKey, wrapDataKey } from './key-wrap.js';

export interface EncryptBackupOptions {
  /** berthd's backup public key (SPKI DER, base64, X25519). */
  recipientPublicKey: string;
  backupId: string;
  /** How the plaintext was compressed, recorded in the header for the restore. */
  compression: BackupCompression;
  /** Plaintext bytes per chunk; 1 MiB unless a test wants many small chunks. */
  chunkBytes?: number;
}

export interface EncryptedBackupResult {
  /** sha256 (hex) of the encrypted object exactly as stored: what verification compares. */
  sha256: string;
  /** Bytes of the encrypted object. */
  bytes: number;
  /** The data key sealed to berthd (also in the object's header): keep it beside the backup's row. */
  wrappedKey: string;
  recipientKeyId: string;
}

export interface EncryptedBackup {
  /** The encrypted object: header, then the chunks. */
  stream: Readable;
  /** Settles once `stream` has been read to its end, or fails with the source's error. */
  done: Promise<EncryptedBackupResult>;
}

export function encryptBackup(
  source: AsyncIterable<Uint8Array>,
  options: EncryptBackupOptions,
): EncryptedBackup {
  const backupId = parseBackupId(options.backupId);
  const chunkBytes = parseChunkBytes(options.chunkBytes ?? DEFAULT_CHUNK_BYTES);
  const recipientKeyId = backupRecipientKeyId(options.recipientPublicKey);
  const dataKey = newDataKey();
  const wrappedKey = wrapDataKey(options.recipientPublicKey, backupId, dataKey);
  const header = encodeHeader({
    compression: options.compression,
    chunkBytes,
    recipientKeyId,
    backupId,
    wrappedKey,
  });

  let settle: { resolve: (r: EncryptedBackupResult) => void; reject: (e: unknown) => void };
  const done = new Promise<EncryptedBackupResult>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // The caller may watch only the stream's error; done's rejection must not also crash the process.
  done.catch(() => undefined);

  async function* sealed(): AsyncGenerator<Buffer> {
    const hash = createHash('sha256');
    let bytes = 0;
    const emit = (part: Buffer): Buffer => {
      hash.update(part);
      bytes += part.length;
      return part;
    };
    const reader = new ByteReader(source);
    let finished = false;
    try {
      yield emit(header);
      const digest = headerDigest(header);
      for (let index = 0; ; index++) {
        // One byte more than a chunk tells whether this chunk is the last.
        const available = await reader.fill(chunkBytes + 1);
        const final = available <= chunkBytes;
        yield emit(sealChunk(dataKey, digest, index, final, reader.take(final ? available : chunkBytes)));
        if (final) break;
      }
      finished = true;
      settle.resolve({ sha256: hash.digest('hex'), bytes, wrappedKey, recipientKeyId });
    } catch (e) {
      settle.reject(e);
      throw e;
    } finally {
      dataKey.fill(0);
      if (!finished) await reader.close().catch(() => undefined);
    }
  }

  const stream = Readable.from(sealed(), { objectMode: false });
  // Destroyed before its end (even before its first read, when the generator never ran): done
  // must still settle. After a normal end it has settled already, and this does nothing.
  stream.once('close', () => {
    settle.reject(
      new BerthError('INTERNAL', `the encrypted stream of backup ${backupId} was not read to its end`),
    );
  });
  return { stream, done };
}
