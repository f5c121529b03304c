/**
 * Berth's own state sealed under a passphrase (`berth system backup`): the one place a person's
 * passphrase, not a key Berth holds, protects data, because the master key itself is inside.
 *
 * Format: `BERTHSB1`, a u32 header length, the header (JSON: scrypt parameters and salt, chunk
 * size, a check value of the derived key), then chunks of [u32 length][AES-256-GCM ciphertext +
 * tag]. Chunk i's nonce is i (the key is new for every backup: a fresh salt), and its AAD is the
 * header's bytes, i and whether it is the last, so a chunk moved, dropped, swapped from another
 * backup or cut off at the end does not open, and bytes after the last chunk are refused.
 *
 * The passphrase is never stored; the check value lets a wrong passphrase be told apart from a
 * damaged file before any chunk is tried (it costs a guesser one scrypt per guess, as the
 * chunks would).
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  randomBytes,
  scryptSync,
  timingSafeEqual,
} from 'node:crypto';
import { BerthError } from '@berth/protocol';

const MAGIC = Buffer.from('BERTHSB1', 'ascii');
const TAG_BYTES = 16;
const DEFAULT_CHUNK_BYTES = 1024 * 1024;
export const MIN_PASSPHRASE_LENGTH = 12;

export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  N: number;
  r: number;
  p: number;
}

/** 2^17 × 8 × 128 B = 128 MiB and about half a second: OWASP's scrypt floor (2023). */
export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 17, r: 8, p: 1 };

interface Header {
  version: 1;
  kdf: { name: 'scrypt'; N: number; r: number; p: number; salt: string };
  cipher: 'aes-256-gcm';
  chunkBytes: number;
  /** sha256 of the second half of the scrypt output: the passphrase check. */
  check: string;
}

export interface SealOptions {
  /** Only tests lower this (to stay fast); open() accepts what the header records, within bounds. */
  scrypt?: ScryptParams;
  chunkBytes?: number;
}

const damaged = (why: string): BerthError =>
  new BerthError('BACKUP_INTEGRITY_FAILED', `the Berth system backup is damaged or not one: ${why}`, {
    hint: 'Use another copy of the backup; this one must not be restored',
  });

export function checkPassphrase(passphrase: string): void {
  if (passphrase.length < MIN_PASSPHRASE_LENGTH)
    throw new BerthError(
      'VALIDATION_FAILED',
      `The passphrase must be at least ${MIN_PASSPHRASE_LENGTH} characters`,
      { issues: [{ path: 'passphrase', message: `at least ${MIN_PASSPHRASE_LENGTH} characters` }] },
    );
}

function deriveKeys(passphrase: string, salt: Buffer, s: ScryptParams): { key: Buffer; check: string } {
  // maxmem: 128 × N × r × p bytes, and room for scrypt's own buffers.
  const out = scryptSync(passphrase.normalize('NFC'), salt, 64, {
    N: s.N,
    r: s.r,
    p: s.p,
    maxmem: 256 * s.N * s.r * s.p + 1024 * 1024,
  });
  return {
    key: out.subarray(0, 32),
    check: createHash('sha256').update(out.subarray(32)).digest('base64'),
  };
}

function nonceOf(index: number): Buffer {
  const nonce = Buffer.alloc(12);
  nonce.writeBigUInt64BE(BigInt(index), 4);
  return nonce;
}

function aadOf(header: Buffer, index: number, last: boolean): Buffer {
  const tail = Buffer.alloc(9);
  tail.writeBigUInt64BE(BigInt(index), 0);
  tail[8] = last ? 1 : 0;
  return Buffer.concat([header, tail]);
}

