/**
 * The header at the front of every backup object (format v1). Everything in it is bound into
 * every chunk's AAD (through its sha256), so a changed header byte fails the first chunk, and
 * nothing is yielded before that chunk has passed.
 *
 * ```
 * offset size  field
 *  0      8    magic "BERTHBAK"
 *  8      1    format version (1)
 *  9      2    header length in bytes, u16 BE (all fields, magic included)
 * 11      1    compression of the plaintext: 0 none, 1 gzip, 2 zstd
 * 12      4    plaintext bytes per chunk, u32 BE (every chunk but the last is exactly this)
 * 16      8    recipient key id: the first 8 bytes of sha256(SPKI DER of berthd's backup key)
 * 24      1    backup id length n, then n bytes of the id (ASCII)
 * 25+n    2    wrapped data key length m, u16 BE, then m bytes (sealFor's output, ASCII)
 * ```
 */
import { BerthError } from '@berth/protocol';

export const MAGIC = Buffer.from('BERTHBAK', 'ascii');
export const FORMAT_VERSION = 1;
/** Magic, version and header length: what a reader needs before it knows how much more to read. */
export const HEADER_PREFIX_BYTES = 11;
const MAX_HEADER_BYTES = 1024;
const RECIPIENT_KEY_ID_BYTES = 8;

/** 1 KiB … 16 MiB: a hostile header cannot make a reader buffer gigabytes for one chunk. */
export const MIN_CHUNK_BYTES = 1024;
export const MAX_CHUNK_BYTES = 16 * 1024 * 1024;
export const DEFAULT_CHUNK_BYTES = 1024 * 1024;

export type BackupCompression = 'none' | 'gzip' | 'zstd';
const COMPRESSION_CODES: readonly BackupCompression[] = ['none', 'gzip', 'zstd'];

/** Letters, digits, `.`, `_`, `-`, starting with a letter or digit; at most 128. */
const BACKUP_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** sealFor's alphabet: base64url parts joined by dots. */
const WRAPPED_KEY = /^[A-Za-z0-9._-]{1,600}$/;

export interface BackupHeader {
  compression: BackupCompression;
  chunkBytes: number;
  /** Hex of the 8-byte recipient key id: which of berthd's backup keys opens the data key. */
  recipientKeyId: string;
  backupId: string;
  wrappedKey: string;
}

export function parseBackupId(value: unknown, path = 'backupId'): string {
  if (typeof value === 'string' && BACKUP_ID.test(value)) return value;
  const message = 'must be 1–128 letters, digits, ".", "_" or "-", starting with a letter or digit';
  throw new BerthError('VALIDATION_FAILED', `${path} ${message}`, { issues: [{ path, message }] });
}

export function parseChunkBytes(value: unknown): number {
  if (
    typeof value === 'number' &&
    Number.isInteger(value) &&
    value >= MIN_CHUNK_BYTES &&
    value <= MAX_CHUNK_BYTES
  ) {
    return value;
  }
  const message = `must be an integer from ${MIN_CHUNK_BYTES} to ${MAX_CHUNK_BYTES}`;
  throw new BerthError('VALIDATION_FAILED', `chunkBytes ${message}`, {
    issues: [{ path: 'chunkBytes', message }],
  });
}

export function encodeHeader(header: BackupHeader): Buffer {
  const id = Buffer.from(parseBackupId(header.backupId), 'ascii');
  const wrapped = Buffer.from(header.wrappedKey, 'ascii');
  const keyId = Buffer.from(header.recipientKeyId, 'hex');
  if (!WRAPPED_KEY.test(header.wrappedKey) || keyId.length !== RECIPIENT_KEY_ID_BYTES) {
    throw new BerthError('INTERNAL', 'a backup header was asked for with a malformed key id or wrapped key');
  }
  const length = HEADER_PREFIX_BYTES + 1 + 4 + RECIPIENT_KEY_ID_BYTES + 1 + id.length + 2 + wrapped.length;
  const out = Buffer.alloc(length);
  let at = MAGIC.copy(out, 0);
  at = out.writeUInt8(FORMAT_VERSION, at);
  at = out.writeUInt16BE(length, at);
  at = out.writeUInt8(COMPRESSION_CODES.indexOf(header.compression), at);
  at = out.writeUInt32BE(parseChunkBytes(header.chunkBytes), at);
  at += keyId.copy(out, at);
  at = out.writeUInt8(id.length, at);
  at += id.copy(out, at);
  at = out.writeUInt16BE(wrapped.length, at);
  wrapped.copy(out, at);
  return out;
}

export const notABackup = (why: string): BerthError =>
  new BerthError('BACKUP_INTEGRITY_FAILED', `the object is not a readable Berth backup: ${why}`, {
    hint: 'restore another backup; this one was altered, truncated or is not a Berth backup object',
  });

/** The total header length announced by its first bytes (magic and version checked). */
export function headerLength(prefix: Buffer): number {
  if (prefix.length < HEADER_PREFIX_BYTES || !prefix.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw notABackup('it does not start with the Berth backup magic');
  }
  const version = prefix.readUInt8(MAGIC.length);
  if (version !== FORMAT_VERSION) {
    throw notABackup(`format version ${version}, this Berth reads version ${FORMAT_VERSION}`);
  }
  const length = prefix.readUInt16BE(MAGIC.length + 1);
  if (length < HEADER_PREFIX_BYTES + 16 || length > MAX_HEADER_BYTES) {
    throw notABackup(`a header length of ${length} bytes`);
  }
  return length;
}

/** Parses a whole header, strictly: every byte accounted for, every field in its alphabet. */
export function decodeHeader(bytes: Buffer): BackupHeader {
  if (headerLength(bytes) !== bytes.length) throw notABackup('the header length does not match');
  let at = HEADER_PREFIX_BYTES;
  const take = (n: number): Buffer => {
    if (at + n > bytes.length) throw notABackup('the header ends early');
    const part = bytes.subarray(at, at + n);
    at += n;
    return part;
  };
  const compression = COMPRESSION_CODES[take(1).readUInt8(0)];
  if (compression === undefined) throw notABackup('an unknown compression');
  const chunkBytes = take(4).readUInt32BE(0);
  if (chunkBytes < MIN_CHUNK_BYTES || chunkBytes > MAX_CHUNK_BYTES) {
    throw notABackup(`a chunk size of ${chunkBytes} bytes`);
  }
  const recipientKeyId = take(RECIPIENT_KEY_ID_BYTES).toString('hex');
  const backupId = take(take(1).readUInt8(0)).toString('latin1');
  const wrappedKey = take(take(2).readUInt16BE(0)).toString('latin1');
  if (at !== bytes.length) throw notABackup('extra bytes in the header');
  if (!BACKUP_ID.test(backupId)) throw notABackup('a malformed backup id');
  if (!WRAPPED_KEY.test(wrappedKey)) throw notABackup('a malformed wrapped key');
  return { compression, chunkBytes, recipientKeyId, backupId, wrappedKey };
}
