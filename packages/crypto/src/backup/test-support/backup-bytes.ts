/**
 * Helpers for the backup stream tests: make an encrypted object in memory, decrypt it back, and
 * find where its regions (header fields, chunks) lie so a test can damage each one.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { BerthError } from '@berth/protocol';
import { generateSealingKeyPair } from '../../sealing.js';
import { decryptBackup, type DecryptBackupOptions } from '../decrypt.js';
import { encryptBackup, type EncryptedBackupResult } from '../encrypt.js';
import { unwrapDataKey } from '../key-wrap.js';
import { TAG_BYTES } from '../chunks.js';

export const berthd = generateSealingKeyPair();
export const SMALL_CHUNK = 1024;

function* slices(data: Buffer, sizes: readonly number[]): Generator<Buffer> {
  let at = 0;
  for (let i = 0; at < data.length; i++) {
    const size = Math.max(1, sizes[i % sizes.length] ?? 1);
    yield data.subarray(at, at + size);
    at += size;
  }
}

/** `data` as a stream of pieces of the given sizes (cycled). */
export const piecesOf = (data: Buffer, sizes: readonly number[] = [65_536]): Readable =>
  Readable.from(slices(data, sizes), { objectMode: false });

export async function collect(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(Buffer.from(part));
  return Buffer.concat(parts);
}

export interface Encrypted extends EncryptedBackupResult {
  object: Buffer;
}

export async function encrypt(
  plaintext: Buffer,
  options: { backupId?: string; chunkBytes?: number; pieces?: readonly number[]; publicKey?: string } = {},
): Promise<Encrypted> {
  const { stream, done } = encryptBackup(piecesOf(plaintext, options.pieces), {
    recipientPublicKey: options.publicKey ?? berthd.publicKey,
    backupId: options.backupId ?? 'bak_1',
    compression: 'zstd',
    chunkBytes: options.chunkBytes ?? SMALL_CHUNK,
  });
  const object = await collect(stream);
  return { ...(await done), object };
}

export const openWith =
  (privateKeyPem: string, backupId: string): DecryptBackupOptions['open'] =>
  (wrappedKey) =>
    unwrapDataKey(privateKeyPem, backupId, wrappedKey);

export interface Decrypted {
  /** What the stream yielded before it ended or failed. */
  yielded: Buffer;
  error: unknown;
}

/** Decrypts, keeping what was yielded before any failure (to check nothing unverified got out). */
export async function decrypt(
  object: Buffer,
  options: {
    backupId?: string;
    privateKeyPem?: string;
    expectedSha256?: string;
    pieces?: readonly number[];
  } = {},
): Promise<Decrypted> {
  const backupId = options.backupId ?? 'bak_1';
  const parts: Buffer[] = [];
  try {
    const { stream } = await decryptBackup(piecesOf(object, options.pieces), {
      backupId,
      open: openWith(options.privateKeyPem ?? berthd.privateKeyPem, backupId),
      ...(options.expectedSha256 === undefined ? {} : { expectedSha256: options.expectedSha256 }),
    });
    for await (const part of stream) parts.push(Buffer.from(part as Uint8Array));
    return { yielded: Buffer.concat(parts), error: undefined };
  } catch (error) {
    return { yielded: Buffer.concat(parts), error };
  }
}

/**
 * Asserts the object was refused as BACKUP_INTEGRITY_FAILED, and that what got out before is
 * whole verified chunks of the original, none from the damaged one on.
 */
export function assertRefused(
  result: Decrypted,
  original: Buffer,
  firstBadChunk: number,
  chunkBytes = SMALL_CHUNK,
): void {
  assert.ok(result.error instanceof BerthError, `refused with a BerthError, got ${String(result.error)}`);
  assert.equal(result.error.code, 'BACKUP_INTEGRITY_FAILED', result.error.message);
  assert.equal(result.yielded.length % chunkBytes, 0, 'only whole chunks got out');
  assert.ok(result.yielded.length <= firstBadChunk * chunkBytes, 'nothing of the damaged chunk or after it');
  assert.ok(result.yielded.equals(original.subarray(0, result.yielded.length)), 'and those are authentic');
}

export const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Where the header ends and each sealed chunk lies in an object. */
export function layout(
  object: Buffer,
  chunkBytes = SMALL_CHUNK,
): { headerBytes: number; chunks: Array<[number, number]> } {
  const headerBytes = object.readUInt16BE(9);
  const chunks: Array<[number, number]> = [];
  for (let at = headerBytes; at < object.length; at += chunkBytes + TAG_BYTES) {
    chunks.push([at, Math.min(object.length, at + chunkBytes + TAG_BYTES)]);
  }
  return { headerBytes, chunks };
}

export function flipBit(object: Buffer, byte: number, bit = 0): Buffer {
  const copy = Buffer.from(object);
  copy[byte] = (copy[byte] ?? 0) ^ (1 << bit);
  return copy;
}