export function sealSystemBackup(plain: Buffer, passphrase: string, options: SealOptions = {}): Buffer {
  checkPassphrase(passphrase);
  const s = options.scrypt ?? DEFAULT_SCRYPT;
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const salt = randomBytes(32);
  const { key, check } = deriveKeys(passphrase, salt, s);
  const header: Header = {
    version: 1,
    kdf: { name: 'scrypt', N: s.N, r: s.r, p: s.p, salt: salt.toString('base64') },
    cipher: 'aes-256-gcm',
    chunkBytes,
    check,
  };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const headerLength = Buffer.alloc(4);
  headerLength.writeUInt32BE(headerBytes.length);
  const parts: Buffer[] = [MAGIC, headerLength, headerBytes];
  const count = Math.max(1, Math.ceil(plain.length / chunkBytes));
  for (let i = 0; i < count; i++) {
    const cipher = createCipheriv('aes-256-gcm', key, nonceOf(i));
    cipher.setAAD(aadOf(headerBytes, i, i === count - 1));
    const body = Buffer.concat([
      cipher.update(plain.subarray(i * chunkBytes, (i + 1) * chunkBytes)),
      cipher.final(),
      cipher.getAuthTag(),
    ]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(body.length);
    parts.push(length, body);
  }
  return Buffer.concat(parts);
}

function parseHeader(bytes: Buffer): Header {
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw damaged('its header is not JSON');
  }
  const h = raw as Partial<Header> | null;
  const k = h?.kdf;
  const pow2 = (n: unknown): boolean =>
    typeof n === 'number' && Number.isInteger(n) && n > 1 && (n & (n - 1)) === 0;
  // Bounds: a crafted header must not make scrypt take gigabytes or hours.
  if (
    h?.version !== 1 ||
    h.cipher !== 'aes-256-gcm' ||
    k?.name !== 'scrypt' ||
    !pow2(k.N) ||
    k.N < 2 ** 10 ||
    k.N > 2 ** 20 ||
    !Number.isInteger(k.r) ||
    k.r < 1 ||
    k.r > 32 ||
    !Number.isInteger(k.p) ||
    k.p < 1 ||
    k.p > 4 ||
    typeof k.salt !== 'string' ||
    typeof h.check !== 'string' ||
    !Number.isInteger(h.chunkBytes) ||
    (h.chunkBytes ?? 0) < 1 ||
    (h.chunkBytes ?? 0) > 64 * 1024 * 1024
  )
    throw damaged('its header is not one this version of Berth reads');
  return h as Header;
}

export function openSystemBackup(sealed: Buffer, passphrase: string): Buffer {
  if (sealed.length < MAGIC.length + 4 || !sealed.subarray(0, MAGIC.length).equals(MAGIC))
    throw damaged('it does not start with BERTHSB1');
  const headerLength = sealed.readUInt32BE(MAGIC.length);
  let at = MAGIC.length + 4;
  if (headerLength > 4096 || at + headerLength > sealed.length) throw damaged('its header is cut off');
  const headerBytes = sealed.subarray(at, at + headerLength);
  const header = parseHeader(headerBytes);
  at += headerLength;
  const { key, check } = deriveKeys(passphrase, Buffer.from(header.kdf.salt, 'base64'), header.kdf);
  const expected = Buffer.from(header.check, 'base64');
  const got = Buffer.from(check, 'base64');
  if (expected.length !== got.length || !timingSafeEqual(expected, got))
    throw new BerthError('VALIDATION_FAILED', 'The passphrase is wrong for this Berth system backup', {
      hint: 'Give the passphrase the backup was made with; nothing was written',
      issues: [{ path: 'passphrase', message: 'wrong passphrase' }],
    });
  const out: Buffer[] = [];
  for (let i = 0; ; i++) {
    if (at + 4 > sealed.length) throw damaged(`it ends before its last chunk (after ${i} chunks)`);
    const length = sealed.readUInt32BE(at);
    at += 4;
    if (length < TAG_BYTES || length > header.chunkBytes + TAG_BYTES || at + length > sealed.length)
      throw damaged(`chunk ${i} is cut off or has a wrong length`);
    const body = sealed.subarray(at, at + length);
    at += length;
    const last = at === sealed.length;
    const decipher = createDecipheriv('aes-256-gcm', key, nonceOf(i));
    decipher.setAAD(aadOf(headerBytes, i, last));
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    try {
      out.push(decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final());
    } catch {
      throw damaged(
        last
          ? `chunk ${i} does not authenticate (changed, moved, or the backup is cut off after it)`
          : `chunk ${i} does not authenticate (changed or moved)`,
      );
    }
    if (last) return Buffer.concat(out);
  }
}
